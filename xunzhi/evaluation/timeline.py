"""The evaluation's part of a unit's 督导档案: its score, the manual scores given to the units of
its subtree, and the satisfaction surveys held there (registered from ``AppConfig.ready``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xunzhi.evaluation.models import ManualScore, Survey
from xunzhi.evaluation.scoring import unit_scores
from xunzhi.evaluation.spec import EvaluationSpec, campaign_evaluation_spec
from xunzhi.evaluation.surveys import survey_results
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.supervision.timeline import LIMIT, TimelineEntry, register_timeline_source
from xunzhi.web.selectors import campaign_today

KIND = "评估"
SURVEY_KIND = "满意度测评"


def _spec(campaign: Any) -> EvaluationSpec | None:
    try:
        return campaign_evaluation_spec(campaign)
    except UserError:  # a campaign without an indicator system has no scores to show
        return None


def _points(value: Decimal) -> str:
    return f"{value.normalize():f}"


@register_timeline_source
def unit_score(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    """The unit's own score as its evaluating unit (the level above) ranks it today."""
    if _spec(campaign) is None or unit.depth <= 1:
        return
    parent = Org.objects.filter(path=unit.path[: -Org.steplen]).first()
    if parent is None:
        return
    today = campaign_today(campaign)
    table = unit_scores(campaign=campaign, unit=parent, until=today)
    for row in table.rows:
        if row.org_id == unit.pk:
            title = f"评估得分{_points(row.total)}分，等次“{row.grade}”，{row.kind}第{row.rank}名"
            # no link: the ranking of the level above lies outside a unit clerk's scope
            yield TimelineEntry(today, KIND, title, unit.name, f"截至{today:%Y年%-m月%-d日}")


@register_timeline_source
def manual_scores(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    """Each manual score given within the unit's subtree, with who gave it and why."""
    spec = _spec(campaign)
    if spec is None:
        return
    rows = (
        ManualScore.objects.filter(campaign=campaign, org__in=Org.objects.in_subtree(unit))
        .select_related("org")
        .order_by("-scored_at", "-pk")[:LIMIT]
    )
    for score in rows:
        indicator = spec.by_code.get(score.indicator)
        name = indicator.name if indicator else score.indicator
        url = reverse("evaluation:manual", args=[score.org.code, score.indicator])
        said = f"{score.scored_by_name}：{score.note}" if score.scored_by_name else score.note
        at = timezone.localtime(score.scored_at)
        title = f"“{name}”评分{_points(score.score)}分"
        yield TimelineEntry(at.date(), KIND, title, score.org.name, said, url, 3.0)


@register_timeline_source
def surveys(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    """Each satisfaction survey held within the unit's subtree, with its return and 满意率."""
    if _spec(campaign) is None:
        return
    rows = (
        Survey.objects.filter(campaign=campaign, org__in=Org.objects.in_subtree(unit))
        .select_related("org", "campaign")
        .order_by("-period_end", "-pk")[:LIMIT]
    )
    for survey in rows:
        result = survey_results(survey=survey)
        rate = "" if result.rate is None else f"，满意率{result.rate * 100:.1f}%"
        text = f"发放测评码{result.codes}个，收回{result.respondents}份{rate}"
        url = reverse("evaluation:survey", args=[survey.pk])
        yield TimelineEntry(survey.period_end, SURVEY_KIND, survey.name, survey.org.name, text, url)
