from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "xunzhi.campaigns"
    verbose_name = "学习教育活动"
