from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "jixiao.core"
    verbose_name = "基础"

    def ready(self) -> None:
        from jixiao.core import lookups  # noqa: F401  (registers IntegerFieldIn and CaselessIContains)
