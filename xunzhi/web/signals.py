"""Every ledger write bumps the data stamp, so cached dashboard figures are never stale."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from xunzhi.intake.models import ImportBatch
from xunzhi.ledgers.models import LEDGER_MODELS, ValueSubmission
from xunzhi.ledgers.services import ledger_changed
from xunzhi.organisations.models import Leader, Org
from xunzhi.web.services import data_stamp_bump


def _bump(sender: type[Model], **kwargs: Any) -> None:
    data_stamp_bump()


def connect() -> None:
    models: list[type[Model]] = [*LEDGER_MODELS.values(), ValueSubmission, Org, Leader, ImportBatch]
    for model in models:
        post_save.connect(_bump, sender=model, dispatch_uid=f"xz-stamp-save-{model.__name__}")
    # No delete receivers on the big ledger tables: any delete signal makes Django fetch and
    # delete 200 000 rows one by one instead of one DELETE. Ledger deletes go through services
    # (and the admin) that send ``ledger_changed`` once instead.
    for model in (ValueSubmission, Org, Leader, ImportBatch):
        post_delete.connect(_bump, sender=model, dispatch_uid=f"xz-stamp-del-{model.__name__}")


def connect_ledger_changed() -> None:
    ledger_changed.connect(_bump, dispatch_uid="xz-stamp-ledger-changed")
