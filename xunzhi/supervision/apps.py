from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "xunzhi.supervision"
    verbose_name = "督导整改"

    def ready(self) -> None:
        from xunzhi.supervision import guards, registry

        registry.register_audited()
        guards.connect()
