"""Grouped activity queries from the rollups on PostgreSQL (:mod:`xunzhi.figures.models`).

The rollups count activities per bucket: a calendar month, the campaign's start month split at
its start date. A period from the campaign start to a cut-off is the buckets from the start to
the last month ending by the cut-off, plus the days after it (read from the activities).

- ``ledger_grouped``: ``values(*keys).annotate(counts, sums)`` over a ledger's rows in a scope,
  activities from the unit-level cells plus the remaining days: the same rows as the plain
  aggregate grouped by unit, from fewer rows.
- ``subtree_base`` and ``subtree_units``: a subtree's totals read from the cells of its root
  (a county: one cell per bucket, type and tag set, whatever the number of its units), for the
  figures of a unit and for the units a rule measures. A cut-off within a month adds the days
  after the last whole bucket from the activities (``edge_rows``: one grouped query per
  report, shared by the figures and every rule).

- ``grouped_by_child``: any other ledger's rows grouped by the unit's own orgs and, below them,
  by the child of the unit they lie under: a province's figures and the rules measuring its
  cities read a few hundred rows instead of one per organisation and type.

SQLite, and code run inside :func:`figures_plain` (the benchmark's baseline), read the
activities directly.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from xunzhi.figures.models import ActivityMonth, ActivitySubtree
from xunzhi.ledgers.models import Activity
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.figures.engine import Scope

_PLAIN: ContextVar[bool] = ContextVar("figures_plain", default=False)

#: A grouped row: the key columns and the aggregate columns by name.
Row = dict[str, Any]
#: Aggregate column → the field it adds up and the filter of the rows it adds (None: every row).
Sums = dict[str, tuple[str, Q | None]]


@contextmanager
def figures_plain() -> Iterator[None]:
    """Compute figures inside this block from the ledgers alone (no rollup): the baseline."""
    token = _PLAIN.set(True)
    try:
        yield
    finally:
        _PLAIN.reset(token)


def rollup_active() -> bool:
    """Are the activity rollups read here (PostgreSQL, outside :func:`figures_plain`)?"""
    return connection.vendor == "postgresql" and not _PLAIN.get()


def whole_buckets_end(start: dt.date, cutoff: dt.date) -> dt.date | None:
    """The end of the last bucket lying wholly within ``start`` (the campaign start, where a
    bucket begins) … ``cutoff``: the last month end by the cut-off; None when before ``start``."""
    month_end = (cutoff + dt.timedelta(days=1)).day == 1
    last_end = cutoff if month_end else cutoff.replace(day=1) - dt.timedelta(days=1)
    return None if last_end < start else last_end


def subtree_usable(scope: Scope) -> bool:
    """Can a subtree's activity totals be read from its root's cells (with the days after the
    last whole bucket from the activities)? Not before the first whole bucket."""
    return rollup_active() and whole_buckets_end(scope.start, scope.cutoff) is not None


def edge_rows(scope: Scope, counts: dict[str, Q | None], sums: Sums) -> list[Row]:
    """The activities of ``scope``'s subtree after its last whole bucket (a cut-off within a
    month), grouped by (org_id, type); none when the cut-off ends a month. Read once per scope
    with every column (callers pass the ledger's full ``counts`` and ``sums``)."""
    last_end = whole_buckets_end(scope.start, scope.cutoff)
    if last_end is None or last_end >= scope.cutoff:
        return []
    key = ("edges", tuple(counts), tuple(sums))
    cached: list[Row] | None = scope.cache.get(key)
    if cached is None:
        days = Activity.objects.filter(
            campaign_id=scope.campaign.pk,
            org_id__in=scope.org_ids(),
            date__gt=last_end,
            date__lte=scope.cutoff,
        ).order_by()
        cached = fetch_rows(
            days.values("org_id", "type").annotate(**plain_aggregates(counts, sums))
        )
        scope.cache[key] = cached
    return cached


def ledger_grouped(
    ledger_rows: QuerySet[Any],
    scope: Scope,
    keys: Sequence[str],
    counts: dict[str, Q | None],
    sums: Sums,
    *,
    activities: bool,
) -> list[Row]:
    """``ledger_rows`` (a ledger's rows in ``scope``) grouped by ``keys``: ``counts`` (column →
    filter or None) and ``sums`` (column → field and filter). ``activities``: the rows are
    activities, grouped by (org_id, type), and may be read from the unit-level cells (whole
    buckets) plus the days after them (:func:`edge_rows`, shared with the subtree reads)."""
    last_end = whole_buckets_end(scope.start, scope.cutoff)
    if not (activities and rollup_active()) or last_end is None:
        return fetch_rows(ledger_rows.values(*keys).annotate(**plain_aggregates(counts, sums)))
    cells = ActivityMonth.objects.filter(campaign_id=scope.campaign.pk, org_id__in=scope.org_ids())
    rows = fetch_rows(
        _in_buckets(cells, scope, last_end).values(*keys).annotate(**_rolled(counts, sums))
    )
    rows += edge_rows(scope, counts, sums)
    return _merge(rows, keys, [*counts, *sums])


def grouped_by_child(
    ledger_rows: QuerySet[Any],
    scope: Scope,
    keys: Sequence[str],
    counts: dict[str, Q | None],
    sums: Sums,
) -> list[Row]:
    """``ledger_rows`` grouped like :func:`ledger_grouped` by ``("org_id", *keys[1:])``, except
    that the rows of an organisation below the unit's children are added to the child they lie
    under and flagged ``deep`` (the rows of the unit and of each child stay apart, unflagged).
    Enough for figures (the own-level filters read unflagged rows only) and for rules measuring
    the unit or its children: a few rows per child.

    Two steps in one statement: the grouped rows per organisation (as :func:`ledger_grouped`,
    no join), then those joined to the organisations and added up per child. Grouping the
    joined ledger rows at once made PostgreSQL expect one group per row and sort them all."""
    inner = ledger_rows.values(*keys).annotate(**plain_aggregates(counts, sums))
    sql, params = inner.query.sql_with_params()
    quote = connection.ops.quote_name
    extra = [quote(k) for k in keys[1:]]
    columns = [quote(c) for c in [*counts, *sums]]
    width = len(scope.unit.path) + Org.steplen
    select = [
        "CASE WHEN o.depth <= %s THEN g.org_id END AS _own",
        "CASE WHEN o.depth > %s THEN SUBSTR(o.path, 1, %s) ELSE '' END AS _below",
        *(f"g.{k} AS {k}" for k in extra),
        *(f"SUM(g.{c}) AS {c}" for c in columns),
    ]
    group = ", ".join(str(i + 1) for i in range(2 + len(extra)))
    table = quote(Org._meta.db_table)
    # identifiers quoted, values are parameters
    outer = f"SELECT {', '.join(select)} FROM ({sql}) g JOIN {table} o ON o.id = g.org_id"  # noqa: S608
    outer += f" GROUP BY {group}"
    depth = scope.unit.depth + 1
    rows = sql_rows(outer, [depth, depth, width, *params])
    child = {path: pk for pk, path in scope.org_paths().items() if len(path) == width}
    for row in rows:
        below = row.pop("_below")
        own = row.pop("_own")
        row["org_id"] = child[below] if below else own
        row["deep"] = bool(below)
    return rows


def subtree_base(
    scope: Scope, counts: dict[str, Q | None], sums: Sums, edges: Sequence[Row]
) -> list[Row]:
    """Rows grouped by (org_id, type) adding up to the activities of ``scope``'s subtree: the
    unit's own level (itself, its leading body, its departments) each by itself, the rest of
    the subtree under ``org_id`` 0, from the cells of the subtree's root and of those units,
    plus ``edges`` (:func:`edge_rows`: the days after the last whole bucket)."""
    last_end = whole_buckets_end(scope.start, scope.cutoff)
    own = sorted(scope.own_ids() | scope.leading_ids())
    columns = [*counts, *sums]
    base = ActivitySubtree.objects.filter(campaign_id=scope.campaign.pk, org_id=scope.unit.pk)
    total = fetch_rows(
        _in_buckets(base, scope, last_end).values("type").annotate(**_rolled(counts, sums))
    )
    mine = ActivityMonth.objects.filter(campaign_id=scope.campaign.pk, org_id__in=own)
    own_rows = fetch_rows(
        _in_buckets(mine, scope, last_end)
        .values("org_id", "type")
        .annotate(**_rolled(counts, sums))
    )
    own_set = frozenset(own)
    own_rows += [row for row in edges if row["org_id"] in own_set]
    rest = {row["type"]: row | {"org_id": 0} for row in _merge([*total, *edges], ["type"], columns)}
    own_rows = _merge(own_rows, ["org_id", "type"], columns)
    for row in own_rows:
        for column in columns:
            rest[row["type"]][column] -= row[column]
    return own_rows + list(rest.values())


def subtree_units(
    scope: Scope,
    units: dict[int, str],
    types: Sequence[str] | None,
    counts: dict[str, Q | None],
    sums: Sums,
    unit_of: Mapping[Any, tuple[str, ...]],
    edges: Sequence[Row],
) -> list[Row]:
    """Rows grouped by (unit path, type): each of ``units`` (id → path, in ``scope``'s subtree)
    with its subtree's activities (of ``types`` only, when given), from the units' cells, plus
    ``edges`` (:func:`edge_rows`) under each unit they lie in by ``unit_of`` (org id → the
    paths of the units it lies under; a unit and type may have a row of each)."""
    last_end = whole_buckets_end(scope.start, scope.cutoff)
    depths = sorted({len(p) // Org.steplen for p in units.values()})
    anchors = Org.objects.in_subtree(scope.unit).filter(depth__in=depths).values("id")
    cells = ActivitySubtree.objects.filter(campaign_id=scope.campaign.pk, org_id__in=anchors)
    if types is not None:
        cells = cells.filter(type__in=list(types))
    rows = fetch_rows(
        _in_buckets(cells, scope, last_end)
        .values("org_id", "type")
        .annotate(**_rolled(counts, sums))
    )
    columns = [*counts, *sums]
    out = []
    for row in rows:
        path = units.get(row["org_id"])
        if path is not None:
            out.append(row | {"org_id": path} | {c: int(row[c] or 0) for c in columns})
    if edges:
        out += _edges_by_unit(unit_of, types, columns, edges)
    return out


def _edges_by_unit(
    unit_of: Mapping[Any, tuple[str, ...]],
    types: Sequence[str] | None,
    columns: list[str],
    edges: Sequence[Row],
) -> list[Row]:
    """``edges`` added up per (path, type) of each measured unit they lie under (``unit_of``:
    org id → those units' paths): one row per unit and type, whatever the number of
    organisations below it."""
    wanted = frozenset(types) if types is not None else None
    totals: dict[tuple[str, Any], list[int]] = {}
    for row in edges:
        if wanted is not None and row["type"] not in wanted:
            continue
        for path in unit_of.get(row["org_id"], ()):
            key = (path, row["type"])
            total = totals.get(key)
            if total is None:
                total = totals[key] = [0] * len(columns)
            for i, column in enumerate(columns):
                total[i] += int(row[column] or 0)
    return [
        {"org_id": path, "type": kind, **dict(zip(columns, total, strict=True))}
        for (path, kind), total in totals.items()
    ]


def _in_buckets(qs: QuerySet[Any], scope: Scope, last_end: dt.date | None = None) -> QuerySet[Any]:
    end = last_end or scope.cutoff
    return qs.filter(month__gte=scope.start, month__lte=end).order_by()


def plain_aggregates(counts: dict[str, Q | None], sums: Sums) -> dict[str, Any]:
    """``counts`` and ``sums`` as Django aggregates over a ledger's rows."""
    return {
        **{name: Count("pk", filter=q) for name, q in counts.items()},
        **{name: Sum(field, filter=q) for name, (field, q) in sums.items()},
    }


def _rolled(counts: dict[str, Q | None], sums: Sums) -> dict[str, Any]:
    return {
        **{name: Sum("n", filter=q) for name, q in counts.items()},
        **{name: Sum(field, filter=q) for name, (field, q) in sums.items()},
    }


def _merge(rows: list[Row], keys: Sequence[str], columns: list[str]) -> list[Row]:
    """Rows with the same key added up (the cells' and the days'); integers throughout."""
    out: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        merged = out.get(key)
        if merged is None:
            merged = out[key] = {**{k: row[k] for k in keys}, **dict.fromkeys(columns, 0)}
        for column in columns:
            merged[column] += int(row[column] or 0)
    return list(out.values())


def group_by_type(rows: list[Row], group_field: str | None) -> dict[Any, list[Row]]:
    by_type: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        by_type[row.get(group_field) if group_field else None].append(row)
    return dict(by_type)


def fetch_rows(qs: QuerySet[Any]) -> list[Row]:
    """Rows of a grouped ``values().annotate()`` query as dicts, read through the cursor directly.

    Django's per-row converters cost more than the query for ~10 000 grouped rows; the
    values here are plain numbers and strings.
    """
    sql, params = qs.query.sql_with_params()
    return sql_rows(sql, params)


def sql_rows(sql: str, params: Sequence[Any]) -> list[Row]:
    """The rows of ``sql`` as dicts by column alias (every grouped column here has one)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
