from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "jixiao.organizations"
    verbose_name = "组织机构"
