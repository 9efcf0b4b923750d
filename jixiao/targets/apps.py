from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "jixiao.targets"
    verbose_name = "绩效目标管理"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.projects import gates
        from jixiao.targets.selectors import panel_todos, project_gate, target_todos

        todos.register(target_todos)
        todos.register(panel_todos)
        gates.register(project_gate)
