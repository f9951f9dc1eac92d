"""The rectification of a problem (整改情况), its history and its attached files.

A problem (the ledger's :class:`~xunzhi.ledgers.models.Problem`) gets one ``Rectification`` when
the loop first touches it: a finding recorded on a visit, or the unit's first submission. Its
state moves 待整改 → 已提交 → 已销号, or 已提交 → 已退回 → 已提交 again; every move is a
``ProblemStep`` (who, when, what). The problem's own 整改状态 follows the state, so the figures
and the report count a 销号 problem as 已整改 without knowing about this app.
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models

from xunzhi.ledgers.models import Problem, ProblemStatus
from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet

_M = TypeVar("_M", bound=models.Model)


class ProblemOwnedQuerySet(SubtreeQuerySet[_M]):
    """Rows that belong to a unit through their problem."""

    SUBTREE_FIELD = "problem__org"


class FileQuerySet(SubtreeQuerySet[_M]):
    """Attached files belong to a unit through their step's problem."""

    SUBTREE_FIELD = "step__problem__org"


class State(models.TextChoices):
    PENDING = "待整改", "待整改"
    SUBMITTED = "已提交", "已提交"
    CLOSED = "已销号", "已销号"
    RETURNED = "已退回", "已退回"


#: The ledger's 整改状态 a problem takes in each state (the one place this is said).
LEDGER_STATUS = {
    State.PENDING: ProblemStatus.OPEN,
    State.SUBMITTED: ProblemStatus.IN_PROGRESS,
    State.RETURNED: ProblemStatus.IN_PROGRESS,
    State.CLOSED: ProblemStatus.DONE,
}


class Rectification(models.Model):
    """The state of one problem's rectification and what the unit last reported."""

    problem = models.OneToOneField(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="rectification"
    )
    state = models.CharField("整改进展", max_length=8, choices=State.choices, default=State.PENDING)
    text = models.TextField("整改情况", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = ProblemOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "整改情况"
        verbose_name_plural = "整改情况"
        indexes = [models.Index(fields=["state"], name="rectification_state")]

    def __str__(self) -> str:
        return f"{self.problem} {self.state}"

    # The unit an audit entry of this record belongs to (xunzhi.audit.units.unit_of).
    @property
    def org_id(self) -> int:
        return self.problem.org_id

    @property
    def org(self) -> Org:
        return self.problem.org


class Action(models.TextChoices):
    FOUND = "督导发现", "督导发现"
    SUBMIT = "提交整改", "提交整改"
    CLOSE = "销号", "销号"
    RETURN = "退回", "退回"


class ProblemStep(models.Model):
    """One step of a problem's history: who did what, when, with which text."""

    problem = models.ForeignKey(
        Problem, verbose_name="问题", on_delete=models.CASCADE, related_name="steps"
    )
    action = models.CharField("操作", max_length=8, choices=Action.choices)
    state = models.CharField("操作后状态", max_length=8, choices=State.choices)
    text = models.TextField("内容", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人姓名", max_length=100, blank=True)
    at = models.DateTimeField("时间", db_index=True)

    objects = ProblemOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "整改步骤"
        verbose_name_plural = "整改步骤"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    @property
    def org_id(self) -> int:
        return self.problem.org_id

    @property
    def org(self) -> Org:
        return self.problem.org


class RectificationFile(models.Model):
    """A file attached to a submission, stored under the data folder (``path`` is relative)."""

    step = models.ForeignKey(
        ProblemStep, verbose_name="整改步骤", on_delete=models.CASCADE, related_name="files"
    )
    name = models.CharField("文件名", max_length=200)
    path = models.CharField("存储位置", max_length=300, unique=True)
    kind = models.CharField("文件类型", max_length=10)
    mime = models.CharField("MIME 类型", max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)

    objects = FileQuerySet.as_manager()

    class Meta:
        verbose_name = "整改附件"
        verbose_name_plural = "整改附件"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def org_id(self) -> int:
        return self.step.problem.org_id

    @property
    def org(self) -> Org:
        return self.step.problem.org
