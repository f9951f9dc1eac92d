"""Reads over the ledgers: scoped, filtered lists with totals, and the dashboard aggregates.

Every read takes ``scope`` (an :class:`Org`): rows of units outside that subtree are never
returned. Figures are aggregate queries; no ledger rows are loaded into Python to be counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
from xunzhi.ledgers.services import ledger_model
from xunzhi.organisations.models import Org

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


def ledger_queryset(*, kind: str, campaign, scope: Org) -> QuerySet:
    """Every row of ``kind`` in the campaign whose unit lies in the ``scope`` subtree."""
    model = ledger_model(kind)
    return model.objects.filter(campaign=campaign, org__path__startswith=scope.path)


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


def ledger_filtered(*, kind: str, campaign, scope: Org, filters: LedgerFilters) -> QuerySet:
    """The scoped list of ``kind`` narrowed by ``filters`` (the unit must itself be in scope)."""
    conf = KINDS[kind]
    qs = ledger_queryset(kind=kind, campaign=campaign, scope=scope)
    if filters.unit is not None and filters.unit.path.startswith(scope.path):
        qs = qs.filter(org__path__startswith=filters.unit.path)
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


def ledger_totals(*, kind: str, queryset: QuerySet) -> dict[str, Any]:
    """Count and sums of the filtered set, in one aggregate query."""
    conf = KINDS[kind]
    aggs = {"count": Count("id")}
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


def dashboard_stats(*, campaign, scope: Org, until: dt.date) -> DashboardStats:
    """Aggregates behind the dashboard of ``scope``, counted up to ``until``."""
    last_month_end = _month_end(until)
    stats = DashboardStats(until=until, last_month_end=last_month_end)
    acts = Activity.objects.filter(campaign=campaign, org__path__startswith=scope.path)

    head = acts.filter(date__lte=until).aggregate(
        n=Count("id"),
        n_prev=Count("id", filter=Q(date__lte=last_month_end)),
        people=Sum("participants"),
        people_prev=Sum("participants", filter=Q(date__lte=last_month_end)),
    )
    projects = Project.objects.filter(campaign=campaign, org__path__startswith=scope.path)
    proj = projects.aggregate(
        n=Count("id"),
        done=Count("id", filter=Q(status=ProjectStatus.DONE, done_date__lte=until)),
        done_prev=Count("id", filter=Q(status=ProjectStatus.DONE, done_date__lte=last_month_end)),
    )
    problems = Problem.objects.filter(campaign=campaign, org__path__startswith=scope.path)
    prob = problems.aggregate(
        n=Count("id"),
        open=Count("id", filter=Q(status=ProblemStatus.OPEN)),
        progress=Count("id", filter=Q(status=ProblemStatus.IN_PROGRESS)),
        done=Count("id", filter=Q(status=ProblemStatus.DONE)),
        done_prev=Count("id", filter=Q(status=ProblemStatus.DONE, done_date__lte=last_month_end)),
        overdue=Count("id", filter=problem_overdue_q(until)),
    )
    stats.headline = [
        {
            "key": "activities",
            "label": "开展活动",
            "unit": "场次",
            "value": head["n"] or 0,
            "delta": (head["n"] or 0) - (head["n_prev"] or 0),
        },
        {
            "key": "participants",
            "label": "参加活动",
            "unit": "人次",
            "value": head["people"] or 0,
            "delta": (head["people"] or 0) - (head["people_prev"] or 0),
        },
        {
            "key": "projects_done",
            "label": "办实事完成",
            "unit": f"/{proj['n'] or 0} 件",
            "value": proj["done"] or 0,
            "delta": (proj["done"] or 0) - (proj["done_prev"] or 0),
        },
        {
            "key": "problems_done",
            "label": "问题已整改",
            "unit": f"/{prob['n'] or 0} 个",
            "value": prob["done"] or 0,
            "delta": (prob["done"] or 0) - (prob["done_prev"] or 0),
        },
    ]
    stats.problems = {
        "未整改": prob["open"] or 0,
        "整改中": prob["progress"] or 0,
        "已整改": prob["done"] or 0,
        "超期": prob["overdue"] or 0,
    }
    stats.overdue_problems = prob["overdue"] or 0

    by_type = dict(
        acts.filter(date__lte=until).values_list("type").annotate(n=Count("id")).order_by()
    )
    stats.activities_by_type = sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))
    # Counted per day in the database (one group per day: a few hundred rows), rolled up into
    # months here: truncating every row's date to its month costs a function call per row
    # on SQLite.
    by_day = acts.filter(date__lte=until).values_list("date").annotate(n=Count("id")).order_by()
    months: dict[str, int] = {}
    for day, n in by_day:
        label = _month_label(day)
        months[label] = months.get(label, 0) + n
    stats.activities_by_month = sorted(months.items())

    fields = (
        projects.values_list("field")
        .annotate(n=Count("id"), done=Count("id", filter=Q(status=ProjectStatus.DONE)))
        .order_by("field")
    )
    stats.projects_by_field = [(f, n, d) for f, n, d in fields]

    # Reporting completeness: for each unit directly below the scope, the share of months so
    # far in which any unit of its subtree reported a value.
    from xunzhi.ledgers.services import campaign_months

    periods = [m for m in campaign_months(campaign) if m <= f"{last_month_end:%Y-%m}"]
    stats.last_period = periods[-1] if periods else ""
    children = list(
        Org.objects.filter(path__startswith=scope.path, depth=scope.depth + 1)
        .order_by("path")
        .only("id", "name", "path", "code")
    )
    if not children:
        children = [scope]
    width = len(children[0].path)
    reported = (
        ReportedValue.objects.filter(
            campaign=campaign, org__path__startswith=scope.path, period__in=periods
        )
        .annotate(branch=Substr("org__path", 1, width))
        .values_list("branch")
        .annotate(n=Count("period", distinct=True))
        .order_by()
    )
    reported_n = dict(reported)
    last = (
        set(
            ReportedValue.objects.filter(
                campaign=campaign, org__path__startswith=scope.path, period=stats.last_period
            )
            .annotate(branch=Substr("org__path", 1, width))
            .values_list("branch", flat=True)
            .distinct()
        )
        if stats.last_period
        else set()
    )
    for child in children:
        n = reported_n.get(child.path, 0)
        stats.reporting.append(
            {
                "org": child,
                "months": n,
                "of": len(periods),
                "share": (n / len(periods)) if periods else 0.0,
            }
        )
        if stats.last_period and child.path not in last:
            stats.not_reported.append({"org": child})
    stats.pending_reviews = ValueSubmission.objects.filter(
        campaign=campaign, org__path__startswith=scope.path, status=SubmissionStatus.SUBMITTED
    ).count()
    return stats


def _month_label(value) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        return value[:7]
    return f"{value:%Y-%m}"
