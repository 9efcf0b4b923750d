from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "jixiao.training"
    verbose_name = "培训管理"
