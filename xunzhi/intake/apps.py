from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "xunzhi.intake"
    verbose_name = "数据导入"
