from django.apps import AppConfig


class ExecutionConfig(AppConfig):
    name = "jixiao.execution"
    verbose_name = "预算执行数据"
