from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xunzhi.audit"
    verbose_name = "操作日志"

    def ready(self) -> None:
        from xunzhi.audit import registry

        registry.register_models()
        registry.connect_auth_signals()
