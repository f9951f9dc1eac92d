"""A campaign row holds the parsed campaign file; the file is the source of truth."""

from __future__ import annotations

from typing import TYPE_CHECKING

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

    class Meta:
        verbose_name = "学习教育活动"
        verbose_name_plural = "学习教育活动"
        ordering = ["-start_date"]

    def __str__(self) -> str:
        return f"{self.name}（{self.start_date.year}）"

    @property
    def spec(self) -> CampaignSpec:
        """The typed view of ``config`` (cached per instance)."""
        from xunzhi.campaigns.spec import CampaignSpec

        cached: CampaignSpec | None = getattr(self, "_spec", None)
        if cached is None:
            cached = CampaignSpec.from_dict(self.config, base_dir=None)
            self._spec = cached
        return cached
