from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "xunzhi.demo"
    verbose_name = "演示数据"
