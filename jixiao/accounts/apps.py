from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "jixiao.accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from jixiao.accounts import signals  # noqa: F401
