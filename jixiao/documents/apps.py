from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "jixiao.documents"
    verbose_name = "文书管理"
