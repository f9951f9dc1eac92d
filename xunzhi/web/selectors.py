"""Reads owned by the web application: the data stamp and cached dashboard figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache.backends.filebased import FileBasedCache
from django.core.paginator import Paginator
from django.db import connections, router
from django.db.models import Subquery
from django.utils import timezone

from xunzhi.campaigns.models import Campaign
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.ledgers.models import LEDGER_MODELS
from xunzhi.ledgers.selectors import (
    DashboardStats,
    LedgerFilters,
    dashboard_stats,
    ledger_filtered,
    ledger_totals,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.reports.problems import problems_select
from xunzhi.web.models import DataStamp


def data_stamp() -> str:
    """A string that changes on every ledger write: the write counter plus each ledger's highest
    id (which also catches bulk loads that send no signal). One query, its SQL built once per
    process and database (building it costs a hundred times more than running it)."""
    row = _stamp_row()
    if row is None:  # first use: create the counter row once
        DataStamp.objects.get_or_create(pk=1)
        row = _stamp_row()
    return "-".join(str(v or 0) for v in row or (0,) * (len(LEDGER_MODELS) + 1))


def _stamp_row() -> tuple[Any, ...] | None:
    """The counter and each ledger's highest id, in the order of ``LEDGER_MODELS``."""
    alias = router.db_for_read(DataStamp)
    built = _STAMP_SQL.get(alias)
    if built is None:
        built = _STAMP_SQL[alias] = _stamp_sql(alias)
    sql, params = built
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def _stamp_sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    """On PostgreSQL each ledger's highest id is its id sequence's last value: one read, where
    ``ORDER BY id DESC LIMIT 1`` walks every dead index entry a rolled-back or deleted bulk load
    left at the top of the key (a failed 200 000-row import cost every page 20 ms until the
    table was vacuumed). Elsewhere (SQLite: no dead entries) the highest id itself."""
    if connections[alias].vendor == "postgresql":
        last = "pg_sequence_last_value(pg_get_serial_sequence(%s, %s)::regclass)"
        columns = ", ".join([last] * len(LEDGER_MODELS))
        params: list[str] = []
        for model in LEDGER_MODELS.values():
            params += [model._meta.db_table, model._meta.pk.column]
        table = DataStamp._meta.db_table
        # names from the models, values as parameters
        sql = f"SELECT counter, {columns} FROM {table} WHERE id = 1"  # noqa: S608
        return sql, tuple(params)
    annotations = {
        kind: Subquery(model.objects.order_by("-pk").values("pk")[:1])
        for kind, model in LEDGER_MODELS.items()
    }
    qs = DataStamp.objects.using(alias).filter(pk=1).annotate(**annotations)
    query = qs.values_list("counter", *annotations)[:1].query
    sql, sql_params = query.get_compiler(using=alias).as_sql()
    return sql, tuple(sql_params)


#: the data stamp's SQL and parameters per database alias
_STAMP_SQL: dict[str, tuple[str, tuple[Any, ...]]] = {}


def figure_cache() -> FileBasedCache:
    """A cache shared by every web worker process (files under ``DATA_DIR/cache/web``)."""
    location = str(Path(settings.DATA_DIR) / "cache" / "web")
    cached = _CACHES.get(location)
    if cached is None:
        cached = _CACHES[location] = FileBasedCache(
            location, {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 2000}}
        )
    return cached


_CACHES: dict[str, FileBasedCache] = {}


def ledger_page_cached(
    *,
    kind: str,
    campaign: Campaign,
    scope: Org,
    filters: LedgerFilters,
    page: str,
    can_edit: bool,
    unit_choices: Callable[[], list[Org]],
    render_rows: Callable[[Iterable[Any]], str],
) -> dict[str, Any]:
    """One page (50 rows) of a ledger list: totals, the rows as HTML (``render_rows``), the
    paginator's facts and the unit picker (``unit_choices``), computed once per data version
    (the stamp changes on every write) and per everything the page depends on."""
    key = "xz:list:" + "|".join(
        str(x)
        for x in (
            kind,
            campaign.pk,
            scope.path,
            filters.unit.path if filters.unit else "",
            filters.type,
            filters.status,
            filters.period,
            filters.q,
            filters.overdue,
            filters.until,
            filters.order,
            page,
            can_edit,
            data_stamp(),
        )
    )
    cache = figure_cache()
    cached: dict[str, Any] | None = cache.get(key)
    if cached is None:
        qs = ledger_filtered(kind=kind, campaign=campaign, scope=scope, filters=filters)
        totals = ledger_totals(kind=kind, queryset=qs)
        paginator = Paginator(qs, 50)
        paginator.count = totals["count"]  # known already: saves the COUNT query
        current = paginator.get_page(page)
        cached = {
            "totals": totals,
            "rows_html": render_rows(current.object_list),
            "page": {
                "number": current.number,
                "num_pages": paginator.num_pages,
                "has_previous": current.has_previous(),
                "has_next": current.has_next(),
                "previous_page_number": current.number - 1,
                "next_page_number": current.number + 1,
            },
            "units": [(u.code, u.name, u.depth) for u in unit_choices()],
        }
        cache.set(key, cached, 3600)
    return cached


def campaign_today(campaign: Campaign) -> dt.date:
    """The cut-off the dashboard counts up to: today, within the campaign's period."""
    today = timezone.localdate()
    day: dt.date = max(campaign.start_date, min(today, campaign.end_date))
    return day


def dashboard_cached(
    *, campaign: Campaign, scope: Org, until: dt.date | None = None, stamp: str | None = None
) -> DashboardStats:
    until = until or campaign_today(campaign)
    key = f"xz:dash:{campaign.pk}:{scope.path}:{until}:{stamp or data_stamp()}"
    cache = figure_cache()
    stats: DashboardStats | None = cache.get(key)
    if stats is None:
        stats = dashboard_stats(campaign=campaign, scope=scope, until=until)
        cache.set(key, stats, 3600)
    return stats


def report_figures_cached(
    *, campaign: Campaign, scope: Org, until: dt.date, stamp: str | None = None
) -> list[dict[str, Any]]:
    """Every figure of the report for ``scope`` with its change since the end of last month
    (figures service, computed twice, cached on the data stamp)."""
    # the campaign file's digest: figure names and definitions change when it is reloaded
    key = (
        f"xz:figs:{campaign.pk}:{campaign.source_sha256[:12]}:{scope.path}:{until}:"
        f"{stamp or data_stamp()}"
    )
    cache = figure_cache()
    cached: list[dict[str, Any]] | None = cache.get(key)
    if cached is not None:
        return cached
    last = until.replace(day=1) - dt.timedelta(days=1)
    now = figures_compute(campaign=campaign, unit=scope, until=until)
    before = figures_compute(campaign=campaign, unit=scope, until=max(last, campaign.start_date))
    rows: list[dict[str, Any]] = []
    for fig in now:
        prev = before.values.get(fig.code)
        delta = None
        if (
            isinstance(fig.value, int | Decimal)
            and prev is not None
            and isinstance(prev.value, int | Decimal)
        ):
            delta = fig.value - prev.value
        rows.append(
            {
                "code": fig.code,
                "name": fig.name,
                "text": fig.text,
                "unit": fig.unit,
                "value": fig.value,
                "delta": delta,
                "is_ratio": fig.style == "%",
            }
        )
    cache.set(key, rows, 3600)
    return rows


def rules_fired_cached(
    *, campaign: Campaign, scope: Org, until: dt.date, stamp: str | None = None
) -> list[dict[str, Any]]:
    """The problem rules that fire for ``scope`` (figures service), in the report's order, each
    saying whether the report shows it (the report's own choice, ``problems_select``) and why
    not; cached on the data stamp."""
    key = (
        f"xz:rules:{campaign.pk}:{campaign.source_sha256[:12]}:{scope.path}:{until}:"
        f"{stamp or data_stamp()}"
    )
    cache = figure_cache()
    fired: list[dict[str, Any]] | None = cache.get(key)
    if fired is None:
        try:
            results = rules_evaluate(campaign=campaign, unit=scope, until=until)
            shown, omitted = problems_select(results, spec=campaign.spec)
        except UserError:
            shown, omitted = [], []
        fired = [
            {
                "code": r.code,
                "name": r.name,
                "goal": r.goal,
                "units_short": r.units_short,
                "units_total": r.units_total,
                "shown": bool(r.shown),
                "omitted": r.omitted,
            }
            for r in [*shown, *omitted]
        ]
        cache.set(key, fired, 3600)
    return fired
