from django.apps import AppConfig


class KeyevalConfig(AppConfig):
    name = "jixiao.keyeval"
    verbose_name = "重点绩效评价"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.keyeval.selectors import keyeval_todos

        todos.register(keyeval_todos)
