"""The comparison as the page and the workbook show it: cached per data version, sorted, and
each cell's text."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404

from xunzhi.campaigns.models import Campaign
from xunzhi.city.webglue import data_stamp, figure_cache
from xunzhi.figures.compare import Comparison, UnitRow, units_compare
from xunzhi.organisations.models import Org, OrgKind


def city_of(scope: Org) -> Org:
    """The city a user compares: their scope, which must be a city (403 for anyone else)."""
    if scope.kind != OrgKind.CITY:
        raise PermissionDenied("各县比较只对市一级的用户开放：您的管理范围不是一个市。")
    return scope


def comparison_cached(*, campaign: Campaign, city: Org, until: dt.date) -> Comparison:
    """``units_compare`` of ``city``, computed once per data version and campaign file."""
    key = f"xz:city:{campaign.pk}:{campaign.source_sha256[:12]}:{city.path}:{until}:{data_stamp()}"
    cache = figure_cache()
    comparison: Comparison | None = cache.get(key)
    if comparison is None:
        comparison = units_compare(campaign=campaign, unit=city, until=until)
        cache.set(key, comparison, 3600)
    return comparison


def rows_sorted(comparison: Comparison, column: str, descending: bool) -> list[UnitRow]:
    """The counties ordered by ``column`` (a key of ``comparison.columns()``; 404 for any other),
    empty values last whatever the direction; ties keep the tree's order."""
    if column not in dict(comparison.columns()):
        raise Http404(f"不能按“{column[:40]}”排序：没有这一列。")
    present = [r for r in comparison.rows if r.value(column) is not None]
    empty = [r for r in comparison.rows if r.value(column) is None]
    present.sort(key=lambda r: Decimal(r.value(column) or 0), reverse=descending)
    return present + empty


def cell_text(row: UnitRow, column: str) -> str:
    """A cell as the page prints it: 1,234 · 12.5 · 87.5% · 3/12（25.0%） · — when empty."""
    if column.startswith("rule:"):
        extent = row.rules.get(column[5:])
        if extent is None or not extent.total:
            return "—"
        return f"{extent.short}/{extent.total}（{percent(extent.share)}）"
    value = row.value(column)
    if value is None:
        return "—"
    if column.endswith("_rate"):
        return percent(Decimal(value))
    if column.endswith("_per100"):
        return f"{value}"
    return f"{int(value):,}"


def percent(ratio: Decimal | None) -> str:
    if ratio is None:
        return "—"
    return f"{(ratio * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
