"""Web-only state: who a user is (role and scope), the data-version stamp, background jobs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import ScopeQuerySet


class Role(models.TextChoices):
    OFFICE = "office", "县学习教育办"
    INSPECTOR = "inspector", "督导组"
    CLERK = "clerk", "填报员"
    VIEWER = "viewer", "只读"


class Profile(models.Model):
    """A user's role and scope; the scope is a subtree of the organisation tree."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xz_profile"
    )
    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.VIEWER)
    scope = models.ForeignKey(
        Org,
        verbose_name="管理范围",
        on_delete=models.CASCADE,
        related_name="+",
        help_text="用户可以查看（按角色可以修改）该组织及其下属组织的数据。",
    )
    display_name = models.CharField("姓名", max_length=50, blank=True)

    objects = ScopeQuerySet.as_manager()

    class Meta:
        verbose_name = "用户角色与范围"
        verbose_name_plural = "用户角色与范围"

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} {self.scope}"


class DataStamp(models.Model):
    """A single counter that changes on every ledger write; cached figures are keyed on it."""

    counter = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "数据版本"
        verbose_name_plural = "数据版本"

    def __str__(self) -> str:
        return f"数据版本 {self.counter}"


class JobKind(models.TextChoices):
    IMPORT = "import", "导入台账"
    REPORT = "report", "生成报告"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """One background job started from the web, with the progress the page polls."""

    kind = models.CharField("类型", max_length=16, choices=JobKind.choices)
    status = models.CharField(
        "状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scope = models.ForeignKey(
        Org, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("消息", blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = ScopeQuerySet.as_manager()

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
