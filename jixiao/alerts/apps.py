from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "jixiao.alerts"
    verbose_name = "预警与处置"
