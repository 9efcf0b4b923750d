from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "jixiao.alerts"
    verbose_name = "预警与处置"

    def ready(self) -> None:
        from jixiao.alerts.selectors import alert_todos
        from jixiao.alerts.sweep import on_payments_imported, on_record_saved, record_light
        from jixiao.core import todos
        from jixiao.execution import hooks as execution_hooks
        from jixiao.monitoring import hooks as monitoring_hooks

        todos.register(alert_todos)
        execution_hooks.on_payments_imported(on_payments_imported)
        monitoring_hooks.on_record_saved(on_record_saved)
        monitoring_hooks.light_provider(record_light)
