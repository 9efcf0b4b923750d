from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jixiao.reports"
    verbose_name = "统计分析与年度总结"
