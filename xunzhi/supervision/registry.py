"""The loop's models in the audit log (django-auditlog signals, like the other apps' models)."""

from __future__ import annotations

from auditlog.registry import auditlog


def register_audited() -> None:
    from xunzhi.supervision.models import ProblemStep, Rectification, RectificationFile

    auditlog.register(Rectification, exclude_fields=["version"])
    auditlog.register(ProblemStep)
    auditlog.register(RectificationFile)
