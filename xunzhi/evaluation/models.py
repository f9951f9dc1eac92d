"""Manual scores and satisfaction surveys (the scores themselves are computed, never stored)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xunzhi.campaigns.models import Campaign
from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet


class ResponseQuerySet(SubtreeQuerySet["SurveyResponse"]):
    """Answers belong to the unit of their survey."""

    SUBTREE_FIELD = "survey__org"


class ManualScore(models.Model):
    """A score the guidance group gave a unit on a ``manual`` indicator, with its reason."""

    campaign = models.ForeignKey(Campaign, verbose_name="学习教育活动", on_delete=models.CASCADE)
    org = models.ForeignKey(Org, verbose_name="被评单位", on_delete=models.CASCADE)
    indicator = models.CharField("指标", max_length=32)
    score = models.DecimalField("得分", max_digits=6, decimal_places=2)
    note = models.TextField("评分说明", max_length=2000)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="评分人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    scored_by_name = models.CharField("评分人姓名", max_length=150, blank=True)
    scored_at = models.DateTimeField("评分时间")
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = SubtreeQuerySet.as_manager()

    class Meta:
        verbose_name = "人工评分"
        verbose_name_plural = "人工评分"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "org", "indicator"], name="manual_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.org.name} {self.indicator}：{self.score}"


class Survey(models.Model):
    """A satisfaction survey (满意度测评) of one unit over a period, from a campaign template."""

    campaign = models.ForeignKey(Campaign, verbose_name="学习教育活动", on_delete=models.CASCADE)
    org = models.ForeignKey(Org, verbose_name="测评单位", on_delete=models.CASCADE)
    template = models.CharField("测评模板", max_length=50)
    name = models.CharField("测评名称", max_length=200)
    period_start = models.DateField("开始日期")
    period_end = models.DateField("结束日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = SubtreeQuerySet.as_manager()

    class Meta:
        verbose_name = "满意度测评"
        verbose_name_plural = "满意度测评"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.org.name} {self.name}"


class SurveyCode(models.Model):
    """A one-time code handed to one respondent; ``used_at`` is set by the one answer it allows."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField("测评码", max_length=32, unique=True)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "测评码"
        verbose_name_plural = "测评码"

    def __str__(self) -> str:
        return f"测评码（{self.survey_id}）"


class SurveyResponse(models.Model):
    """One respondent's answers: the index of the chosen answer per question. Not linked to the
    code it came with, so an answer cannot be traced to the sheet handed out."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    answers = models.JSONField("答案")
    #: answers counting as satisfied (满意, 基本满意 / 好, 较好) and questions answered: what the
    #: 满意率 adds up in one grouped query
    satisfied = models.PositiveSmallIntegerField("满意项数", default=0)
    answered = models.PositiveSmallIntegerField("作答项数", default=0)
    answered_at = models.DateTimeField("提交时间", auto_now_add=True)

    objects = ResponseQuerySet.as_manager()

    class Meta:
        verbose_name = "测评答卷"
        verbose_name_plural = "测评答卷"

    def __str__(self) -> str:
        return f"答卷（{self.survey_id}）"


class SurveyRate(models.Model):
    """Requests to the public survey page and refused codes of one client address in one hour,
    in the database so that every server process counts the same (``evaluation.ratelimit``).
    The address is kept only as a keyed hash."""

    client = models.CharField("客户端", max_length=64)
    window = models.PositiveIntegerField("时段", db_index=True)  # hours since 1970
    hits = models.PositiveIntegerField("请求次数", default=0)
    failures = models.PositiveIntegerField("无效测评码次数", default=0)

    class Meta:
        verbose_name = "测评页访问计数"
        verbose_name_plural = "测评页访问计数"
        constraints = [
            models.UniqueConstraint(fields=["client", "window"], name="survey_rate_client_window")
        ]

    def __str__(self) -> str:
        return f"测评页访问计数（{self.window}）"
