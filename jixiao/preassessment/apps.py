from django.apps import AppConfig


class PreassessmentConfig(AppConfig):
    name = "jixiao.preassessment"
    verbose_name = "事前绩效评估"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.preassessment.panels import agency_todos, expert_todos
        from jixiao.preassessment.selectors import preassessment_todos, project_gate
        from jixiao.projects import gates

        todos.register(preassessment_todos)
        todos.register(expert_todos)
        todos.register(agency_todos)
        gates.register(project_gate)
