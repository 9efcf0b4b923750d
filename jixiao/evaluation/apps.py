from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "jixiao.evaluation"
    verbose_name = "绩效评价"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.evaluation.selectors import selfeval_todos, upper_todos
        from jixiao.evaluation.services_reeval import reeval_todos

        todos.register(selfeval_todos)
        todos.register(reeval_todos)
        todos.register(upper_todos)
