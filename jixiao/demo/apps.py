from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "jixiao.demo"
    verbose_name = "演示数据"
