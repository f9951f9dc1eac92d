"""Measures → aggregate queries.

Measures that share a ledger and every filter except the ledger's type-like field
(activity type, resource type, problem source, value item) are answered by one
``GROUP BY`` query, so the number of queries grows with the kinds of filters in the
campaign file, not with the number of figures, and never with the number of rows.
Per-unit measures (for rules) add the unit's path prefix to the ``GROUP BY``.

The period: rows dated within the campaign up to the cut-off (``until`` or the
campaign's end); projects and problems take their status as of the cut-off; reported
values count periods ending by the cut-off (``latest`` items: each unit's last one).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, Substr

from xunzhi.figures.spec import GROUP_FIELDS, Measure
from xunzhi.ledgers.models import (
    Activity,
    Problem,
    ProblemStatus,
    Project,
    ProjectStatus,
    ReportedValue,
    Resource,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, ranks_at_least

MODELS = {
    "activities": Activity,
    "projects": Project,
    "problems": Problem,
    "resources": Resource,
    "values": ReportedValue,
}


@dataclass(frozen=True)
class Scope:
    """Where and when figures are computed: a campaign, a unit's subtree and a cut-off date."""

    campaign: Any
    unit: Org
    start: dt.date
    cutoff: dt.date
    until: dt.date | None

    @classmethod
    def make(cls, *, campaign, unit: Org, until: dt.date | None = None) -> Scope:
        start, end = campaign.start_date, campaign.end_date
        if isinstance(start, str):
            start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        if until is not None and until < start:
            raise UserError(f"截止日期 {until} 早于活动开始日期 {start}，没有可统计的数据。")
        cutoff = min(until, end) if until else end
        return cls(campaign=campaign, unit=unit, start=start, cutoff=cutoff, until=until)

    @property
    def last_period_end(self) -> dt.date:
        """End of the last whole reporting period (month or quarter) ending by the cut-off."""
        reporting = self.campaign.spec.settings.get("reporting", "month")
        day = self.cutoff
        month = (day.month - 1) // 3 * 3 + 3 if reporting == "quarter" else day.month
        end = dt.date(day.year, month, calendar.monthrange(day.year, month)[1])
        if end <= day:
            return end
        # step back one period
        back = 3 if reporting == "quarter" else 1
        month -= back
        year = day.year
        if month <= 0:
            month += 12
            year -= 1
        return dt.date(year, month, calendar.monthrange(year, month)[1])


def base_queryset(ledger: str, scope: Scope) -> QuerySet:
    model = MODELS[ledger]
    qs = model.objects.filter(campaign=scope.campaign, org__path__startswith=scope.unit.path)
    if ledger == "activities":
        qs = qs.filter(date__gte=scope.start, date__lte=scope.cutoff)
    elif ledger == "problems":
        qs = qs.filter(Q(found_date__isnull=True) | Q(found_date__lte=scope.cutoff))
    elif ledger == "values":
        qs = qs.filter(period_end__lte=scope.cutoff)
    return qs.order_by()


def _done_q(scope: Scope) -> Q:
    return Q(status=ProjectStatus.DONE) & (
        Q(done_date__isnull=True) | Q(done_date__lte=scope.cutoff)
    )


def _rectified_q(scope: Scope) -> Q:
    return Q(status=ProblemStatus.DONE) & (
        Q(done_date__isnull=True) | Q(done_date__lte=scope.cutoff)
    )


def _yes(q: Q, value: bool) -> Q:
    return q if value else ~q


def filter_q(ledger: str, key: str, value: Any, scope: Scope) -> Q:
    """The Q object of one filter of one measure."""
    if key in ("type", "source", "category", "field", "item"):
        return Q(**{f"{key}__in": list(value)})
    if key == "tags_any":
        q = Q()
        for tag in value:
            q |= Q(tags__contains=f",{tag},")
        return q
    if key == "org_leading_body":
        return Q(org__is_leading_body=value)
    if key == "leader_rank_at_least":
        ranks = ranks_at_least(value)
        if ledger == "projects":
            return Q(leader_rank__in=ranks) | (Q(leader_rank="") & Q(leader__rank__in=ranks))
        return Q(leader__rank__in=ranks)
    if key == "leader_principal":
        return Q(leader__isnull=False) & Q(leader__is_principal=value)
    if key == "leader_in_leading_body":
        return Q(leader__isnull=False) & Q(leader__org__is_leading_body=value)
    if key == "location_resource_type":
        sites = Resource.objects.filter(
            campaign=scope.campaign, type=value, org__path__startswith=scope.unit.path
        ).values("name")
        return Q(location__in=sites)
    if key == "done":
        return _yes(_done_q(scope), value)
    if key == "rectified":
        return _yes(_rectified_q(scope), value)
    if key == "overdue":
        if ledger == "projects":
            q = Q(planned_date__lt=scope.cutoff) & ~_done_q(scope)
        else:
            q = Q(deadline__lt=scope.cutoff) & ~_rectified_q(scope)
        return _yes(q, value)
    if key == "last_period":
        return _yes(Q(period_end=scope.last_period_end), value)
    raise UserError(f"未知的筛选条件：{key}")  # pragma: no cover - the spec parser refuses it


def measure_queryset(measure: Measure, scope: Scope, *, with_group: bool = True) -> QuerySet:
    """Every row a measure reads (before 'latest' selection for reported values)."""
    qs = base_queryset(measure.ledger, scope)
    for key, value in measure.where:
        if not with_group and key == GROUP_FIELDS.get(measure.ledger):
            continue
        qs = qs.filter(filter_q(measure.ledger, key, value, scope))
    return qs


def value_aggregate(scope: Scope, item: str) -> str:
    try:
        return scope.campaign.spec.value_item(item).aggregate
    except KeyError:
        return "sum"


def latest_values_queryset(measure: Measure, scope: Scope) -> QuerySet:
    """For 'latest' reported-value items: each unit's last period by the cut-off, only."""
    ranked = measure_queryset(measure, scope).annotate(
        _rank=Window(
            RowNumber(), partition_by=[F("org_id"), F("item")], order_by=F("period_end").desc()
        )
    )
    return ReportedValue.objects.filter(pk__in=ranked.filter(_rank=1).values("pk"))


@dataclass
class Agg:
    """Result of one measure: number of source rows and, for sums, the total."""

    rows: int = 0
    total: Decimal = Decimal(0)

    def add(self, rows: int, total: Any) -> None:
        self.rows += int(rows or 0)
        if total is not None:
            self.total += total if isinstance(total, Decimal) else Decimal(str(total))

    def value(self, measure: Measure) -> Decimal | int | None:
        if measure.ledger == "values":
            return _normal(self.total) if self.rows else None
        return _normal(self.total) if measure.sum else self.rows


def _normal(value: Decimal) -> Decimal | int:
    return int(value) if value == value.to_integral_value() else value


def _signature(measure: Measure, scope: Scope) -> tuple:
    mode = ""
    if measure.ledger == "values":
        items = measure.group_values or ()
        modes = {value_aggregate(scope, item) for item in items}
        mode = "latest" if modes == {"latest"} else "sum" if modes == {"sum"} else "mixed"
    return (measure.ledger, measure.other_filters, measure.group_values is not None, mode)


def measures_evaluate(
    measures: Iterable[Measure], scope: Scope, *, prefix_len: int | None = None
) -> dict[Measure, Any]:
    """Evaluate measures in as few GROUP BY queries as possible.

    Returns ``{measure: Agg}``; with ``prefix_len`` (per-unit evaluation), returns
    ``{measure: {unit_path_prefix: Agg}}``.
    """
    measures = list(dict.fromkeys(measures))
    groups: dict[tuple, list[Measure]] = defaultdict(list)
    for measure in measures:
        signature = _signature(measure, scope)
        if signature[3] == "mixed":  # latest and sum items in one measure: split by item
            groups[(*signature, measure)].append(measure)
        else:
            groups[signature].append(measure)
    results: dict[Measure, Any] = {}
    for signature, members in groups.items():
        ledger, _, grouped, mode = signature[:4]
        group_field = GROUP_FIELDS.get(ledger) if grouped else None
        sums = sorted({m.sum for m in members if m.sum})
        if mode == "mixed":
            # rare: evaluate each item by its own aggregate and add up
            measure = members[0]
            per: Any = {} if prefix_len else Agg()
            for item in measure.group_values or ():
                single = Measure(
                    ledger="values",
                    sum="value",
                    where=tuple((k, (item,) if k == "item" else v) for k, v in measure.where),
                )
                sub = measures_evaluate([single], scope, prefix_len=prefix_len)[single]
                if prefix_len:
                    for key, agg in sub.items():
                        per.setdefault(key, Agg()).add(agg.rows, agg.total)
                else:
                    per.add(sub.rows, sub.total)
            results[measure] = per
            continue
        template = members[0]
        qs = measure_queryset(template, scope, with_group=False)
        if group_field:
            wanted = sorted({v for m in members for v in (m.group_values or ())})
            qs = qs.filter(**{f"{group_field}__in": wanted})
        keys: list[str] = []
        if prefix_len:
            qs = qs.annotate(_unit=Substr("org__path", 1, prefix_len))
            keys.append("_unit")
        if group_field:
            keys.append(group_field)
        if ledger == "values" and mode == "latest":
            rows = _latest_rows(qs, keys, scope)
        else:
            annotations = {"_n": Count("pk"), **{f"_s_{s}": Sum(s) for s in sums}}
            rows = (
                list(qs.values(*keys).annotate(**annotations))
                if keys
                else [qs.aggregate(**annotations)]
            )
        for measure in members:
            wanted_values = set(measure.group_values or ())
            per_unit: dict[str, Agg] = defaultdict(Agg)
            single = Agg()
            for row in rows:
                if group_field and row[group_field] not in wanted_values:
                    continue
                total = row.get(f"_s_{measure.sum}") if measure.sum else None
                if prefix_len:
                    per_unit[row["_unit"]].add(row["_n"], total)
                else:
                    single.add(row["_n"], total)
            results[measure] = dict(per_unit) if prefix_len else single
    return results


def _latest_rows(qs: QuerySet, keys: list[str], scope: Scope) -> list[dict[str, Any]]:
    """GROUP BY over each unit's last reported period: a window function in a derived table."""
    ranked = qs.annotate(
        _rank=Window(
            RowNumber(), partition_by=[F("org_id"), F("item")], order_by=F("period_end").desc()
        )
    ).values(*keys, "value", "_rank")
    sql, params = ranked.query.sql_with_params()
    quoted = [connection.ops.quote_name(k) for k in keys]
    # Result columns of .values() are named after the model columns and annotation aliases.
    group = ", ".join(quoted)
    outer = (
        f"SELECT {group + ', ' if group else ''}COUNT(*), SUM(value) "
        f"FROM ({sql}) ranked_values WHERE {connection.ops.quote_name('_rank')} = 1"
        + (f" GROUP BY {group}" if group else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(outer, params)
        fetched = cursor.fetchall()
    out = []
    for row in fetched:
        record = dict(zip(keys, row[: len(keys)], strict=True))
        record["_n"] = row[len(keys)]
        record["_s_value"] = row[len(keys) + 1]
        out.append(record)
    return out
