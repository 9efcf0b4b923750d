from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "jixiao.projects"
    verbose_name = "项目库"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.projects.selectors import project_todos

        todos.register(project_todos)
