from django.apps import AppConfig


class CityConfig(AppConfig):
    name = "xunzhi.city"
    verbose_name = "全市比较"
