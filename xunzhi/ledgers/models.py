"""The six ledger kinds of ``ledgers.md``.

Every row belongs to a campaign and an organisation, carries a ``version`` for
optimistic locking (edits that collide are refused, never overwritten) and, when
imported, the import batch, sheet and row it came from. Each kind has a natural
key (a unique constraint) so that re-importing a file updates rows in place.
Type-like fields hold the campaign's own words (``专题学习研讨``), validated
against the campaign file rather than hard-coded choices.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from xunzhi.ledgers import registry
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Leader, Org, Rank
from xunzhi.organisations.querysets import SubtreeQuerySet

ACTIVITY_ROLLUP_INDEX = "activity_rollup"


class LedgerRow(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育活动",
        on_delete=models.CASCADE,
        related_name="+",
    )
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("版本", default=1, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    source_batch = models.ForeignKey(
        "intake.ImportBatch",
        verbose_name="来源导入批次",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_sheet = models.CharField("来源工作表", max_length=100, blank=True)
    source_row = models.PositiveIntegerField("来源行号", null=True, blank=True)

    objects = SubtreeQuerySet.as_manager()

    #: Field names forming the natural key (besides ``campaign``), used by import upserts.
    NATURAL_KEY: tuple[str, ...] = ()

    class Meta:
        abstract = True


class Activity(LedgerRow):
    """活动台账: one event (a seminar, a lecture, a 主题党日 …)."""

    date = models.DateField("日期")
    type = models.CharField("类型", max_length=20)
    title = models.CharField("标题", max_length=200)
    participants = models.PositiveIntegerField("参加人数", default=0)
    leader = models.ForeignKey(
        Leader,
        verbose_name="主讲/带头领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    beneficiaries = models.PositiveIntegerField("受益人数", default=0)
    location = models.CharField("地点", max_length=100, blank=True)
    tags = models.CharField(
        "标签",
        max_length=200,
        blank=True,
        help_text="以逗号包围存储，如“,本地特色,线上,”，便于精确匹配。",
    )
    note = models.TextField("备注", blank=True)

    NATURAL_KEY = ("org", "date", "type", "title")

    class Meta:
        verbose_name = "活动"
        verbose_name_plural = "活动台账"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "date", "type", "title"], name="activity_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "type", "date"], name="activity_type_date"),
            models.Index(fields=["org", "type", "date"], name="activity_org_type"),
            # Covering index for the figures' single grouped pass over activities
            # (xunzhi.figures.engine): the whole aggregate is answered from the index.
            models.Index(
                fields=["campaign", "org", "type", "date", "participants", "beneficiaries", "tags"],
                name=ACTIVITY_ROLLUP_INDEX,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.title}"

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]


class ProjectStatus(models.TextChoices):
    NOT_STARTED = "未启动", "未启动"
    IN_PROGRESS = "推进中", "推进中"
    DONE = "已完成", "已完成"


class Project(LedgerRow):
    """办实事项目: one project of 我为群众办实事."""

    name = models.CharField("项目名称", max_length=200)
    leader = models.ForeignKey(
        Leader,
        verbose_name="领办领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    leader_rank = models.CharField("领导职级", max_length=8, choices=Rank.choices, blank=True)
    field = models.CharField("重点领域", max_length=50)
    planned_date = models.DateField("计划完成日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=8, choices=ProjectStatus.choices, default=ProjectStatus.NOT_STARTED
    )
    done_date = models.DateField("完成日期", null=True, blank=True)
    beneficiaries = models.PositiveIntegerField("受益人数", default=0)

    NATURAL_KEY = ("org", "name")

    class Meta:
        verbose_name = "办实事项目"
        verbose_name_plural = "办实事项目"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org", "name"], name="project_natural_key")
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="project_status"),
            # Covering index for the figures' grouped pass per unit (xunzhi.figures.engine):
            # read from the index alone on PostgreSQL, in unit order.
            models.Index(
                fields=["campaign", "org"],
                include=["field", "status", "planned_date", "done_date", "beneficiaries"],
                name="project_by_org",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProblemStatus(models.TextChoices):
    OPEN = "未整改", "未整改"
    IN_PROGRESS = "整改中", "整改中"
    DONE = "已整改", "已整改"


class Problem(LedgerRow):
    """问题清单: one problem found and its rectification."""

    source = models.CharField("问题来源", max_length=10)
    description = models.TextField("问题描述")
    category = models.CharField("问题类别", max_length=50, blank=True)
    measures = models.TextField("整改措施", blank=True)
    deadline = models.DateField("整改时限", null=True, blank=True)
    status = models.CharField(
        "整改状态", max_length=8, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    done_date = models.DateField("完成日期", null=True, blank=True)
    found_date = models.DateField("发现日期", null=True, blank=True)
    visit = models.ForeignKey(
        "SupervisionVisit",
        verbose_name="督导记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="problems",
    )

    NATURAL_KEY = ("org", "source", "description")

    class Meta:
        verbose_name = "问题"
        verbose_name_plural = "问题清单"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "source", "description"], name="problem_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "source"], name="problem_source"),
            models.Index(fields=["campaign", "status", "deadline"], name="problem_overdue"),
            # Covering index for the figures' grouped pass per unit, as ``project_by_org``.
            models.Index(
                fields=["campaign", "org", "source"],
                include=["category", "status", "deadline", "done_date", "found_date"],
                name="problem_by_org",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]


class Resource(LedgerRow):
    """资源台账: one registered thing that is counted (a study site, a team, a programme …)."""

    type = models.CharField("类型", max_length=20)
    name = models.CharField("名称", max_length=200)
    quantity = models.PositiveIntegerField("数量", default=1)
    leader = models.ForeignKey(
        Leader,
        verbose_name="负责领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
    )
    note = models.TextField("备注", blank=True)

    NATURAL_KEY = ("org", "type", "name")

    class Meta:
        verbose_name = "资源"
        verbose_name_plural = "资源台账"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "type", "name"], name="resource_natural_key"
            )
        ]
        indexes = [models.Index(fields=["campaign", "type"], name="resource_type")]

    def __str__(self) -> str:
        return f"{self.type}：{self.name}"


class ReportedValue(LedgerRow):
    """填报数据: one unit's value of one item for one period."""

    period = models.CharField("期间", max_length=10, help_text="月 2021-06、季度 2021Q2 或 全程")
    period_end = models.DateField("期间截止日")
    item = models.CharField("指标", max_length=50)
    value = models.DecimalField("数值", max_digits=16, decimal_places=2)

    NATURAL_KEY = ("org", "period", "item")

    class Meta:
        verbose_name = "填报数据"
        verbose_name_plural = "填报数据"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "period", "item"], name="value_natural_key"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "item", "period_end"], name="value_item_period")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.item}={self.value}"


class SubmissionStatus(models.TextChoices):
    DRAFT = "草稿", "草稿"
    SUBMITTED = "已提交", "已提交"
    APPROVED = "已审核", "已审核"
    RETURNED = "已退回", "已退回"


class ValueSubmission(models.Model):
    """The state of one unit's reported values for one period: submitted, approved or returned."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey(Org, verbose_name="组织", on_delete=models.PROTECT, related_name="+")
    period = models.CharField("期间", max_length=10)
    status = models.CharField(
        "状态", max_length=8, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("退回理由", blank=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = SubtreeQuerySet.as_manager()

    class Meta:
        verbose_name = "填报审核"
        verbose_name_plural = "填报审核"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "org", "period"], name="submission_key")
        ]

    def __str__(self) -> str:
        return f"{self.org} {self.period} {self.status}"

    # --- state changes (healthchecks' ``Check.create_flip`` style): each checks the state it
    # starts from, moves on, bumps the version and saves; the services lock the row, check the
    # version the person saw and the scope, and keep the audit trail through the save.

    def ensure_can_submit(self) -> None:
        """Refuse, naming the state, unless the period is a draft or was returned."""
        self._expect((SubmissionStatus.DRAFT, SubmissionStatus.RETURNED), "提交")

    def submit(self, *, user: User | None) -> None:
        """草稿/已退回 → 已提交 (then locked for the unit until returned)."""
        self.ensure_can_submit()
        self.status = SubmissionStatus.SUBMITTED
        self.submitted_at = timezone.now()
        self.submitted_by = user
        self.reason = ""
        self._bump()

    def approve(self, *, user: User | None) -> None:
        """已提交 → 已审核: the values are locked until un-approved."""
        self._expect((SubmissionStatus.SUBMITTED,), "审核通过")
        self._reviewed(SubmissionStatus.APPROVED, user)

    def send_back(self, *, reason: str, user: User | None) -> None:
        """已提交 → 已退回 with a reason the unit sees; the unit may then edit and resubmit."""
        reason = reason.strip()
        if not reason:
            raise UserError("退回时必须填写退回理由。")
        self._expect((SubmissionStatus.SUBMITTED,), "退回")
        self.reason = reason
        self._reviewed(SubmissionStatus.RETURNED, user)

    def unapprove(self, *, user: User | None) -> None:
        """已审核 → 已提交: unlocks the period for review again (the reviewer may then return it)."""
        self._expect((SubmissionStatus.APPROVED,), "撤销审核")
        self._reviewed(SubmissionStatus.SUBMITTED, user)

    def _expect(self, statuses: tuple[str, ...], action: str) -> None:
        if self.status not in statuses:
            raise UserError(
                f"{self.org.name} {self.period} 的填报数据当前为“{self.status}”，不能{action}。"
            )

    def _reviewed(self, status: str, user: User | None) -> None:
        self.status = status
        self.reviewed_at = timezone.now()
        self.reviewed_by = user
        self._bump()

    def _bump(self) -> None:
        self.version += 1
        self.save()


class SupervisionVisit(LedgerRow):
    """督导记录: one visit of the guidance group to a unit (``org`` is the unit visited)."""

    date = models.DateField("日期")
    group_name = models.CharField("督导组", max_length=50)
    method = models.CharField("方式", max_length=10)
    findings = models.TextField("发现问题", blank=True)
    feedback = models.TextField("反馈意见", blank=True)

    NATURAL_KEY = ("org", "date", "group_name", "method")

    class Meta:
        verbose_name = "督导记录"
        verbose_name_plural = "督导记录"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "date", "group_name", "method"], name="visit_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.group_name} {self.method}"


#: kind → model, read from the registry of ledger kinds (:mod:`xunzhi.ledgers.registry`).
LEDGER_MODELS = registry.MODELS
