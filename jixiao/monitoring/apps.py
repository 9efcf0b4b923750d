from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jixiao.monitoring"
    verbose_name = "绩效运行监控"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.monitoring.selectors import monitoring_todos

        todos.register(monitoring_todos)
