from django.apps import AppConfig


class RegulationsConfig(AppConfig):
    name = "jixiao.regulations"
    verbose_name = "制度办法"
