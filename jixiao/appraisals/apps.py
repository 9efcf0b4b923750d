from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "jixiao.appraisals"
    verbose_name = "绩效考核"
