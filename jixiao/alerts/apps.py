from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "jixiao.alerts"
    verbose_name = "预警与处置"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from jixiao.alerts import receivers
        from jixiao.alerts.selectors import alert_todos
        from jixiao.alerts.sweep import on_payments_imported, on_records_saved, record_light
        from jixiao.core import todos
        from jixiao.documents.signals import document_feedback_given
        from jixiao.execution import hooks as execution_hooks
        from jixiao.monitoring import hooks as monitoring_hooks
        from jixiao.projects.models import Project

        todos.register(alert_todos)
        execution_hooks.on_payments_imported(on_payments_imported)
        monitoring_hooks.on_records_saved(on_records_saved)
        monitoring_hooks.light_provider(record_light)

        pre_save.connect(receivers.remember_region, sender=Project, dispatch_uid="alerts_light_counts_pre")
        post_save.connect(receivers.refresh_after_save, sender=Project, dispatch_uid="alerts_light_counts_post")
        pre_delete.connect(receivers.remember_lights, sender=Project, dispatch_uid="alerts_light_counts_pre_delete")
        post_delete.connect(receivers.refresh_after_delete, sender=Project, dispatch_uid="alerts_light_counts_delete")
        post_save.connect(receivers.warnings_follow_project, sender=Project, dispatch_uid="alerts_warning_places")
        document_feedback_given.connect(receivers.letter_answered, dispatch_uid="alerts_letter_answered")
