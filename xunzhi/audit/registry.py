"""Which models are audited, with which fields, and the login events.

People's writes go through model signals (django-auditlog). The big ledger tables get no delete
receiver: any delete signal makes Django fetch and delete rows one by one instead of one
``DELETE`` (a unit's cascade would log 200 000 rows); their deletes are logged by the services
and the admin that make them (:func:`xunzhi.audit.services.audit_log_delete`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auditlog.receivers import log_delete
from auditlog.registry import auditlog
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db import models
from django.db.models.signals import post_delete
from django.http import HttpRequest

#: Bookkeeping fields that every write changes: not worth a line in the log.
BOOKKEEPING = ["version", "created_at", "updated_at"]
LEDGER_EXCLUDE = [
    *BOOKKEEPING,
    "campaign",
    "source_batch",
    "source_sheet",
    "source_row",
    "period_end",
]


def mask(value: str) -> str:
    """What the log shows for a password hash, before and after."""
    return "******"


def _fields(model: type[models.Model], exclude: Sequence[str] = ()) -> list[str]:
    """The model's own columns worth a line (never its reverse relations, which django-auditlog
    would print as "Leader.None", nor the id the entry names anyway)."""
    return [f.name for f in model._meta.concrete_fields if f.name not in {"id", *exclude}]


def register_models() -> None:
    from xunzhi.intake.models import ImportBatch
    from xunzhi.ledgers.models import LEDGER_MODELS, ValueSubmission
    from xunzhi.organisations.models import Leader, Org
    from xunzhi.reports.models import Evaluation, ReportVersion
    from xunzhi.web.models import Profile

    def register(model: type[models.Model], exclude: Sequence[str] = (), **options: Any) -> None:
        auditlog.register(model, include_fields=_fields(model, exclude), **options)

    for model in LEDGER_MODELS.values():
        register(model, LEDGER_EXCLUDE)
        post_delete.disconnect(
            sender=model, dispatch_uid=auditlog._dispatch_uid(post_delete, log_delete)
        )
    register(ValueSubmission, [*BOOKKEEPING, "campaign"])
    register(Org, [*BOOKKEEPING, "path", "depth", "numchild"])
    register(Leader, BOOKKEEPING)
    register(Profile)
    register(
        get_user_model(),
        ["last_login", "date_joined", "groups", "user_permissions"],
        mask_fields=["password"],
    )
    register(Evaluation, [*BOOKKEEPING, "campaign"])
    register(ReportVersion, ["created_at", "fired_rules"])
    register(ImportBatch, ["file_sha256", "created_at", "summary", "user"])


def audited_models() -> list[type[models.Model]]:
    """The audited models, for the log's filter."""
    return list(auditlog.get_models())


def _logged_in(sender: Any, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    from xunzhi.audit.models import Event
    from xunzhi.audit.services import audit_event

    audit_event(event=Event.LOGIN, instance=user, actor=user)


def _logged_out(
    sender: Any, request: HttpRequest, user: AbstractBaseUser | None, **kwargs: Any
) -> None:
    from xunzhi.audit.models import Event
    from xunzhi.audit.services import audit_event

    if user is not None:
        audit_event(event=Event.LOGOUT, instance=user, actor=user)


def _locked_out(
    sender: Any, request: HttpRequest, username: str | None, ip_address: str, **kwargs: Any
) -> None:
    """One entry when an account or address becomes locked, not one per refused try after."""
    from django.conf import settings

    from xunzhi.audit.models import Event
    from xunzhi.audit.services import audit_event

    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    User = get_user_model()
    user = User.objects.filter(username=username).first() if username else None
    counts = getattr(request, "xz_failures", {})
    audit_event(
        event=Event.LOCKOUT,
        instance=user,
        model=User,
        object_repr=username or "（未填用户名）",
        changes={
            name: ["", str(counts[name])] for name in ("account", "address") if name in counts
        },
    )


def connect_auth_signals() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(_logged_in, dispatch_uid="xz-audit-login")
    user_logged_out.connect(_logged_out, dispatch_uid="xz-audit-logout")
    user_locked_out.connect(_locked_out, dispatch_uid="xz-audit-lockout")
