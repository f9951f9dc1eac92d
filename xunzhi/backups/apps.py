from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "xunzhi.backups"
    verbose_name = "备份与恢复"
