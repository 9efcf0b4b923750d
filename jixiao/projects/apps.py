from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "jixiao.projects"
    verbose_name = "项目库"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.projects import gates, joint_review
        from jixiao.projects.selectors import joint_review_todos, project_todos

        todos.register(project_todos)
        todos.register(joint_review_todos)
        gates.register(joint_review.gate)
