from django.apps import AppConfig


class KeyevalConfig(AppConfig):
    name = "jixiao.keyeval"
    verbose_name = "重点绩效评价"
