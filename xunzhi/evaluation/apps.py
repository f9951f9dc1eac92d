from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "xunzhi.evaluation"
    verbose_name = "评估打分"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        # registers the evaluation's part of every unit's 督导档案 (supervision's timeline)
        from xunzhi.evaluation import timeline  # noqa: F401
        from xunzhi.evaluation.models import ManualScore, Survey

        for model, exclude in ((ManualScore, {"version"}), (Survey, {"version"})):
            fields = [f.name for f in model._meta.concrete_fields if f.name not in {"id", *exclude}]
            auditlog.register(model, include_fields=fields)
