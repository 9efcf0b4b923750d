from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "jixiao.results"
    verbose_name = "结果应用"
