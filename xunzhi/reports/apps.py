from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "xunzhi.reports"
    verbose_name = "评估报告"
