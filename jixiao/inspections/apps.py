from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "jixiao.inspections"
    verbose_name = "季度检查"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.inspections.selectors import inspection_todos

        todos.register(inspection_todos)
