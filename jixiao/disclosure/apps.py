from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "jixiao.disclosure"
    verbose_name = "信息公开"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.disclosure.selectors import disclosure_todos

        todos.register(disclosure_todos)
