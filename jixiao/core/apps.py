from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jixiao.core"
    verbose_name = "基础"
