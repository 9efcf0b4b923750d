from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "jixiao.documents"
    verbose_name = "文书管理"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.documents.selectors import document_todos

        todos.register(document_todos)
