from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "jixiao.rectification"
    verbose_name = "问题整改"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.rectification.selectors import rectification_todos

        todos.register(rectification_todos)
