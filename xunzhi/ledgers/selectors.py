"""Reads over the ledgers: scoped, filtered lists with totals, and the dashboard aggregates.

Every read takes ``scope`` (an :class:`Org`): rows of units outside that subtree are never
returned. Figures are aggregate queries; no ledger rows are loaded into Python to be counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from xunzhi.ledgers import registry
from xunzhi.ledgers.models import (
    Activity,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    ReportedValue,
    SubmissionStatus,
    ValueSubmission,
)
from xunzhi.ledgers.registry import LedgerKind
from xunzhi.ledgers.services import campaign_months, ledger_model
from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

#: kind → how it is listed (columns, filters, search and sum fields, form fields): the
#: registered :class:`~xunzhi.ledgers.registry.LedgerKind` itself, whose ``list_columns``
#: the list shows as ``columns``.
KINDS: Mapping[str, KindConfig] = registry.KindView(lambda kind: KindConfig(kind))


class KindConfig:
    """A ledger kind as its list page reads it: the kind's own attributes, with ``columns``
    meaning the list's columns (the kind's ``columns`` are its file columns)."""

    def __init__(self, kind: LedgerKind) -> None:
        self.ledger_kind = kind

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ledger_kind, name)

    @property
    def kind(self) -> str:
        return self.ledger_kind.key

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        return self.ledger_kind.list_columns


def ledger_queryset(*, kind: str, campaign: Campaign, scope: Org) -> SubtreeQuerySet[Any]:
    """Every row of ``kind`` in the campaign whose unit lies in the ``scope`` subtree."""
    model = ledger_model(kind)
    rows: SubtreeQuerySet[Any] = model.objects.filter(campaign=campaign).in_subtree(scope)
    return rows


@dataclass
class LedgerFilters:
    unit: Org | None = None  # a unit inside the scope: its subtree
    type: str = ""
    status: str = ""
    period: str = ""  # 2021-06 (month) for dated kinds; the period string for values
    q: str = ""
    overdue: bool = False
    until: dt.date | None = None
    order: str = ""


def ledger_filtered(
    *, kind: str, campaign: Campaign, scope: Org, filters: LedgerFilters
) -> SubtreeQuerySet[Any]:
    """The scoped list of ``kind`` narrowed by ``filters`` (the unit must itself be in scope)."""
    conf = KINDS[kind]
    qs = ledger_queryset(kind=kind, campaign=campaign, scope=scope)
    if filters.unit is not None and filters.unit.in_subtree_of(scope):
        qs = qs.in_subtree(filters.unit)
    if filters.type and conf.type_field:
        qs = qs.filter(**{conf.type_field: filters.type})
    if filters.status and conf.status_field:
        qs = qs.filter(**{conf.status_field: filters.status})
    if filters.period:
        if conf.period_field:
            qs = qs.filter(**{conf.period_field: filters.period})
        elif conf.date_field and len(filters.period) == 7:
            try:
                year, month = int(filters.period[:4]), int(filters.period[5:7])
                start = dt.date(year, month, 1)
            except ValueError:
                start = None
            if start is not None:
                end = dt.date(year + (month == 12), month % 12 + 1, 1)
                qs = qs.filter(**{f"{conf.date_field}__gte": start, f"{conf.date_field}__lt": end})
    if filters.overdue and kind == "problems":
        qs = qs.filter(problem_overdue_q(filters.until or dt.date.today()))  # noqa: DTZ011
    if filters.until and conf.date_field and kind != "problems":
        qs = qs.filter(**{f"{conf.date_field}__lte": filters.until})
    if filters.q and conf.search_fields:
        cond = Q()
        for name in conf.search_fields:
            cond |= Q(**{f"{name}__icontains": filters.q})
        qs = qs.filter(cond)
    allowed = {c[0] for c in conf.columns}
    order = filters.order
    if order.lstrip("-") in allowed:
        qs = qs.order_by(order, "-id")
    else:
        qs = qs.order_by(conf.default_order, "-id")
    return qs.select_related(*conf.select_related)


def ledger_totals(*, kind: str, queryset: QuerySet[Any]) -> dict[str, Any]:
    """Count and sums of the filtered set, in one aggregate query."""
    conf = KINDS[kind]
    aggs: dict[str, Count | Sum] = {"count": Count("id")}
    for name, _label in conf.sum_fields:
        aggs[name] = Sum(name)
    return queryset.order_by().aggregate(**aggs)


def problem_overdue_q(on: dt.date) -> Q:
    return Q(deadline__lt=on) & ~Q(status=ProblemStatus.DONE)


# --- dashboard ---------------------------------------------------------------------------


@dataclass
class DashboardStats:
    until: dt.date
    last_month_end: dt.date
    headline: list[dict[str, Any]] = field(default_factory=list)
    activities_by_type: list[tuple[str, int]] = field(default_factory=list)
    activities_by_month: list[tuple[str, int]] = field(default_factory=list)
    projects_by_field: list[tuple[str, int, int]] = field(default_factory=list)  # total, done
    problems: dict[str, int] = field(default_factory=dict)
    reporting: list[dict[str, Any]] = field(default_factory=list)
    last_period: str = ""
    not_reported: list[dict[str, Any]] = field(default_factory=list)
    overdue_problems: int = 0
    pending_reviews: int = 0


def _month_end(day: dt.date) -> dt.date:
    first = day.replace(day=1)
    return first - dt.timedelta(days=1)


def activities_headline(
    *, campaign: Campaign, scope: Org, until: dt.date, last_month_end: dt.date
) -> list[dict[str, Any]]:
    """Activities held and their participants up to ``until``, each with its change since the
    end of last month (one aggregate query)."""
    head = (
        Activity.objects.filter(campaign=campaign, date__lte=until)
        .in_subtree(scope)
        .aggregate(
            n=Count("id"),
            n_prev=Count("id", filter=Q(date__lte=last_month_end)),
            people=Sum("participants"),
            people_prev=Sum("participants", filter=Q(date__lte=last_month_end)),
        )
    )
    return [
        _headline("activities", "开展活动", "场次", head["n"], head["n_prev"]),
        _headline("participants", "参加活动", "人次", head["people"], head["people_prev"]),
    ]


def projects_headline(
    *, campaign: Campaign, scope: Org, until: dt.date, last_month_end: dt.date
) -> dict[str, Any]:
    """Projects done of all projects, with the change since the end of last month."""
    proj = (
        Project.objects.filter(campaign=campaign)
        .in_subtree(scope)
        .aggregate(
            n=Count("id"),
            done=Count("id", filter=Q(status=ProjectStatus.DONE, done_date__lte=until)),
            done_prev=Count(
                "id", filter=Q(status=ProjectStatus.DONE, done_date__lte=last_month_end)
            ),
        )
    )
    unit = f"/{proj['n'] or 0} 件"
    return _headline("projects_done", "办实事完成", unit, proj["done"], proj["done_prev"])


def problem_counts(
    *, campaign: Campaign, scope: Org, until: dt.date, last_month_end: dt.date
) -> dict[str, int]:
    """Problems by state (open, in progress, done, overdue on ``until``), all of them, and the
    ones done by the end of last month (one aggregate query)."""
    prob = (
        Problem.objects.filter(campaign=campaign)
        .in_subtree(scope)
        .aggregate(
            n=Count("id"),
            open=Count("id", filter=Q(status=ProblemStatus.OPEN)),
            progress=Count("id", filter=Q(status=ProblemStatus.IN_PROGRESS)),
            done=Count("id", filter=Q(status=ProblemStatus.DONE)),
            done_prev=Count(
                "id", filter=Q(status=ProblemStatus.DONE, done_date__lte=last_month_end)
            ),
            overdue=Count("id", filter=problem_overdue_q(until)),
        )
    )
    return {name: int(value or 0) for name, value in prob.items()}


def _headline(
    key: str, label: str, unit: str, value: int | None, prev: int | None
) -> dict[str, Any]:
    return {
        "key": key,
        "label": label,
        "unit": unit,
        "value": value or 0,
        "delta": (value or 0) - (prev or 0),
    }


def activities_by_type(*, campaign: Campaign, scope: Org, until: dt.date) -> list[tuple[str, int]]:
    """Activities per type up to ``until``, the most frequent first."""
    rows = (
        Activity.objects.filter(campaign=campaign, date__lte=until)
        .in_subtree(scope)
        .values_list("type")
        .annotate(n=Count("id"))
        .order_by()
    )
    return sorted(((str(t), int(n)) for t, n in rows), key=lambda kv: (-kv[1], kv[0]))


def activities_by_month(*, campaign: Campaign, scope: Org, until: dt.date) -> list[tuple[str, int]]:
    """Activities per month up to ``until``. Counted per day in the database (one group per
    day: a few hundred rows) and rolled up into months here: truncating every row's date to
    its month costs a function call per row on SQLite."""
    by_day = (
        Activity.objects.filter(campaign=campaign, date__lte=until)
        .in_subtree(scope)
        .values_list("date")
        .annotate(n=Count("id"))
        .order_by()
    )
    months: dict[str, int] = {}
    for day, n in by_day:
        label = _month_label(day)
        months[label] = months.get(label, 0) + n
    return sorted(months.items())


def projects_by_field(*, campaign: Campaign, scope: Org) -> list[tuple[str, int, int]]:
    """Projects per field: (field, total, done)."""
    rows = (
        Project.objects.filter(campaign=campaign)
        .in_subtree(scope)
        .values_list("field")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status=ProjectStatus.DONE)))
        .order_by("field")
    )
    return [(str(f), int(n), int(d)) for f, n, d in rows]


@dataclass
class Reporting:
    """Reporting completeness of the units directly below a scope."""

    last_period: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    not_reported: list[dict[str, Any]] = field(default_factory=list)


def reporting_completeness(*, campaign: Campaign, scope: Org, last_month_end: dt.date) -> Reporting:
    """For each unit directly below ``scope``, the share of months so far in which any unit of
    its subtree reported a value, and whether it reported in the last month."""
    periods = [m for m in campaign_months(campaign) if m <= f"{last_month_end:%Y-%m}"]
    result = Reporting(last_period=periods[-1] if periods else "")
    children = list(Org.objects.children_of(scope).only("id", "name", "path", "code"))
    if not children:
        children = [scope]
    width = len(children[0].path)
    values = ReportedValue.objects.filter(campaign=campaign).in_subtree(scope)
    reported_n = dict(
        values.filter(period__in=periods)
        .annotate(branch=Substr("org__path", 1, width))
        .values_list("branch")
        .annotate(n=Count("period", distinct=True))
        .order_by()
    )
    last: set[str] = set()
    if result.last_period:
        last = set(
            values.filter(period=result.last_period)
            .annotate(branch=Substr("org__path", 1, width))
            .values_list("branch", flat=True)
            .distinct()
        )
    for child in children:
        n = reported_n.get(child.path, 0)
        share = (n / len(periods)) if periods else 0.0
        result.rows.append({"org": child, "months": n, "of": len(periods), "share": share})
        if result.last_period and child.path not in last:
            result.not_reported.append({"org": child})
    return result


def pending_reviews(*, campaign: Campaign, scope: Org) -> int:
    """Submissions of the subtree waiting for review."""
    return (
        ValueSubmission.objects.filter(campaign=campaign, status=SubmissionStatus.SUBMITTED)
        .in_subtree(scope)
        .count()
    )


def dashboard_stats(*, campaign: Campaign, scope: Org, until: dt.date) -> DashboardStats:
    """Aggregates behind the dashboard of ``scope``, counted up to ``until``."""
    last_month_end = _month_end(until)
    prob = problem_counts(
        campaign=campaign, scope=scope, until=until, last_month_end=last_month_end
    )
    reporting = reporting_completeness(
        campaign=campaign, scope=scope, last_month_end=last_month_end
    )
    return DashboardStats(
        until=until,
        last_month_end=last_month_end,
        headline=[
            *activities_headline(
                campaign=campaign, scope=scope, until=until, last_month_end=last_month_end
            ),
            projects_headline(
                campaign=campaign, scope=scope, until=until, last_month_end=last_month_end
            ),
            _headline(
                "problems_done", "问题已整改", f"/{prob['n']} 个", prob["done"], prob["done_prev"]
            ),
        ],
        problems={
            "未整改": prob["open"],
            "整改中": prob["progress"],
            "已整改": prob["done"],
            "超期": prob["overdue"],
        },
        overdue_problems=prob["overdue"],
        activities_by_type=activities_by_type(campaign=campaign, scope=scope, until=until),
        activities_by_month=activities_by_month(campaign=campaign, scope=scope, until=until),
        projects_by_field=projects_by_field(campaign=campaign, scope=scope),
        reporting=reporting.rows,
        last_period=reporting.last_period,
        not_reported=reporting.not_reported,
        pending_reviews=pending_reviews(campaign=campaign, scope=scope),
    )


def _month_label(value: dt.date | str) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        return value[:7]
    return f"{value:%Y-%m}"
