"""Writes to the audit log that model signals do not make: changes written with ``update()``,
ledger deletes, imports (one entry per file), login events."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.diff import model_instance_diff
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from xunzhi.audit.models import AuditEntry, Event
from xunzhi.organisations.models import Org

Action = AuditEntry.Action


def audit_log_update(*, before: models.Model, after: models.Model) -> AuditEntry | None:
    """Log the change between two states of a record written with ``QuerySet.update()``."""
    changes = model_instance_diff(before, after)
    if not changes:
        return None
    entry: AuditEntry | None = AuditEntry.objects.log_create(
        after, action=Action.UPDATE, changes=changes
    )
    return entry


def audit_log_delete(*, instance: models.Model) -> AuditEntry | None:
    """Log the deletion of a record whose model has no delete receiver (the ledgers)."""
    entry: AuditEntry | None = AuditEntry.objects.log_create(
        instance, action=Action.DELETE, changes=model_instance_diff(instance, None), force_log=True
    )
    return entry


@contextlib.contextmanager
def audit_suppressed() -> Iterator[None]:
    """No per-row entries inside (a bulk write that records itself otherwise)."""
    with disable_auditlog():
        yield


def audit_import_batches(*, batch_ids: list[int], unit: Org | None) -> list[AuditEntry]:
    """One entry per imported file: its name, kind and counts (never one per row)."""
    from xunzhi.intake.models import ImportBatch

    entries: list[AuditEntry] = []
    for batch in ImportBatch.objects.filter(pk__in=batch_ids).order_by("pk"):
        entry = AuditEntry.objects.log_create(
            batch,
            action=Action.CREATE,
            event=Event.IMPORT,
            changes=model_instance_diff(None, batch),
            unit=unit,
            force_log=True,
        )
        if entry is not None:  # always, with force_log
            entries.append(entry)
    return entries


def audit_event(
    *,
    event: str,
    instance: models.Model | None = None,
    model: type[models.Model] | None = None,
    object_repr: str = "",
    actor: AbstractBaseUser | None = None,
    unit: Org | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """An entry for an event (login, lockout, unlock, restore) about ``instance``, or about a
    record that does not exist (``model`` and ``object_repr``: a lockout of an unknown name)."""
    if instance is not None:
        logged: AuditEntry | None = AuditEntry.objects.log_create(
            instance,
            action=Action.ACCESS,
            event=event,
            actor=actor,
            unit=unit,
            changes=changes,
            force_log=True,
        )
        return logged
    from xunzhi.audit.context import audit_current

    ctx = audit_current()
    actor = actor or ctx.current_actor()
    unit = unit or ctx.unit
    created: AuditEntry = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(model or Org),
        object_pk="",
        object_repr=object_repr[:200],
        action=Action.ACCESS,
        event=event,
        changes=changes,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor.get_username() if actor else ctx.actor_name,
        via=ctx.via,
        remote_addr=ctx.remote_addr,
        unit_path=unit.path if unit is not None else "",
        unit_name=unit.name if unit is not None else "",
    )
    return created
