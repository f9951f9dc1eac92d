from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xunzhi.web"
    verbose_name = "网页应用"
