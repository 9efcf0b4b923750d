from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "jixiao.monitoring"
    verbose_name = "绩效运行监控"

    def ready(self) -> None:
        from jixiao.core import todos
        from jixiao.execution import hooks as execution_hooks
        from jixiao.monitoring.selectors import monitoring_todos, region_time_progress
        from jixiao.monitoring.services_refresh import on_payments_imported

        todos.register(monitoring_todos)
        # Registered before the warning engine's (INSTALLED_APPS order): its sweep then reads the refreshed figures.
        execution_hooks.on_payments_imported(on_payments_imported)
        execution_hooks.time_progress_provider(region_time_progress)
