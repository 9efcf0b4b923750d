from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "jixiao.targets"
    verbose_name = "绩效目标管理"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.targets.selectors import panel_todos, target_todos

        todos.register(target_todos)
        todos.register(panel_todos)
