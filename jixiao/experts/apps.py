from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "jixiao.experts"
    verbose_name = "专家库"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.experts.selectors import engagement_todos

        todos.register(engagement_todos)
