from django.apps import AppConfig


class DraftsConfig(AppConfig):
    name = "xunzhi.drafts"
    verbose_name = "报告草稿"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from xunzhi.drafts.models import Draft, DraftBlock, DraftComment, FigureOverride

        # every write by a person is in the audit log as well as in the draft's own history
        for model, exclude in (
            (Draft, ["version", "created_at", "updated_at", "figures"]),
            (DraftBlock, ["version"]),
            (FigureOverride, ["created_at"]),
            (DraftComment, ["created_at"]),
        ):
            fields = [f.name for f in model._meta.concrete_fields if f.name not in {"id", *exclude}]
            auditlog.register(model, include_fields=fields)
