"""Reads of the supervision loop: the problems of a scope with their progress, the attention
lists (overdue and returned), one problem's history, the 整改台账 rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from xunzhi.ledgers.models import Problem, ProblemStatus
from xunzhi.ledgers.selectors import problem_overdue_q
from xunzhi.organisations.models import Org
from xunzhi.supervision.models import ProblemStep, RectificationFile, State

ATTENTION_LIMIT = 10


def problems_in(campaign: Any, unit: Org) -> QuerySet[Problem]:
    """The problems of ``unit``'s subtree, with their unit and rectification in the same query."""
    return (
        Problem.objects.in_subtree(unit)
        .filter(campaign=campaign)
        .select_related("org", "rectification", "visit")
        .order_by("deadline", "org__path", "pk")
    )


def progress(problem: Problem) -> str:
    """The problem's progress in words: the loop's state, else the ledger's 整改状态."""
    rect = rectification_of(problem)
    return rect.state if rect is not None else problem.status


def _has_rect(problem: Problem) -> bool:
    try:
        problem.rectification  # noqa: B018 - a reverse one-to-one raises when missing
    except Problem.rectification.RelatedObjectDoesNotExist:
        return False
    return True


def rectification_of(problem: Problem) -> Any:
    return problem.rectification if _has_rect(problem) else None


def closed_date(problem: Problem) -> dt.date | None:
    """The day of 销号 (only the loop closes a problem this way)."""
    rect = rectification_of(problem)
    if rect is None or rect.state != State.CLOSED or rect.closed_at is None:
        return None
    return timezone.localdate(rect.closed_at)


@dataclasses.dataclass
class Attention:
    overdue: list[Problem]
    overdue_count: int
    returned: list[Problem]
    returned_count: int
    on: dt.date


def attention(campaign: Any, unit: Org, *, on: dt.date) -> Attention:
    """Overdue problems (deadline before ``on``, not 已整改) and returned rectifications."""
    base = problems_in(campaign, unit)
    returned_q = Q(rectification__state=State.RETURNED)
    counts = (
        Problem.objects.in_subtree(unit)
        .filter(campaign=campaign)
        .aggregate(
            overdue=Count("id", filter=problem_overdue_q(on)),
            returned=Count("id", filter=returned_q),
        )
    )
    return Attention(
        overdue=list(base.filter(problem_overdue_q(on))[:ATTENTION_LIMIT]),
        overdue_count=counts["overdue"] or 0,
        returned=list(base.filter(returned_q).order_by("-rectification__pk")[:ATTENTION_LIMIT]),
        returned_count=counts["returned"] or 0,
        on=on,
    )


def filtered(
    campaign: Any, unit: Org, *, state: str = "", on: dt.date | None = None
) -> QuerySet[Problem]:
    """The problems list page: all, one loop state, 超期 (overdue on ``on``)."""
    qs = problems_in(campaign, unit)
    if state == "超期" and on is not None:
        return qs.filter(problem_overdue_q(on))
    if state in State.values:
        if state == State.PENDING:
            return qs.filter(
                Q(rectification__state=State.PENDING)
                | Q(rectification__isnull=True) & ~Q(status=ProblemStatus.DONE)
            )
        return qs.filter(rectification__state=state)
    return qs


def history(problem: Problem) -> list[ProblemStep]:
    """The problem's steps, oldest first, each with its files."""
    files = Prefetch("files", queryset=RectificationFile.objects.order_by("pk"))
    return list(
        ProblemStep.objects.filter(problem=problem).prefetch_related(files).order_by("at", "pk")
    )


LEDGER_COLUMNS = ("问题", "来源", "责任单位", "整改时限", "整改措施", "进展", "销号日期")


def ledger_rows(campaign: Any, unit: Org, *, on: dt.date) -> list[list[Any]]:
    """The 整改台账 of ``unit``'s subtree: one row per problem, ``LEDGER_COLUMNS``, in one query.

    整改措施 is what the unit last reported (整改情况), else the measures the ledger holds;
    进展 is the loop's state (with the reason of a return) or the ledger's 整改状态, marked
    超期 when the deadline passed before ``on`` and the problem is not 已整改; 销号日期 is the
    day of 销号 (only the loop closes a problem this way)."""
    qs = Problem.objects.in_subtree(unit).filter(campaign=campaign)
    values = qs.order_by("org__path", "deadline", "pk").values_list(
        "description",
        "source",
        "org__name",
        "deadline",
        "measures",
        "status",
        "rectification__state",
        "rectification__text",
        "rectification__return_reason",
        "rectification__closed_at",
    )
    rows = []
    for text, source, org, deadline, measures, status, state, report, reason, closed in values:
        progress = state or status
        if state == State.RETURNED and reason:
            progress = f"{progress}（{reason}）"
        if deadline and deadline < on and status != ProblemStatus.DONE:
            progress = f"{progress}，超期"
        closed_on = timezone.localdate(closed) if state == State.CLOSED and closed else None
        rows.append([text, source, org, deadline, report or measures, progress, closed_on])
    return rows


def archive_counts(campaign: Any, unit: Org) -> list[tuple[str, int]]:
    """The figures heading a unit's 督导档案, in two queries."""
    from xunzhi.ledgers.models import SupervisionVisit

    visits = SupervisionVisit.objects.in_subtree(unit).filter(campaign=campaign)
    found = (
        Problem.objects.in_subtree(unit)
        .filter(campaign=campaign, visit__isnull=False)
        .aggregate(
            n=Count("id"),
            closed=Count("id", filter=Q(rectification__state=State.CLOSED)),
            returned=Count("id", filter=Q(rectification__state=State.RETURNED)),
        )
    )
    return [
        ("督导次数", visits.count()),
        ("督导发现问题", found["n"] or 0),
        ("已销号", found["closed"] or 0),
        ("整改被退回", found["returned"] or 0),
    ]
