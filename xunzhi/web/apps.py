from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xunzhi.web"
    verbose_name = "网页应用"

    def ready(self) -> None:
        from xunzhi.web import signals  # imports models: only once the app registry is ready

        signals.connect()
        signals.connect_ledger_changed()
