"""What a city's report says of its counties: the sums and who leads and trails.

``counties_view`` turns :func:`xunzhi.figures.compare.units_compare` into the texts the report
template prints as ``counties`` (docs/city.md): how many counties, the city's members and
activities, and for each headline measure the city's value, the county that leads and the one
that trails, every number in the display styles of the report (多, %, one decimal). The words
of the sentence are the template's; ``counties`` is None for a unit without counties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xunzhi.campaigns.models import Campaign
from xunzhi.figures.compare import Comparison, UnitRow, counties_of, units_compare
from xunzhi.figures.display import figure_display
from xunzhi.figures.engine import Scope
from xunzhi.organisations.models import Org, OrgKind

#: The measures compared, each higher-is-better: (column, label, measure word or "%").
MEASURES: tuple[tuple[str, str, str], ...] = (
    ("activities_per100", "每百名党员开展活动", "场次"),
    ("projects_done_rate", "办实事项目完成率", "%"),
    ("problems_done_rate", "问题整改率", "%"),
)


@dataclass(frozen=True)
class CountyMeasure:
    """One measure across the counties: the whole unit's value, the first and the last."""

    label: str
    overall: str
    first: str
    first_text: str
    last: str
    last_text: str
    tied: bool
    is_rate: bool


@dataclass(frozen=True)
class CountiesView:
    count: int
    word: str  # 县（市、区）
    members: str
    activities: str
    measures: tuple[CountyMeasure, ...]


def _text(value: Decimal | int | None, unit: str, *, tenth: bool = False) -> str:
    if value is None:
        return ""
    if unit == "%":
        return figure_display(Decimal(value), "%", tenth=tenth)
    return f"{figure_display(Decimal(value))}{unit}"


def _measure(comparison: Comparison, column: str, label: str, unit: str) -> CountyMeasure | None:
    present = [r for r in comparison.rows if r.value(column) is not None]
    if len(present) < 2:
        return None
    ranked: list[UnitRow] = sorted(present, key=lambda r: Decimal(r.value(column) or 0))
    last, first = ranked[0], ranked[-1]
    high, low = first.value(column), last.value(column)
    tied = high == low
    tenth = not tied and _text(high, unit) == _text(low, unit)
    return CountyMeasure(
        label=label,
        overall=_text(comparison.total.value(column), unit),
        first=first.org.name,
        first_text=_text(high, unit, tenth=tenth),
        last=last.org.name,
        last_text=_text(low, unit, tenth=tenth),
        tied=tied,
        is_rate=unit == "%",
    )


def counties_view(
    *, campaign: Campaign, unit: Org, until: dt.date | None, scope: Scope | None = None
) -> CountiesView | None:
    """The counties paragraph's facts for a city with at least two counties (a province: two
    cities), else None. ``scope``: the report's (its grouped rows are read once)."""
    compared = counties_of(unit)
    if len(compared) < 2:
        return None
    comparison = units_compare(campaign=campaign, unit=unit, until=until, rules=False, scope=scope)
    total = comparison.total
    measures = [_measure(comparison, *m) for m in MEASURES]
    return CountiesView(
        count=len(comparison.rows),
        word=campaign.spec.vocabulary.kind_word(OrgKind(compared[0].kind)),
        members=figure_display(total.counts["members"], "多"),
        activities=figure_display(total.counts["activities"], "多"),
        measures=tuple(m for m in measures if m is not None),
    )
