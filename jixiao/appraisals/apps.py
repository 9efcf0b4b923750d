from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "jixiao.appraisals"
    verbose_name = "绩效考核"

    def ready(self) -> None:
        from jixiao.appraisals import workflow  # noqa: F401  (registers the table for docs/workflows.md)
        from jixiao.appraisals.selectors import appraisal_todos
        from jixiao.core import todos

        todos.register(appraisal_todos)
