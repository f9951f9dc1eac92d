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


def _url(name: str) -> Callable[[int], str]:
    """``pk -> address`` of a page, reversed once (a county's timeline has hundreds of links)."""
    head, tail = reverse(f"supervision:{name}", args=[0]).rsplit("0", 1)
    return lambda pk: f"{head}{pk}{tail}"


@register_timeline_source
def visits(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    url = _url("visit")
    rows = SupervisionVisit.objects.in_subtree(unit).filter(campaign=campaign)
    fields = ("pk", "date", "group_name", "method", "org__name", "feedback", "findings")
    for pk, date, group, method, org, feedback, found in rows.order_by("-date", "-pk").values_list(
        *fields
    )[:LIMIT]:
        yield TimelineEntry(date, "督导", f"{group}{method}", org, feedback or found, url(pk))


@register_timeline_source
def findings(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    url = _url("problem")
    rows = Problem.objects.in_subtree(unit).filter(campaign=campaign, visit__isnull=False)
    fields = ("pk", "found_date", "created_at", "description", "org__name", "deadline")
    for pk, found, created, text, org, deadline in rows.order_by("-found_date", "-pk").values_list(
        *fields
    )[:LIMIT]:
        limit = f"整改时限 {deadline:%Y-%m-%d}" if deadline else ""
        date = found or timezone.localdate(created)
        yield TimelineEntry(date, Action.FOUND, text, org, limit, url(pk), order=1.0)


@register_timeline_source
def steps(campaign: Any, unit: Org) -> Iterable[TimelineEntry]:
    url = _url("problem")
    rows = (
        ProblemStep.objects.in_subtree(unit)
        .filter(problem__campaign=campaign)
        .exclude(action=Action.FOUND)
    )  # a finding is its own entry
    fields = ("problem_id", "at", "action", "problem__description", "problem__org__name")
    for pk, at, action, text, org, actor, note in rows.order_by("-at", "-pk").values_list(
        *fields, "actor_name", "text"
    )[:LIMIT]:
        said = f"{actor}：{note}" if note else actor
        order = 2.0 + at.timestamp() / 1e10
        yield TimelineEntry(timezone.localdate(at), action, text, org, said, url(pk), order)
