from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "jixiao.bulletins"
    verbose_name = "通报"
