from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "xunzhi.organisations"
    verbose_name = "组织"
