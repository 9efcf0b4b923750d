from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "jixiao.experts"
    verbose_name = "专家库"
