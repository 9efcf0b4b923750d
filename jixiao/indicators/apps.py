from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jixiao.indicators"
    verbose_name = "指标库"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.indicators.selectors import indicator_todos

        todos.register(indicator_todos)
