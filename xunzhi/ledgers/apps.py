from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "xunzhi.ledgers"
    verbose_name = "台账"
