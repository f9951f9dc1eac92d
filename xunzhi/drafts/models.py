"""A draft of a report: its blocks as they will print, figure overrides, comments and history.

Block text holds every figure as a token (``⟦F07⟧``); the figure's printed text is the draft's
snapshot (``Draft.figures``) or its override, so the words are free and the numbers stay
locked to the data they came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet


class State(models.TextChoices):
    DRAFT = "draft", "草稿"
    REVIEW = "review", "审核中"
    RETURNED = "returned", "退回"
    FINAL = "final", "定稿"


#: States in which the authors may change the text.
EDITABLE = (State.DRAFT, State.RETURNED)

USER = settings.AUTH_USER_MODEL


class DraftQuerySet(SubtreeQuerySet["Draft"]):
    SUBTREE_FIELD = "unit"


class Draft(models.Model):
    evaluation = models.ForeignKey(
        "reports.Evaluation", verbose_name="评估", on_delete=models.CASCADE, related_name="drafts"
    )
    unit = models.ForeignKey(
        Org, verbose_name="被评估单位", on_delete=models.CASCADE, related_name="+"
    )
    source_version = models.ForeignKey(
        "reports.ReportVersion",
        verbose_name="来源版本",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafts",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="解锁自定稿",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
    )
    title = models.CharField("标题", max_length=200)
    until = models.DateField("数据截止日期", null=True, blank=True)
    cutoff = models.DateField("统计截至")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    #: figure key (``F07`` or ``F07.2`` for a second printing) → code, name, definition,
    #: value, text and source count as computed when the draft was made or refreshed
    figures = models.JSONField("数据快照", default=dict, blank=True)
    figures_at = models.DateTimeField("数据计算时间")
    #: generated texts of the paragraphs the authors deleted: 更新数据 does not bring them back
    removed = models.JSONField("删去的生成段落", default=list, blank=True)
    created_by = models.ForeignKey(
        USER,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    submitted_by = models.ForeignKey(
        USER,
        verbose_name="提交人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        USER,
        verbose_name="审定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("审定时间", null=True, blank=True)
    return_reason = models.TextField("退回理由", blank=True)

    objects = DraftQuerySet.as_manager()

    class Meta:
        verbose_name = "报告草稿"
        verbose_name_plural = "报告草稿"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.unit.name}评估报告{self.get_state_display()}（第 {self.pk} 号）"

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE


class DraftBlock(models.Model):
    """One block (title, addressee, heading, paragraph, signature, date) of a draft."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField("顺序")
    kind = models.CharField("类型", max_length=12)
    text = models.TextField("文字", blank=True)
    #: the text as generated (tokens for figures); empty for a paragraph a person inserted
    generated = models.TextField("生成的文字", blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "草稿段落"
        verbose_name_plural = "草稿段落"
        ordering = ["draft", "position"]

    def __str__(self) -> str:
        return f"第 {self.position + 1} 段"

    @property
    def edited(self) -> bool:
        return self.text != self.generated


class FigureOverride(models.Model):
    """A figure's printed value changed by a person, with the reason (人工修订)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="overrides")
    key = models.CharField("数据项", max_length=20)
    computed = models.CharField("计算值", max_length=100)
    value = models.CharField("修订值", max_length=100)
    reason = models.CharField("修订理由", max_length=200)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("修订时间", auto_now=True)

    class Meta:
        verbose_name = "人工修订"
        verbose_name_plural = "人工修订"
        constraints = [models.UniqueConstraint(fields=["draft", "key"], name="draft_override_key")]

    def __str__(self) -> str:
        return f"{self.key}：{self.computed} → {self.value}"


class DraftComment(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    block = models.ForeignKey(
        DraftBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    author = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField("意见")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:30]


class Action(models.TextChoices):
    CREATE = "create", "生成草稿"
    EDIT = "edit", "修改段落"
    OVERRIDE = "override", "修订数据"
    FIGURE_REMOVED = "figure_removed", "删去数据"
    INSERT = "insert", "插入段落"
    DELETE = "delete", "删除段落"
    MOVE = "move", "移动段落"
    SUBMIT = "submit", "提交审核"
    COMMENT = "comment", "审核意见"
    RETURN = "return", "退回修改"
    APPROVE = "approve", "审定为定稿"
    UNLOCK = "unlock", "解锁为新草稿"
    REFRESH = "refresh", "更新数据"


class DraftEvent(models.Model):
    """The draft's history: who did what, when, with the text before and after."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    block = models.ForeignKey(
        DraftBlock, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.TextField("修改前", blank=True)
    after = models.TextField("修改后", blank=True)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "草稿记录"
        verbose_name_plural = "草稿记录"
        ordering = ["created_at", "pk"]
        # the editor's and the history page's newest-first list: read from the index, not
        # sorted from all of a draft's edits (thousands for a draft long worked on)
        indexes = [
            models.Index(fields=["draft", "-created_at", "-id"], name="drafts_event_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"
