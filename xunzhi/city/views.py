"""The city page (/city/): the counties side by side, sortable, a chart, a drill-down into each
county's dashboard, and the same comparison as .xlsx. Only for users whose scope is a city."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xunzhi.campaigns.selectors import unit_level
from xunzhi.city.exports import comparison_workbook
from xunzhi.city.selectors import cell_text, city_of, comparison_cached, percent, rows_sorted
from xunzhi.city.webglue import (
    XLSX,
    bar_chart,
    campaign_today,
    download_response,
    grouped_bars,
    page_context,
    request_campaign,
    text_param,
    until_param,
    user_scope,
)
from xunzhi.figures.compare import Comparison, UnitRow
from xunzhi.organisations.models import OrgKind


def _comparison(request: HttpRequest) -> Comparison:
    city = city_of(user_scope(request.user))
    campaign = request_campaign(request)
    until = until_param(request) or campaign_today(campaign)
    return comparison_cached(campaign=campaign, city=city, until=until)


def _charts(comparison: Comparison) -> dict[str, str]:
    names = [r.org.name for r in comparison.rows]

    def share(row: UnitRow, key: str) -> float | None:
        value = row.rate(key)
        return round(float(value) * 100, 1) if value is not None else None

    return {
        "per100": bar_chart(
            [(r.org.name, float(r.per_100("activities") or 0)) for r in comparison.rows],
            title="每百名党员开展活动（场次）",
        ),
        "rates": grouped_bars(
            names,
            [
                (label, [share(r, key) for r in comparison.rows])
                for key, label in (
                    ("projects_done_rate", "项目完成率"),
                    ("problems_done_rate", "问题整改率"),
                    ("problems_overdue_rate", "问题超期率"),
                )
            ],
            percent=True,
        ),
    }


@login_required
def city_page(request: HttpRequest) -> HttpResponse:
    comparison = _comparison(request)
    campaign = request_campaign(request)
    column = text_param(request.GET, "sort") or ""
    descending = request.GET.get("dir", "desc") != "asc"
    rows = rows_sorted(comparison, column, descending) if column else comparison.rows
    columns = comparison.columns()
    table = [{"org": r.org, "cells": [cell_text(r, key) for key, _ in columns]} for r in [*rows]]
    ctx = page_context(
        request,
        comparison=comparison,
        columns=[
            {
                "key": key,
                "label": label,
                "active": key == column,
                "next_dir": "asc" if key == column and descending else "desc",
            }
            for key, label in columns
        ],
        table=table,
        total=[cell_text(comparison.total, key) for key, _ in columns],
        sort=column,
        descending=descending,
        charts=_charts(comparison),
        leaders=_leaders(comparison),
        whole=unit_level(campaign=campaign, unit=comparison.unit).words["whole"],
        county_word=campaign.spec.vocabulary.kind_word(OrgKind.COUNTY),
    )
    return render(request, "city/city.html", ctx)


def _leaders(comparison: Comparison) -> list[dict[str, str]]:
    """For a few headline measures, the county that leads and the one that trails."""
    out = []
    for key, label in (
        ("activities_per100", "每百名党员开展活动"),
        ("projects_done_rate", "项目完成率"),
        ("problems_done_rate", "问题整改率"),
    ):
        ranked = rows_sorted(comparison, key, True)
        present = [r for r in ranked if r.value(key) is not None]
        if len(present) < 2:
            continue
        first, last = present[0], present[-1]
        fmt = (lambda v: percent(Decimal(v))) if key.endswith("_rate") else str
        out.append(
            {
                "label": label,
                "first": f"{first.org.name}（{fmt(first.value(key))}）",
                "last": f"{last.org.name}（{fmt(last.value(key))}）",
            }
        )
    return out


@login_required
def city_export(request: HttpRequest) -> HttpResponse:
    comparison = _comparison(request)
    name = f"各县比较-{comparison.unit.name}-{comparison.until:%Y%m%d}.xlsx"
    return download_response(comparison_workbook(comparison), name, XLSX)
