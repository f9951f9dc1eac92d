"""Reads behind a figure: the source rows that produced it (for the trace page and the check sheet)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Model, QuerySet

from xunzhi.campaigns.models import Campaign
from xunzhi.figures.engine import Scope, latest_values_queryset, measure_queryset, value_aggregate
from xunzhi.figures.spec import Measure, campaign_figure_spec
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


def _measure_sources(measure: Measure, scope: Scope) -> list[QuerySet[Model]]:
    if measure.ledger == "values":
        items = measure.group_values or ()
        latest = [i for i in items if value_aggregate(scope, i) == "latest"]
        summed = [i for i in items if i not in latest]
        out: list[QuerySet[Model]] = []
        if latest:
            only = Measure(
                ledger="values",
                sum="value",
                where=tuple((k, tuple(latest) if k == "item" else v) for k, v in measure.where),
            )
            out.append(latest_values_queryset(only, scope))
        if summed:
            only = Measure(
                ledger="values",
                sum="value",
                where=tuple((k, tuple(summed) if k == "item" else v) for k, v in measure.where),
            )
            out.append(measure_queryset(only, scope))
        return out
    return [measure_queryset(measure, scope)]


def figure_sources(
    *, campaign: Campaign, unit: Org, until: dt.date | None = None, code: str
) -> list[QuerySet[Model]]:
    """The querysets of source rows of figure ``code``, one per measure (numerator first for ratios).

    Each row carries its provenance (``source_batch``, ``source_sheet``, ``source_row``).
    """
    fspec = campaign_figure_spec(campaign)
    figure = fspec.by_code.get(code)
    if figure is None:
        raise UserError(f"活动“{campaign.name}”没有数据项 {code}。")
    scope = Scope.make(campaign=campaign, unit=unit, until=until)
    out: list[QuerySet[Model]] = []
    for measure in figure.all_measures():
        for qs in _measure_sources(measure, scope):
            out.append(qs.select_related("org", "source_batch"))
    return out
