"""Figures and rules of one evaluated unit, computed in the database.

``figures_compute`` answers every ``[[figures]]`` entry of the campaign file;
``rules_evaluate`` answers every ``[[rules]]`` entry. Both only read; they are
services because every interface (report, web page, CLI) calls them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count

from xunzhi.figures.display import figure_display
from xunzhi.figures.engine import Scope, measure_queryset, measures_evaluate
from xunzhi.figures.spec import Condition, FigureDef, RuleDef, campaign_figure_spec
from xunzhi.organisations.models import Org


@dataclass
class FigureValue:
    """One computed figure: its value, its printed text and where it came from."""

    code: str
    name: str
    definition: str
    style: str
    unit: str
    kind: str
    value: Decimal | int | str | None
    text: str | None
    source_count: int
    parts: dict[str, Any] = field(default_factory=dict)

    @property
    def missing(self) -> bool:
        return self.value is None or self.value == "" or self.value == []

    def __bool__(self) -> bool:
        """True when the figure has something to say (present and not zero)."""
        if self.missing:
            return False
        if isinstance(self.value, str):
            return True
        return self.value != 0

    def __str__(self) -> str:
        return self.text or ""


@dataclass
class FigureSet:
    """``code → FigureValue`` for one unit, campaign and cut-off."""

    unit: Org
    campaign: Any
    cutoff: dt.date
    until: dt.date | None
    values: dict[str, FigureValue]

    def __getitem__(self, code: str) -> FigureValue:
        return self.values[code]

    def __contains__(self, code: str) -> bool:
        return code in self.values

    def __iter__(self) -> Iterator[FigureValue]:
        return iter(self.values.values())

    def __len__(self) -> int:
        return len(self.values)


def _figure_value(figure: FigureDef, aggs: dict, lists: dict) -> FigureValue:
    def total(measures) -> tuple[Decimal | int | None, int]:
        value: Decimal | int | None = None
        rows = 0
        for measure in measures:
            agg = aggs[measure]
            rows += agg.rows
            part = agg.value(measure)
            if part is not None:
                value = part if value is None else value + part
        return value, rows

    common = dict(
        code=figure.code,
        name=figure.name,
        definition=figure.describe(),
        style=figure.style,
        unit=figure.unit,
        kind=figure.kind,
    )
    if figure.kind == "list":
        names, rows = lists[figure.code]
        text = "、".join(names)
        return FigureValue(value=text, text=text or None, source_count=rows, **common)
    if figure.kind == "ratio":
        num, num_rows = total(figure.numerator)
        den, den_rows = total(figure.denominator)
        if num is None or not den:
            return FigureValue(
                value=None,
                text=None,
                source_count=num_rows + den_rows,
                parts={"numerator": num, "denominator": den},
                **common,
            )
        value = Decimal(num) / Decimal(den)
        return FigureValue(
            value=value,
            text=figure_display(value, figure.style),
            source_count=num_rows + den_rows,
            parts={"numerator": num, "denominator": den},
            **common,
        )
    value, rows = total(figure.measures)
    text = None if value is None else figure_display(value, figure.style)
    return FigureValue(value=value, text=text, source_count=rows, **common)


def _list_values(figure: FigureDef, scope: Scope) -> tuple[list[str], int]:
    """Distinct names (first ``limit`` in order) and the number of source rows, in one query."""
    field_name = figure.list_field
    grouped = (
        measure_queryset(figure.measures[0], scope)
        .values(field_name)
        .annotate(_n=Count("pk"))
        .order_by(field_name)
    )
    names: list[str] = []
    rows = 0
    for row in grouped:
        rows += row["_n"]
        if row[field_name] and len(names) < figure.limit:
            names.append(row[field_name])
    return names, rows


def figures_compute(
    *, campaign, unit: Org, until: dt.date | None = None, scope: Scope | None = None
) -> FigureSet:
    """Every figure of the campaign over ``unit``'s subtree, up to ``until`` (or the campaign end).

    ``scope``: pass the one used for :func:`rules_evaluate` to share grouped queries.
    """
    fspec = campaign_figure_spec(campaign)
    scope = scope or Scope.make(campaign=campaign, unit=unit, until=until)
    aggs = measures_evaluate(
        [m for f in fspec.figures if f.kind != "list" for m in f.all_measures()], scope
    )
    lists = {f.code: _list_values(f, scope) for f in fspec.figures if f.kind == "list"}
    values = {f.code: _figure_value(f, aggs, lists) for f in fspec.figures}
    return FigureSet(unit=unit, campaign=campaign, cutoff=scope.cutoff, until=until, values=values)


# --- rules -----------------------------------------------------------------------------------


@dataclass
class UnitMeasure:
    """One unit measured by a rule: its measures (per condition label) and whether it fell short."""

    org_id: int
    code: str
    name: str
    kind: str
    measures: dict[str, Decimal | int | None]
    short: bool


@dataclass
class RuleResult:
    code: str
    name: str
    fired: bool
    strength: float
    units_total: int
    units_short: int
    share: float
    required_share: float
    thresholds: dict[str, Any]
    units: list[UnitMeasure]
    sentence: str = ""
    suggestion: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    rule: RuleDef | None = None

    @property
    def short_units(self) -> list[UnitMeasure]:
        return [u for u in self.units if u.short]

    @property
    def averages(self) -> dict[str, Decimal | None]:
        out: dict[str, Decimal | None] = {}
        for condition in self.rule.conditions if self.rule else ():
            values = [u.measures.get(condition.label) for u in self.units]
            values = [Decimal(v) for v in values if v is not None]
            out[condition.label] = sum(values) / len(values) if values else None
        return out


_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _setting(value: Any, settings: dict[str, Any]) -> Any:
    return settings[value] if isinstance(value, str) else value


def _level_units(rule: RuleDef, unit: Org) -> list[Org]:
    if rule.is_self:
        return [unit]
    return list(
        Org.objects.filter(path__startswith=unit.path, kind__in=rule.level)
        .order_by("path")
        .only("id", "code", "name", "kind", "path")
    )


def _condition_measures(condition: Condition):
    if condition.is_ratio:
        return [condition.numerator, condition.denominator]
    return [condition.measure]


def _unit_map(units: list[Org], scope: Scope) -> dict[int, tuple[str, ...]]:
    """Org id → paths of the measured units it lies under (itself included)."""
    steplen = Org.steplen
    wanted = {org.path for org in units}
    lengths = sorted({len(path) for path in wanted})
    out: dict[int, tuple[str, ...]] = {}
    for org_id, path in scope.org_paths().items():
        keys = tuple(path[:n] for n in lengths if n <= len(path) and path[:n] in wanted)
        if keys:
            out[org_id] = keys
    assert all(len(p) % steplen == 0 for p in wanted)
    return out


def rules_evaluate(
    *, campaign, unit: Org, until: dt.date | None = None, scope: Scope | None = None
) -> list[RuleResult]:
    """Every rule of the campaign over ``unit``'s subtree; fired rules strongest first."""
    fspec = campaign_figure_spec(campaign)
    scope = scope or Scope.make(campaign=campaign, unit=unit, until=until)
    settings = campaign.spec.settings
    results: list[RuleResult] = []
    for rule in fspec.rules:
        units = _level_units(rule, unit)
        measures = [m for c in rule.conditions for m in _condition_measures(c)]
        per_prefix = measures_evaluate(measures, scope, unit_of=_unit_map(units, scope))
        thresholds = {c.label: _setting(c.threshold, settings) for c in rule.conditions}
        if rule.prorate:
            thresholds = {k: _prorated(v, scope) for k, v in thresholds.items()}
        compiled = [
            (
                condition,
                [per_prefix.get(m, {}) for m in _condition_measures(condition)],
                Decimal(str(thresholds[condition.label])),
                _COMPARE[condition.compare],
            )
            for condition in rule.conditions
        ]
        measured: list[UnitMeasure] = []
        for org in units:
            values: dict[str, Decimal | int | None] = {}
            flags: list[bool] = []
            for condition, tables, threshold, compare in compiled:
                value = _unit_value(condition, tables, org.path)
                values[condition.label] = value
                if value is None:
                    flags.append(condition.missing == "short")
                else:
                    flags.append(compare(Decimal(value), threshold))
            short = any(flags) if rule.combine == "any" else all(flags)
            measured.append(
                UnitMeasure(
                    org_id=org.pk,
                    code=org.code,
                    name=org.name,
                    kind=org.kind,
                    measures=values,
                    short=short,
                )
            )
        total = len(measured)
        short_count = sum(1 for u in measured if u.short)
        share = short_count / total if total else 0.0
        required = float(_setting(rule.unit_share, settings) or 0)
        fired = total > 0 and short_count >= rule.min_units and share >= required
        results.append(
            RuleResult(
                code=rule.code,
                name=rule.name,
                fired=fired,
                strength=round(rule.weight * share, 6),
                units_total=total,
                units_short=short_count,
                share=share,
                required_share=required,
                thresholds=thresholds,
                units=measured,
                rule=rule,
            )
        )
    results.sort(key=lambda r: (not r.fired, -r.strength))
    return results


def _prorated(threshold: Any, scope: Scope) -> Any:
    """A campaign-long minimum scaled to the part of the campaign before the cut-off (rounded up)."""
    end = scope.campaign.end_date
    if isinstance(end, str):
        end = dt.date.fromisoformat(end)
    total = (end - scope.start).days
    if scope.cutoff >= end or total <= 0:
        return threshold
    share = Decimal((scope.cutoff - scope.start).days) / Decimal(total)
    return max(1, math.ceil(Decimal(str(threshold)) * share))


def _unit_value(condition: Condition, tables: list[dict], path: str) -> Decimal | int | None:
    """The measure of one unit: ``tables`` are the per-unit results of the condition's measures."""
    measures = _condition_measures(condition)

    def one(index: int):
        agg = tables[index].get(path)
        if agg is None:  # no rows: a count or sum is 0, a reported value is missing
            return None if measures[index].ledger == "values" else 0
        return agg.value(measures[index])

    if condition.is_ratio:
        num, den = one(0), one(1)
        if num is None or not den:
            return None
        return Decimal(num) / Decimal(den)
    return one(0)
