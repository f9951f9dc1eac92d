"""The audit log: django-auditlog's entry, with the interface, the actor's name and the unit.

django-auditlog writes an entry from the model signals of every registered model (a person's
create, change and delete) and computes the before → after of each field. Bulk paths send no
signals (imports write with ``executemany``/``COPY`` and are recorded once per file as their
``ImportBatch``), so they pay nothing per row.
"""

from __future__ import annotations

from typing import Any

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.db import models
from django.utils import timezone

from xunzhi.audit.context import Via, audit_current


class Event(models.TextChoices):
    """What an entry records besides a plain create, change or delete of a record."""

    IMPORT = "import", "导入文件"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出登录"
    LOCKOUT = "lockout", "登录锁定"
    UNLOCK = "unlock", "解除锁定"
    RESTORE = "restore", "恢复备份"


ACTION_LABELS = {
    AbstractLogEntry.Action.CREATE: "新增",
    AbstractLogEntry.Action.UPDATE: "修改",
    AbstractLogEntry.Action.DELETE: "删除",
    AbstractLogEntry.Action.ACCESS: "访问",
}


class AuditEntryManager(LogEntryManager):  # type: ignore[misc]  # auditlog has no type information
    def log_create(
        self, instance: models.Model | None, force_log: bool = False, **kwargs: Any
    ) -> AuditEntry | None:
        """django-auditlog's entry, completed from the audit context and the record's unit."""
        from xunzhi.audit.units import unit_of

        ctx = audit_current()
        actor = kwargs.get("actor") or ctx.current_actor()
        kwargs["actor"] = actor if getattr(actor, "pk", None) else None
        kwargs.setdefault("actor_name", actor.get_username() if actor else ctx.actor_name)
        kwargs.setdefault("via", ctx.via)
        kwargs.setdefault("remote_addr", ctx.remote_addr)
        if "unit_path" not in kwargs:
            unit = kwargs.pop("unit", None) or ctx.unit or unit_of(instance)
            kwargs["unit_path"] = unit.path if unit is not None else ""
            kwargs["unit_name"] = unit.name if unit is not None else ""
        kwargs.pop("unit", None)
        entry: AuditEntry | None = super().log_create(instance, force_log=force_log, **kwargs)
        return entry


class AuditEntry(AbstractLogEntry):  # type: ignore[misc]  # auditlog has no type information
    """One write by a person (or a login event): who, when, what, before → after, how."""

    # The base's fields, named in Chinese (the admin and forms show these names).
    object_repr = models.TextField("对象")
    action = models.PositiveSmallIntegerField(
        "操作类型", choices=list(ACTION_LABELS.items()), db_index=True
    )
    remote_addr = models.GenericIPAddressField("地址", blank=True, null=True)
    timestamp = models.DateTimeField("时间", default=timezone.now, db_index=True)
    via = models.CharField("途径", max_length=8, choices=Via.choices, default=Via.SYSTEM)
    event = models.CharField("事件", max_length=8, choices=Event.choices, blank=True)
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    unit_path = models.CharField("所属单位路径", max_length=255, blank=True, db_index=True)
    unit_name = models.CharField("所属单位", max_length=100, blank=True)

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):  # type: ignore[misc]  # auditlog has no type information
        verbose_name = "操作日志"
        verbose_name_plural = "操作日志"
        indexes = [models.Index(fields=["unit_path", "timestamp"], name="audit_unit_time")]

    @property
    def what(self) -> str:
        """新增 / 修改 / 删除, or the event (登录, 导入文件 …)."""
        if self.event:
            return str(self.get_event_display())
        return ACTION_LABELS.get(self.action, "")
