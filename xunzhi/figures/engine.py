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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from xunzhi.figures.filters import filter_q
from xunzhi.figures.rollup import (
    Sums,
    edge_rows,
    fetch_rows,
    group_by_type,
    grouped_by_child,
    ledger_grouped,
    subtree_base,
    subtree_units,
    subtree_usable,
)
from xunzhi.figures.spec import BOOL_FILTERS, FILTERS, GROUP_FIELDS, LEVEL_RANK, SUM_FIELDS, Measure
from xunzhi.ledgers import registry
from xunzhi.ledgers.models import (
    ReportedValue,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

#: ledger → model, read from the registry of ledger kinds.
MODELS = registry.MODELS


#: org id → the keys of the measured units it belongs to (rules)
UnitOf = Mapping[Any, tuple[str, ...]]
#: one grouped pass over a ledger: rows by type, all rows, folded filter → column name
BaseRows = tuple[dict[Any, list[dict[str, Any]]], list[dict[str, Any]], dict[Any, str]]


@dataclass(frozen=True)
class Scope:
    """Where and when figures are computed: a campaign, a unit's subtree and a cut-off date.

    ``cache`` keeps grouped query results, so figures and rules computed with one scope
    share their queries.
    """

    campaign: Any
    unit: Org
    start: dt.date
    cutoff: dt.date
    until: dt.date | None
    cache: dict[Any, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def org_ids(self) -> QuerySet[Any]:
        ids: QuerySet[Any] = Org.objects.in_subtree(self.unit).values("id")
        return ids

    def org_paths(self) -> dict[int, str]:
        """Every org of the subtree: id → path (one small query, cached)."""
        paths = self.cache.get("org_paths")
        if paths is None:
            paths = self.cache["org_paths"] = dict(
                Org.objects.in_subtree(self.unit).values_list("id", "path")
            )
        return paths

    @property
    def level(self) -> Any:
        """The evaluated unit's level in the campaign's vocabulary (its words), cached."""
        level = self.cache.get("level")
        if level is None:
            from xunzhi.campaigns.selectors import unit_level

            level = self.cache["level"] = unit_level(campaign=self.campaign, unit=self.unit)
        return level

    def children(self) -> list[tuple[int, str, bool]]:
        """The unit's direct children: (id, kind, is_leading_body), one small query, cached."""
        rows = self.cache.get("children")
        if rows is None:
            rows = self.cache["children"] = list(
                Org.objects.children_of(self.unit)
                .order_by("path")
                .values_list("id", "kind", "is_leading_body")
            )
        return rows

    def leading_ids(self) -> frozenset[int]:
        """The evaluated unit's own leading body (领导班子): its direct children flagged as one
        (县委常委会 under a county), else the unit itself (a township's 党委 is the township)."""
        flagged = frozenset(pk for pk, _, leading in self.children() if leading)
        return flagged or frozenset({self.unit.pk})

    def own_ids(self) -> frozenset[int]:
        """The unit's own level: itself, its leading body and its departments (direct children of
        kind 部门) — not the units below it (a city's own study sites are not its counties')."""
        departments = {pk for pk, kind, _ in self.children() if kind == OrgKind.DEPARTMENT}
        return frozenset({self.unit.pk, *self.leading_ids(), *departments})

    def rank(self, value: str) -> str:
        """A rank filter's value: ``"level"`` is the evaluated level's own rank (县处级 for a county)."""
        return self.level.words["rank"] if value == LEVEL_RANK else value

    @classmethod
    def make(cls, *, campaign: Campaign, unit: Org, until: dt.date | None = None) -> Scope:
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
        return last_period_end(self.cutoff, self.campaign.spec.settings.get("reporting", "month"))


def last_period_end(cutoff: dt.date, reporting: str = "month") -> dt.date:
    """End of the last whole reporting period (month or quarter) ending by ``cutoff``."""
    day = cutoff
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


def base_queryset(ledger: str, scope: Scope) -> QuerySet[Any]:
    """A ledger's rows in the scope: the subtree (by ``org_id IN (…)``, no join) and the period."""
    return _ledger_queryset(ledger, scope)


def measure_queryset(measure: Measure, scope: Scope, *, with_group: bool = True) -> QuerySet[Any]:
    """Every row a measure reads (before 'latest' selection for reported values)."""
    qs = base_queryset(measure.ledger, scope)
    for key, value in measure.where:
        if not with_group and key == GROUP_FIELDS.get(measure.ledger):
            continue
        qs = qs.filter(filter_q(measure.ledger, key, value, scope))
    return qs


def value_aggregate(scope: Scope, item: str) -> str:
    try:
        aggregate: str = scope.campaign.spec.value_item(item).aggregate
        return aggregate
    except KeyError:
        return "sum"


def latest_values_queryset(measure: Measure, scope: Scope) -> QuerySet[Any]:
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


def _signature(measure: Measure, scope: Scope) -> tuple[Any, ...]:
    mode = ""
    if measure.ledger == "values":
        items = measure.group_values or ()
        modes = {value_aggregate(scope, item) for item in items}
        mode = "latest" if modes == {"latest"} else "sum" if modes == {"sum"} else "mixed"
    return (measure.ledger, measure.other_filters, mode)


def _org_rows(
    scope: Scope, signature: tuple[Any, ...], members: list[Measure]
) -> list[dict[str, Any]]:
    """Rows grouped by (org_id, type-like field), for one filter signature; cached on the scope.

    No join to the organisation table: the subtree is an ``org_id IN (…)`` subquery and rows
    are attributed to units in Python, from at most (units × types) grouped rows.
    A signature without extra filters reads every type at once, so one query per ledger
    serves every plain count and sum (of figures and rules alike).
    """
    ledger, other, mode = signature
    group_field = GROUP_FIELDS.get(ledger)
    sums = sorted(SUM_FIELDS[ledger]) if ledger != "values" else ["value"]
    wanted: tuple[str, ...] | None = None
    if other and group_field and all(m.group_values is not None for m in members):
        wanted = tuple(sorted({v for m in members for v in (m.group_values or ())}))
    key = (signature, wanted)
    cached: list[dict[str, Any]] | None = scope.cache.get(key)
    if cached is not None:
        return cached
    qs = _ledger_queryset(ledger, scope)
    for name, value in other:
        qs = qs.filter(filter_q(ledger, name, value, scope))
    if wanted is not None:
        qs = qs.filter(**{f"{group_field}__in": list(wanted)})
    qs = qs.order_by()
    keys = ["org_id", *([group_field] if group_field else [])]
    if ledger == "values" and mode == "latest":
        rows = _latest_rows(qs, keys, scope)
    else:
        annotations = {"_n": Count("pk"), **{f"_s_{s}": Sum(s) for s in sums}}
        rows = fetch_rows(qs.values(*keys).annotate(**annotations))
    scope.cache[key] = rows
    return rows


#: Filters applied in Python to rows grouped by organisation: the scope's set of org ids.
ORG_FILTERS = {"org_leading_body": "leading_ids", "org_own_level": "own_ids"}
#: Filters on a ledger's own columns, folded into the ledger's one base query as conditional
#: counts and sums (``COUNT(*) FILTER (WHERE …)``): a ledger is read once, whatever the number
#: of filtered measures. Activities have only ``tags_any`` among them (the rollup cells keep
#: the tags); filters through a join (leaders, resources) get their own query.
FOLDED_FILTERS = {"tags_any", "category", "field", "source", "done", "rectified", "overdue"}

#: The folded filters of one measure, as the measure lists them.
Folded = tuple[tuple[str, Any], ...]


def _folded(measure: Measure) -> Folded:
    return tuple((k, v) for k, v in measure.other_filters if k in FOLDED_FILTERS)


def _base_servable(measure: Measure) -> bool:
    """Can the ledger's one base query (grouped by org and type) answer this measure?"""
    if measure.ledger == "values":
        return False
    return all(k in ORG_FILTERS or k in FOLDED_FILTERS for k, _ in measure.other_filters)


def _folded_keys(scope: Scope, ledger: str) -> list[Folded]:
    """Every combination of folded filters of this ledger's measures anywhere in the campaign's
    figures and rules (each becomes a conditional count and sums in the base query)."""
    cached: list[Folded] | None = scope.cache.get(("folded", ledger))
    if cached is None:
        cached = scope.cache[("folded", ledger)] = _campaign_folded_keys(scope, ledger)
    return cached


def _campaign_folded_keys(scope: Scope, ledger: str) -> list[Folded]:
    from xunzhi.figures.spec import campaign_figure_spec

    fspec = campaign_figure_spec(scope.campaign)
    measures = [m for f in fspec.figures for m in f.all_measures()]
    for rule in fspec.rules:
        for c in rule.conditions:
            measures += [m for m in (c.measure, c.numerator, c.denominator) if m is not None]
    keys = {_folded(m) for m in measures if m.ledger == ledger and _base_servable(m)}
    # the status filters alone, which the comparison of units and the evaluation read too
    keys |= {
        ((k, True),) for k in FILTERS.get(ledger, {}) if k in FOLDED_FILTERS and k in BOOL_FILTERS
    }
    return sorted(keys - {()}, key=repr)


def _base_rows(scope: Scope, ledger: str, *, by_child: bool = False) -> BaseRows:
    """One pass over a ledger: counts and sums grouped by (org, type), folded filters as
    conditional counts and sums. Returns rows by type, all rows, and folded filters → column.
    ``by_child``: rows below the unit's children added up per child (``grouped_by_child``)."""
    cache_key = ("base", ledger, by_child)
    cached: BaseRows | None = scope.cache.get(cache_key)
    if cached is not None:
        return cached
    group_field = GROUP_FIELDS.get(ledger)
    columns, counts, sums = _aggregates(scope, ledger)
    keys = ["org_id", *([group_field] if group_field else [])]
    # Activities on PostgreSQL: whole months from the rollup (xunzhi.figures.rollup); else
    # both planners answer this from the covering index ``activity_rollup`` by themselves
    # (EXPLAIN in docs/architecture.md); no hint is given.
    qs = _ledger_queryset(ledger, scope)
    if by_child:
        rows = grouped_by_child(qs, scope, keys, counts, sums)
    else:
        rows = ledger_grouped(qs, scope, keys, counts, sums, activities=ledger == "activities")
    result = (group_by_type(rows, group_field), rows, columns)
    scope.cache[cache_key] = result
    return result


def _aggregates(scope: Scope, ledger: str) -> tuple[dict[Folded, str], dict[str, Q | None], Sums]:
    """The base query's columns: folded filters → count column ``_f<i>`` (its sums are
    ``_f<i>_s_<field>``), the counts (column → filter) and the sums (column → field, filter)."""
    columns = {key: f"_f{i}" for i, key in enumerate(_folded_keys(scope, ledger))}
    counts: dict[str, Q | None] = {"_n": None}
    sums: Sums = {f"_s_{s}": (s, None) for s in sorted(SUM_FIELDS[ledger])}
    for key, column in columns.items():
        q = Q()
        for name, value in key:
            q &= filter_q(ledger, name, value, scope)
        counts[column] = q
        sums.update({f"{column}_s_{s}": (s, q) for s in sorted(SUM_FIELDS[ledger])})
    return columns, counts, sums


def _subtree_rows(measure: Measure, scope: Scope, unit_of: UnitOf | None) -> Any:
    """Activities on PostgreSQL once a whole bucket has passed: the base rows from the subtree
    cells (:func:`~xunzhi.figures.rollup.subtree_base`, or per measured unit:
    :func:`~xunzhi.figures.rollup.subtree_units` with rows keyed by the unit's path), the days
    after the last whole bucket added from the activities. None where the base query (grouped
    by unit) is needed instead."""
    if measure.ledger != "activities" or not subtree_usable(scope):
        return None
    columns, counts, sums = _aggregates(scope, measure.ledger)
    edges = edge_rows(scope, counts, sums)
    if unit_of is None:
        key: tuple[Any, ...] = ("subtree",)
        if key not in scope.cache:
            rows = subtree_base(scope, counts, sums, edges)
            scope.cache[key] = (group_by_type(rows, "type"), rows, columns, None)
        return scope.cache[key]
    if any(k in ORG_FILTERS for k, _ in measure.other_filters):
        return None
    paths = getattr(unit_of, "paths", None) or frozenset(
        k for keys in unit_of.values() for k in keys
    )
    # only this measure's columns: a rule over a province's 党支部 adds up 10^5 cells
    count_column = columns.get(_folded(measure), "_n")
    sum_column = _sum_column(count_column, measure)
    counts = {count_column: counts[count_column]}
    sums = {sum_column: sums[sum_column]} if sum_column else {}
    key = ("subtree", paths, measure.group_values, count_column, sum_column)
    if key not in scope.cache:
        ids = {path: pk for pk, path in scope.org_paths().items()}
        units = {ids[path]: path for path in paths}
        rows = subtree_units(scope, units, measure.group_values, counts, sums, unit_of, edges)
        by_path = {path: (path,) for path in paths}
        scope.cache[key] = (group_by_type(rows, "type"), rows, columns, by_path)
    return scope.cache[key]


def _ledger_queryset(ledger: str, scope: Scope) -> QuerySet[Any]:
    """A ledger's rows in the scope, subtree by ``org_id IN (…)`` (no join to the org table)."""
    qs: QuerySet[Any] = MODELS[ledger]._default_manager.filter(
        campaign=scope.campaign, org_id__in=scope.org_ids()
    )
    if ledger == "activities":
        qs = qs.filter(date__gte=scope.start, date__lte=scope.cutoff)
    elif ledger == "problems":
        qs = qs.filter(Q(found_date__isnull=True) | Q(found_date__lte=scope.cutoff))
    elif ledger == "values":
        qs = qs.filter(period_end__lte=scope.cutoff)
    return qs.order_by()


def measures_evaluate(
    measures: Iterable[Measure], scope: Scope, *, unit_of: UnitOf | None = None
) -> dict[Measure, Any]:
    """Evaluate measures in as few GROUP BY queries as possible (cached on the scope).

    Returns ``{measure: Agg}`` over the whole subtree; with ``unit_of`` (org id → the keys of
    the measured units it belongs to, for rules), returns ``{measure: {unit key: Agg}}``.
    """
    measures = list(dict.fromkeys(measures))
    groups: dict[tuple[Any, ...], list[Measure]] = defaultdict(list)
    results: dict[Measure, Any] = {}
    for measure in measures:
        folded = _folded(measure)
        if _base_servable(measure) and (
            not folded or folded in _folded_keys(scope, measure.ledger)
        ):  # a combination no figure or rule of the campaign uses gets its own query
            results[measure] = _from_base(measure, scope, unit_of)
            continue
        signature = _signature(measure, scope)
        if signature[2] == "mixed":  # latest and sum items in one measure: split by item
            groups[(*signature, measure)].append(measure)
        else:
            groups[signature].append(measure)
    for signature, members in groups.items():
        ledger, _, mode = signature[:3]
        if mode == "mixed":
            measure = members[0]
            per: Any = {} if unit_of is not None else Agg()
            for item in measure.group_values or ():
                single = Measure(
                    ledger="values",
                    sum="value",
                    where=tuple((k, (item,) if k == "item" else v) for k, v in measure.where),
                )
                sub = measures_evaluate([single], scope, unit_of=unit_of)[single]
                if unit_of is not None:
                    for key, agg in sub.items():
                        per.setdefault(key, Agg()).add(agg.rows, agg.total)
                else:
                    per.add(sub.rows, sub.total)
            results[measure] = per
            continue
        rows = _org_rows(scope, signature[:3], members)
        group_field = GROUP_FIELDS.get(ledger)
        by_type: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_type[row.get(group_field) if group_field else None].append(row)
        for measure in members:
            selected = _select(by_type, rows, measure.group_values)
            results[measure] = _accumulate(selected, measure, "_n", unit_of)
    return results


def _select(
    by_type: dict[Any, list[dict[str, Any]]],
    rows: list[dict[str, Any]],
    wanted: tuple[str, ...] | None,
) -> list[dict[str, Any]]:
    if wanted is None:
        return rows
    return [row for value in wanted for row in by_type.get(value, ())]


def _sum_column(count_column: str, measure: Measure) -> str:
    """The column adding up ``measure``'s field among the rows ``count_column`` counts."""
    prefix = "" if count_column == "_n" else count_column
    return f"{prefix}_s_{measure.sum}" if measure.sum else ""


def _accumulate(
    rows: list[dict[str, Any]], measure: Measure, count_column: str, unit_of: UnitOf | None
) -> Any:
    sum_column = _sum_column(count_column, measure) or None
    if unit_of is None:
        single = Agg()
        for row in rows:
            single.add(row[count_column], row[sum_column] if sum_column else None)
        return single
    # Per unit: the same additions as ``Agg.add``, inlined (this loop runs once per grouped
    # row, ~10^5 times for a province's rules).
    per_unit: dict[str, Agg] = {}
    units_of = unit_of.get
    for row in rows:
        unit_keys = units_of(row["org_id"], ())
        if not unit_keys:
            continue
        n = int(row[count_column] or 0)
        total = row[sum_column] if sum_column else None
        if total is not None and not isinstance(total, Decimal):
            total = Decimal(str(total))
        for unit_key in unit_keys:
            agg = per_unit.get(unit_key)
            if agg is None:
                agg = per_unit[unit_key] = Agg()
            agg.rows += n
            if total is not None:
                agg.total += total
    return per_unit


def _from_base(measure: Measure, scope: Scope, unit_of: UnitOf | None) -> Any:
    subtree = _subtree_rows(measure, scope, unit_of)
    if subtree is not None:
        by_type, rows, columns, unit_of = subtree
    else:
        by_child = measure.ledger != "activities" and _children_enough(scope, unit_of)
        by_type, rows, columns = _base_rows(scope, measure.ledger, by_child=by_child)
    selected = _select(by_type, rows, measure.group_values)
    for key, value in measure.other_filters:
        if key in ORG_FILTERS:
            ids = getattr(scope, ORG_FILTERS[key])()
            selected = [r for r in selected if (r["org_id"] in ids and not r.get("deep")) == value]
    folded = _folded(measure)
    count_column = columns[folded] if folded else "_n"
    return _accumulate(selected, measure, count_column, unit_of)


def _children_enough(scope: Scope, unit_of: UnitOf | None) -> bool:
    """Do rows added up per child of the unit answer this? Yes for the subtree's totals, and
    for measured units no deeper than the children (a rule over 党支部 needs every unit's rows;
    activities keep their rollup's own grouping)."""
    if unit_of is None:
        return True
    paths = getattr(unit_of, "paths", None)
    width = len(scope.unit.path) + Org.steplen
    return paths is not None and all(len(p) <= width for p in paths)


def _latest_rows(qs: QuerySet[Any], keys: list[str], scope: Scope) -> list[dict[str, Any]]:
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
        f"SELECT {group + ', ' if group else ''}COUNT(*), SUM(value) "  # noqa: S608 identifiers quoted; values are parameters
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
