"""Reading the audit log: the entries a user may see, filtered, and their changes in words.

Who may read it: the roles with the ``audit`` right (县学习教育办 and 督导组), for the units of
their scope; entries that belong to no unit (system accounts, a lockout of an unknown name, a
command-line import without ``--scope``) only at the top of the tree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field, Model, Q, QuerySet

from xunzhi.audit.models import ACTION_LABELS, AuditEntry, Event
from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import path_prefix_q

#: The "what" filter: the three writes and the events.
WHAT_CHOICES = [
    ("create", "新增"),
    ("update", "修改"),
    ("delete", "删除"),
    *Event.choices,
]
_WHAT_ACTIONS = {
    "create": AuditEntry.Action.CREATE,
    "update": AuditEntry.Action.UPDATE,
    "delete": AuditEntry.Action.DELETE,
}
#: Labels of what an event records besides fields, and of fields left without a Chinese name.
EXTRA_LABELS = {
    "account": "该账号登录失败次数",
    "address": "该地址登录失败次数",
    "created_at": "备份时间",
    "engine": "数据库",
    "user": "用户",
}
EMPTY = ("", "None")


@dataclasses.dataclass(frozen=True)
class AuditFilters:
    unit: Org
    actor: str = ""
    model: str = ""  # "app_label.model"
    what: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entries(*, scope: Org, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """The entries of ``filters.unit``'s subtree (inside ``scope``), newest first."""
    unit = filters.unit
    if not unit.in_subtree_of(scope):
        none: QuerySet[AuditEntry] = AuditEntry.objects.none()
        return none
    where = path_prefix_q("unit_path", unit)
    if unit.depth == 1:  # the top of a tree also sees what belongs to no unit
        where |= Q(unit_path="")
    qs: QuerySet[AuditEntry] = AuditEntry.objects.filter(where)
    if filters.actor:
        qs = qs.filter(actor_name=filters.actor)
    if filters.model:
        app_label, _, model = filters.model.partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if filters.what in _WHAT_ACTIONS:
        qs = qs.filter(action=_WHAT_ACTIONS[filters.what], event="")
    elif filters.what:
        qs = qs.filter(event=filters.what)
    if filters.date_from:
        qs = qs.filter(timestamp__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(timestamp__date__lte=filters.date_to)
    return qs.select_related("content_type").order_by("-timestamp", "-pk")


def audit_actor_names(*, scope: Org) -> list[str]:
    """Who appears in the log of ``scope`` (the actor filter's choices)."""
    qs = audit_entries(scope=scope, filters=AuditFilters(unit=scope))
    return sorted(set(qs.exclude(actor_name="").values_list("actor_name", flat=True)))


def audit_model_choices() -> list[tuple[str, str]]:
    """("app_label.model", 中文名) of every audited model."""
    from xunzhi.audit.registry import audited_models

    return sorted(
        (f"{m._meta.app_label}.{m._meta.model_name}", str(m._meta.verbose_name))
        for m in audited_models()
    )


def audit_type_label(entry: AuditEntry) -> str:
    model = _model(entry.content_type_id)
    return str(model._meta.verbose_name) if model is not None else ""


@dataclasses.dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def audit_changes(entry: AuditEntry) -> list[Change]:
    """Each recorded field in words: 名称 / before / after (choices and yes/no spelled out)."""
    model = _model(entry.content_type_id)
    out = []
    for name, pair in (entry.changes or {}).items():
        before, after = (list(pair) + ["", ""])[:2] if isinstance(pair, list) else ("", "")
        field = _field(model, name)
        label = str(field.verbose_name) if field is not None else name
        label = EXTRA_LABELS.get(label, label)  # untranslated defaults ("user") and extras
        if name == "password":  # masked: say that it changed, never what it is
            created = entry.action == AuditEntry.Action.CREATE
            before, after = "", ("已设置" if created else "已修改")
        else:
            before, after = _words(field, before), _words(field, after)
        out.append(Change(label=label, before=before, after=after))
    return out


def audit_changes_text(entry: AuditEntry) -> str:
    """The changes on one line (for the export): 名称：前 → 后；…"""
    parts = []
    for c in audit_changes(entry):
        if entry.action == AuditEntry.Action.CREATE or not c.before:
            parts.append(f"{c.label}：{c.after}")
        elif entry.action == AuditEntry.Action.DELETE:
            parts.append(f"{c.label}：{c.before}")
        else:
            parts.append(f"{c.label}：{c.before} → {c.after}")
    return "；".join(parts)


def audit_what(entry: AuditEntry) -> str:
    return entry.what or ACTION_LABELS.get(entry.action, "")


def _model(content_type_id: int | None) -> type[Model] | None:
    if content_type_id is None:
        return None
    return ContentType.objects.get_for_id(content_type_id).model_class()


def _field(model: type[Model] | None, name: str) -> Field[Any, Any] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, Field) and getattr(field, "concrete", False) else None


def _words(field: Field[Any, Any] | None, value: Any) -> str:
    text = "" if value is None else str(value)
    if text in EMPTY:
        return ""
    if field is None:
        return text
    if getattr(field, "get_internal_type", lambda: "")() == "BooleanField":
        return {"True": "是", "False": "否"}.get(text, text)
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices.get(text, text))
