"""A campaign row holds the parsed campaign file of its published version; every version of the
file and its report template is kept in the database (``CampaignVersion``): once loaded, nothing
is read from the original path again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from xunzhi.campaigns.spec import CampaignSpec


class Campaign(models.Model):
    """One learning-education campaign (学习教育活动), loaded from its TOML file."""

    code = models.SlugField("代码", max_length=50, unique=True)
    name = models.CharField("名称", max_length=100)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    source_path = models.CharField("定义文件", max_length=500)
    source_sha256 = models.CharField("文件校验和", max_length=64)
    config = models.JSONField("定义内容", default=dict)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)
    version = models.ForeignKey(
        "CampaignVersion",
        verbose_name="现行版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_current = models.BooleanField(
        "当前活动",
        default=False,
        help_text="命令行不指定 --campaign 时使用的活动（网页的默认活动），只能有一个。",
    )

    class Meta:
        verbose_name = "学习教育活动"
        verbose_name_plural = "学习教育活动"
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="campaign_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_date.year}）"

    @property
    def spec(self) -> CampaignSpec:
        """The typed view of ``config`` (cached per instance)."""
        from xunzhi.campaigns.spec import CampaignSpec

        cached: CampaignSpec | None = getattr(self, "_spec", None)
        if cached is None:
            cached = CampaignSpec.from_dict(self.config, base_dir=None, stored=True)
            self._spec = cached
        return cached

    @property
    def template_text(self) -> str:
        """The report template of the published version (from the database, never a path)."""
        return self.version.template_text if self.version is not None else ""

    def at_version(self, version: CampaignVersion) -> Campaign:
        """An unsaved copy of this campaign as ``version`` defined it (to regenerate a report
        with the file that produced it)."""
        copy = Campaign(
            pk=self.pk,
            code=self.code,
            name=version.name,
            start_date=self.start_date,
            end_date=self.end_date,
            source_path=self.source_path,
            source_sha256=version.sha256,
            config=version.config,
            version=version,
            is_current=self.is_current,
        )
        return copy


class CampaignVersion(models.Model):
    """One version of a campaign file and its report template, as loaded or published."""

    campaign = models.ForeignKey(
        Campaign, verbose_name="学习教育活动", on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField("版本号")
    name = models.CharField("名称", max_length=100)
    source_name = models.CharField("定义文件名", max_length=255, blank=True)
    source_text = models.TextField("定义文件内容")
    template_name = models.CharField("模板文件名", max_length=255, blank=True)
    template_text = models.TextField("报告模板内容", blank=True)
    sha256 = models.CharField("文件校验和", max_length=64)
    config = models.JSONField("定义内容", default=dict)
    created_at = models.DateTimeField("载入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="载入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "活动定义版本"
        verbose_name_plural = "活动定义版本"
        ordering = ["campaign", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="campaign_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} 第{self.number}版"


class CampaignChoice(models.Model):
    """The campaign a person works in on the web (the switcher); without one, the current one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="campaign_choice",
    )
    campaign = models.ForeignKey(
        Campaign, verbose_name="学习教育活动", on_delete=models.CASCADE, related_name="+"
    )
    updated_at = models.DateTimeField("选择时间", auto_now=True)

    class Meta:
        verbose_name = "用户所选活动"
        verbose_name_plural = "用户所选活动"

    def __str__(self) -> str:
        return f"{self.user} → {self.campaign.code}"
