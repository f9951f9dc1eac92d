from django.apps import AppConfig


class FiguresConfig(AppConfig):
    name = "xunzhi.figures"
    verbose_name = "数据与规则"
