"""A unit's 督导档案: what the guidance group did with it, on one timeline.

Each part comes from a *timeline source*, a function ``(campaign, unit) -> entries`` over the
unit's subtree; this app registers visits, findings and the rectification steps. Another app
adds its own part (the evaluation's scores) by calling :func:`register_timeline_source` from
its ``AppConfig.ready``, without this app knowing about it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils import timezone

from xunzhi.ledgers.models import Problem, SupervisionVisit
from xunzhi.organisations.models import Org
from xunzhi.supervision.models import Action, ProblemStep

#: How many entries the page shows at most (newest first).
LIMIT = 500


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    kind: str  # 督导, 督导发现, 提交整改, 销号, 退回, or a registered source's own word (评估)
    title: str
    unit: str
    text: str = ""
    url: str = ""
    #: orders entries of the same day (a step's time; visits before their findings)
    order: float = 0.0


TimelineSource = Callable[[Any, Org], Iterable[TimelineEntry]]

#: The parts of the 督导档案, in registration order (the page merges and sorts them).
TIMELINE_SOURCES: list[TimelineSource] = []


def register_timeline_source(source: TimelineSource) -> TimelineSource:
    """Add a part to every unit's 督导档案 (usable as a decorator; registering twice is once)."""
    if source not in TIMELINE_SOURCES:
        TIMELINE_SOURCES.append(source)
    return source


def timeline(campaign: Any, unit: Org) -> list[TimelineEntry]:
    """All parts merged, newest first, at most ``LIMIT`` entries."""
    entries = [e for source in TIMELINE_SOURCES for e in source(campaign, unit)]
    entries.sort(key=lambda e: (e.date, e.order), reverse=True)
    return entries[:LIMIT]


@register_timeline_source
def visits(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    rows = SupervisionVisit.objects.filter(campaign=campaign, org__path__startswith=unit.path)
    for v in rows.select_related("org").order_by("-date")[:LIMIT]:
        yield TimelineEntry(
            date=v.date,
            kind="督导",
            title=f"{v.group_name}{v.method}",
            unit=v.org.name,
            text=v.feedback or v.findings,
            url=reverse("supervision:visit", args=[v.pk]),
        )


@register_timeline_source
def findings(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    rows = Problem.objects.filter(
        campaign=campaign, org__path__startswith=unit.path, visit__isnull=False
    )
    for p in rows.select_related("org").order_by("-found_date")[:LIMIT]:
        yield TimelineEntry(
            date=p.found_date or timezone.localdate(p.created_at),
            kind=Action.FOUND,
            title=p.description,
            unit=p.org.name,
            text=f"整改时限 {p.deadline:%Y-%m-%d}" if p.deadline else "",
            url=reverse("supervision:problem", args=[p.pk]),
            order=1.0,
        )


@register_timeline_source
def steps(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    rows = ProblemStep.objects.filter(
        problem__campaign=campaign, problem__org__path__startswith=unit.path
    ).exclude(action=Action.FOUND)  # a finding is its own entry
    for s in rows.select_related("problem__org").order_by("-at")[:LIMIT]:
        yield TimelineEntry(
            date=timezone.localdate(s.at),
            kind=s.action,
            title=s.problem.description,
            unit=s.problem.org.name,
            text=f"{s.actor_name}：{s.text}" if s.text else s.actor_name,
            url=reverse("supervision:problem", args=[s.problem_id]),
            order=2.0 + s.at.timestamp() / 1e10,
        )
