from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "jixiao.results"
    verbose_name = "结果应用"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.projects import gates
        from jixiao.results.selectors import project_gate, results_todos

        gates.register(project_gate)
        todos.register(results_todos)
