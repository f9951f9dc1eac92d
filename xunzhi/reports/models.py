"""Evaluation settings (one evaluation of one unit in one campaign) and the reports generated from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet


class ReportVersionQuerySet(SubtreeQuerySet["ReportVersion"]):
    SUBTREE_FIELD = "evaluation__unit"


class Evaluation(models.Model):
    """The text of an evaluation report that no ledger holds: who evaluates, when, and for whom."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name="学习教育活动",
        on_delete=models.CASCADE,
        related_name="+",
    )
    unit = models.ForeignKey(
        Org, verbose_name="被评估单位", on_delete=models.PROTECT, related_name="+"
    )
    group_number = models.CharField(
        "指导组序号",
        max_length=10,
        blank=True,
        help_text="中文数字，如“第三”（不含“巡回指导组”）。",
    )
    group_title = models.CharField(
        "指导组名称",
        max_length=60,
        blank=True,
        help_text="如“市委党纪学习教育第二巡回指导组”；留空则按活动定义文件的格式由序号生成"
        "（如“市委第三巡回指导组”，评估市时为“省委…”）。",
    )
    arrival_date = models.DateField("入驻日期", null=True, blank=True)
    city = models.CharField(
        "所在市", max_length=30, blank=True, help_text="如“某某”（不含“市”字）。"
    )
    strategies = models.CharField(
        "发展战略",
        max_length=100,
        blank=True,
        help_text="市委发展战略名称，如“工业强市、生态立市”；留空则删去该句。",
    )
    brand = models.CharField("发展品牌", max_length=50, blank=True, help_text="留空则删去该句。")
    lecture_places = models.CharField(
        "主要领导宣讲地点",
        max_length=100,
        blank=True,
        help_text="台账中没有主要领导宣讲记录时使用，如“红星村”。",
    )
    addressee = models.CharField("主送机关", max_length=100, blank=True)
    signature = models.CharField(
        "署名机关", max_length=100, blank=True, help_text="留空则使用指导组名称。"
    )
    sign_date = models.DateField(
        "成文日期",
        null=True,
        blank=True,
        help_text="留空则为截止日期后若干天（活动定义文件 [report].date_after_days），不晚于活动结束。",
    )
    until = models.DateField(
        "数据截止日期", null=True, blank=True, help_text="如 2021-06-30；留空则统计到活动结束。"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "评估设置"
        verbose_name_plural = "评估设置"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="evaluation_campaign_unit")
        ]

    def __str__(self) -> str:
        return f"{self.unit}（{self.campaign}）"


class ReportVersion(models.Model):
    """One generated report, kept so that earlier versions can be listed and compared."""

    evaluation = models.ForeignKey(
        Evaluation, verbose_name="评估", on_delete=models.CASCADE, related_name="versions"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    until = models.DateField("数据截止日期", null=True, blank=True)
    docx_path = models.CharField("Word 文件", max_length=500, blank=True)
    pdf_path = models.CharField("PDF 文件", max_length=500, blank=True)
    html_path = models.CharField("HTML 文件", max_length=500, blank=True)
    md_path = models.CharField("Markdown 文件", max_length=500, blank=True)
    check_sheet_path = models.CharField("数据核对表", max_length=500, blank=True)
    fired_rules = models.JSONField("触发的规则", default=list, blank=True)
    campaign_version = models.ForeignKey(
        "campaigns.CampaignVersion",
        verbose_name="活动定义版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReportVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.created_at:%Y-%m-%d %H:%M}"

    def paths(self) -> dict[str, str]:
        """Format → file path of every file this version wrote."""
        return {
            fmt: path
            for fmt, path in (
                ("docx", self.docx_path),
                ("pdf", self.pdf_path),
                ("html", self.html_path),
                ("md", self.md_path),
                ("xlsx", self.check_sheet_path),
            )
            if path
        }
