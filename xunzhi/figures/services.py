"""Figures and rules of one evaluated unit, computed in the database.

``figures_compute`` answers every ``[[figures]]`` entry of the campaign file;
``rules_evaluate`` answers every ``[[rules]]`` entry. Both only read; they are
services because every interface (report, web page, CLI) calls them.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, cast

from django.db.models import Count

from xunzhi.campaigns.levels import Level, Vocabulary, level_text
from xunzhi.campaigns.models import Campaign
from xunzhi.figures.display import figure_display
from xunzhi.figures.engine import Agg, Scope, measure_queryset, measures_evaluate
from xunzhi.figures.spec import Condition, FigureDef, Measure, RuleDef, campaign_figure_spec
from xunzhi.organisations.models import Org, OrgKind


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
    campaign: Campaign
    cutoff: dt.date
    until: dt.date | None
    values: dict[str, FigureValue]
    level: Level | None = None

    def __getitem__(self, code: str) -> FigureValue:
        return self.values[code]

    def __contains__(self, code: str) -> bool:
        return code in self.values

    def __iter__(self) -> Iterator[FigureValue]:
        return iter(self.values.values())

    def __len__(self) -> int:
        return len(self.values)


def _figure_value(
    figure: FigureDef,
    aggs: dict[Measure, Agg],
    lists: dict[str, tuple[list[str], int]],
    level: Level,
    unit: Org,
) -> FigureValue:
    def total(measures: Iterable[Measure]) -> tuple[Decimal | int | None, int]:
        value: Decimal | int | None = None
        rows = 0
        for measure in measures:
            agg = aggs[measure]
            rows += agg.rows
            part = agg.value(measure)
            if part is not None:
                value = part if value is None else value + part
        return value, rows

    common: dict[str, Any] = {
        "code": figure.code,
        "name": level_text(figure.name, level, unit=unit.name),
        "definition": figure.describe(level.words["rank"]),
        "style": figure.style,
        "unit": figure.unit,
        "kind": figure.kind,
    }
    if figure.kind == "list":
        names, rows = lists[figure.code]
        text = "、".join(names)
        return FigureValue(
            value=text, text=text or None, source_count=rows, parts={"names": names}, **common
        )
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
        ratio = Decimal(num) / Decimal(den)
        return FigureValue(
            value=ratio,
            text=figure_display(ratio, figure.style),
            source_count=num_rows + den_rows,
            parts={"numerator": num, "denominator": den},
            **common,
        )
    value, rows = total(figure.measures)
    printed = None if value is None else figure_display(value, figure.style)
    return FigureValue(value=value, text=printed, source_count=rows, **common)


def _list_values(figure: FigureDef, scope: Scope) -> tuple[list[str], int]:
    """Distinct names (the first ``limit`` by code point, the same on every database) and the
    number of source rows, in one query."""
    field_name = figure.list_field
    grouped = (
        measure_queryset(figure.measures[0], scope)
        .values(field_name)
        .annotate(_n=Count("pk"))
        .order_by()
    )
    counts = {row[field_name]: row["_n"] for row in grouped}
    names = sorted(name for name in counts if name)[: figure.limit]
    return names, sum(counts.values())


def figures_compute(
    *, campaign: Campaign, unit: Org, until: dt.date | None = None, scope: Scope | None = None
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
    level = scope.level
    values = {f.code: _figure_value(f, aggs, lists, level, unit) for f in fspec.figures}
    _rates_apart(values)
    return FigureSet(
        unit=unit, campaign=campaign, cutoff=scope.cutoff, until=until, values=values, level=level
    )


def _rates_apart(values: dict[str, FigureValue]) -> None:
    """Two different rates that would print alike (95% and 95%) both keep their tenth."""
    rates = [v for v in values.values() if v.style == "%" and isinstance(v.value, Decimal | int)]
    by_text: dict[str, list[FigureValue]] = defaultdict(list)
    for rate in rates:
        by_text[rate.text or ""].append(rate)
    for same in by_text.values():
        if len({rate.value for rate in same}) > 1:
            for rate in same:
                rate.text = figure_display(cast(Decimal | int, rate.value), "%", tenth=True)


# --- rules -----------------------------------------------------------------------------------


@dataclass(slots=True)
class UnitMeasure:
    """One unit measured by a rule: its measures (per condition label) and whether it fell short."""

    org_id: int
    code: str
    name: str
    kind: str
    measures: dict[str, Decimal | int | None]
    short: bool
    path: str = ""
    #: the name as a sentence prints it: with the unit it lies in when that is not the evaluated
    #: unit itself (城关镇何林村党支部 in a county report, 青山县城关镇 in a city report)
    label: str = ""


@dataclass
class RuleResult:
    """One rule over one unit's subtree: whether it fires and the evidence (the units measured)."""

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
    #: the units named as examples: the furthest from the threshold first, at most rule.examples
    examples: list[UnitMeasure] = field(default_factory=list)
    #: how the short units, and all measured units, are named (乡镇和部门, 基层党组织)
    unit_word: str = ""
    base_word: str = ""
    #: in the report? True (shown), False (fired but not shown: ``omitted`` says why), None
    shown: bool | None = None
    omitted: str = ""

    @property
    def short_units(self) -> list[UnitMeasure]:
        return [u for u in self.units if u.short]

    @property
    def goal(self) -> str:
        return self.rule.goal if self.rule else ""

    @property
    def averages(self) -> dict[str, Decimal | None]:
        out: dict[str, Decimal | None] = {}
        for condition in self.rule.conditions if self.rule else ():
            present = [u.measures.get(condition.label) for u in self.units]
            values = [Decimal(v) for v in present if v is not None]
            out[condition.label] = sum(values, Decimal(0)) / len(values) if values else None
        return out

    def short_sum(self) -> Decimal:
        """The first condition's measure added up over the short units (e.g. overdue projects)."""
        label = self.rule.conditions[0].label if self.rule else ""
        return sum((Decimal(str(u.measures.get(label) or 0)) for u in self.short_units), Decimal(0))

    def zero_units(self) -> int:
        """Short units whose first measure is zero or missing (e.g. no seminar at all)."""
        label = self.rule.conditions[0].label if self.rule else ""
        return sum(1 for u in self.short_units if not u.measures.get(label))


Compare = Callable[[Decimal | int, Decimal], bool]

_COMPARE: dict[str, Compare] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


class CompiledCondition(NamedTuple):
    """A rule's condition ready to apply: its measures' per-unit tables and its threshold."""

    condition: Condition
    tables: list[dict[str, Agg]]
    threshold: Decimal
    compare: Compare


def _setting(value: Any, settings: dict[str, Any]) -> Any:
    return settings[value] if isinstance(value, str) else value


class UnitRef(NamedTuple):
    """A unit a rule measures: what the rule's result names of it (read without model objects:
    a province's rule may measure tens of thousands of branches)."""

    pk: int
    code: str
    name: str
    kind: str
    path: str


def _level_units(rule: RuleDef, unit: Org, scope: Scope) -> list[UnitRef]:
    """The units a rule measures: the unit itself (self), its direct children of the level's
    sub-kinds (sub, without its leading body), or units of the given kinds strictly below it."""
    if rule.is_self:
        return [UnitRef(unit.pk, unit.code, unit.name, unit.kind, unit.path)]
    key = ("level_units", unit.pk, rule.is_sub, tuple(rule.level))
    cached: list[UnitRef] | None = scope.cache.get(key)
    if cached is None:
        cached = scope.cache[key] = _level_units_read(rule, unit, scope)
    return cached


def _level_units_read(rule: RuleDef, unit: Org, scope: Scope) -> list[UnitRef]:
    qs = Org.objects.in_subtree(unit).filter(depth__gt=unit.depth)
    if rule.is_sub:
        qs = qs.filter(depth=unit.depth + 1, kind__in=scope.level.sub_kinds, is_leading_body=False)
    else:
        qs = qs.filter(kind__in=rule.level)
    fields = ("id", "code", "name", "kind", "path")
    return [UnitRef(*row) for row in qs.order_by("path").values_list(*fields)]


def _condition_measures(condition: Condition) -> list[Measure]:
    """A ratio's numerator and denominator, else the one measure (the parser requires them)."""
    numerator, denominator = condition.numerator, condition.denominator
    if numerator is not None and denominator is not None:
        return [numerator, denominator]
    return [condition.measure] if condition.measure is not None else []


class UnitMap(Mapping[int, tuple[str, ...]]):
    """Org id → paths of the measured units it lies under (itself included), worked out on
    demand (most lookups are for the few units that have rows); ``paths``: the measured units."""

    def __init__(self, units: Sequence[UnitRef], scope: Scope) -> None:
        self.paths = frozenset(u.path for u in units)
        if any(len(p) % Org.steplen for p in self.paths):
            raise ValueError("organisation path not a multiple of the step length")
        self._lengths = sorted({len(p) for p in self.paths})
        self._org_paths = scope.org_paths()
        self._memo: dict[int, tuple[str, ...]] = {}

    def get(self, org_id: int, default: Any = None) -> Any:
        """Never raises (called once per grouped row, most of them under no measured unit)."""
        keys = self._memo.get(org_id)
        if keys is None:
            path = self._org_paths.get(org_id, "")
            keys = tuple(path[:n] for n in self._lengths if path[:n] in self.paths)
            self._memo[org_id] = keys
        return keys or default

    def __getitem__(self, org_id: int) -> tuple[str, ...]:
        keys: tuple[str, ...] | None = self.get(org_id)
        if keys is None:
            raise KeyError(org_id)
        return keys

    def __iter__(self) -> Iterator[int]:
        return (pk for pk in self._org_paths if pk in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def rule_units_measure(
    rule: RuleDef, units: Sequence[UnitRef], scope: Scope
) -> tuple[dict[str, Any], list[CompiledCondition], list[UnitMeasure]]:
    """One rule's thresholds, compiled conditions and measured ``units`` (any units of
    ``scope``'s subtree: the city comparison measures every county's units in one go)."""
    settings = scope.campaign.spec.settings
    measures = [m for c in rule.conditions for m in _condition_measures(c)]
    per_prefix = measures_evaluate(measures, scope, unit_of=UnitMap(units, scope))
    thresholds = {
        c.label: _prorated(_setting(c.threshold, settings), scope)
        if rule.prorate and not (c.is_ratio or c.percent)
        else _setting(c.threshold, settings)
        for c in rule.conditions
    }
    compiled = [
        CompiledCondition(
            condition,
            [per_prefix.get(m, {}) for m in _condition_measures(condition)],
            Decimal(str(thresholds[condition.label])),
            _COMPARE[condition.compare],
        )
        for condition in rule.conditions
    ]
    return thresholds, compiled, _units_measure(units, compiled, combine=rule.combine)


def rule_level_units(rule: RuleDef, unit: Org, scope: Scope) -> list[UnitRef]:
    """The units ``rule`` measures in ``unit``'s report (``scope`` is that unit's)."""
    return _level_units(rule, unit, scope)


def rules_evaluate(
    *, campaign: Campaign, unit: Org, until: dt.date | None = None, scope: Scope | None = None
) -> list[RuleResult]:
    """Every rule of the campaign over ``unit``'s subtree, in the campaign file's order.

    Which fired rules the report shows, and in what order, is the report's choice
    (:func:`xunzhi.reports.compose.problems_select`).
    """
    fspec = campaign_figure_spec(campaign)
    scope = scope or Scope.make(campaign=campaign, unit=unit, until=until)
    settings = campaign.spec.settings
    vocabulary = campaign.spec.vocabulary
    results: list[RuleResult] = []
    for rule in fspec.rules:
        units = _level_units(rule, unit, scope)
        thresholds, compiled, measured = rule_units_measure(rule, units, scope)
        total = len(measured)
        short = [u for u in measured if u.short]
        share = len(short) / total if total else 0.0
        required = float(_setting(rule.unit_share, settings) or 0)
        fired = total > 0 and len(short) >= rule.min_units and share >= required
        order = [k for k in (rule.level if not rule.is_sub else scope.level.sub_kinds)]
        results.append(
            RuleResult(
                code=rule.code,
                name=level_text(rule.name, scope.level, unit=unit.name),
                fired=fired,
                strength=round(rule.weight * share, 6),
                units_total=total,
                units_short=len(short),
                share=share,
                required_share=required,
                thresholds=thresholds,
                units=measured,
                rule=rule,
                examples=_labelled(_worst(short, compiled, rule.examples, unit), unit),
                unit_word=rule.unit_word or _kinds_word(vocabulary, short, order),
                base_word=rule.unit_word or _kinds_word(vocabulary, measured, order),
            )
        )
    return results


def _units_measure(
    units: Sequence[UnitRef], compiled: list[CompiledCondition], *, combine: str
) -> list[UnitMeasure]:
    """Each unit's measure per condition and whether it falls short (any/all conditions)."""
    measured: list[UnitMeasure] = []
    prepared = [
        (
            c.condition.label,
            *_condition_values(c.condition, c.tables),
            c.threshold,
            c.compare,
            c.condition.missing == "short",
        )
        for c in compiled
    ]
    every = combine != "any"  # all conditions short, else any
    for org in units:  # ~10^5 units for a province's rules over every 党支部
        values: dict[str, Decimal | int | None] = {}
        short = every
        for label, by_path, default, threshold, compare, missing_short in prepared:
            value = values[label] = by_path.get(org.path, default)
            # int and Decimal compare exactly with a Decimal threshold
            flag = missing_short if value is None else compare(value, threshold)
            if flag != every:  # one condition decides: not short (all), short (any)
                short = flag
        measured.append(
            UnitMeasure(org.pk, org.code, org.name, org.kind, values, short, org.path, org.name)
        )
    return measured


def _condition_values(
    condition: Condition, tables: list[dict[str, Agg]]
) -> tuple[dict[str, Decimal | int | None], Decimal | int | None]:
    """A condition's measure of every unit that has rows (by path), and of a unit without."""
    measures = _condition_measures(condition)
    if not condition.is_ratio:
        measure = measures[0]
        empty = None if measure.ledger == "values" else 0  # a reported value is missing
        return {path: agg.value(measure) for path, agg in tables[0].items()}, empty
    out: dict[str, Decimal | int | None] = {}
    for path in tables[1]:  # no denominator rows: no ratio
        num = _table_value(tables[0], path, measures[0])
        den = _table_value(tables[1], path, measures[1])
        out[path] = None if num is None or not den else Decimal(num) / Decimal(den)
    return out, None


def _kinds_word(vocabulary: Vocabulary, units: list[UnitMeasure], order: list[str]) -> str:
    """乡镇和部门: the words of the kinds present among ``units``, in the rule's order."""
    present = {u.kind for u in units}
    kinds = [k for k in order if k in present] + sorted(present - set(order))
    return vocabulary.kinds_word(kinds)


#: Ancestors whose names a nested example carries besides the one under the evaluated unit:
#: places (a 党支部 of a township in a city report: 青山县城关镇何林村党支部).
_PLACE_KINDS = frozenset({OrgKind.CITY, OrgKind.COUNTY, OrgKind.TOWNSHIP})


def _labelled(examples: list[UnitMeasure], unit: Org) -> list[UnitMeasure]:
    """Name each example with the unit directly under the evaluated one that it lies in, and
    the places between (a county in a province's report), unless its name already says so
    (县教育局机关党支部 under 青山县 → 青山县教育局机关党支部) — one query for those names."""
    step = Org.steplen
    top = len(unit.path) + step
    wanted = {
        u.path[:n] for u in examples for n in range(top, len(u.path), step) if len(u.path) > top
    }
    rows = Org.objects.filter(path__in=wanted).values_list("path", "name", "kind")
    names = {path: (name, kind) for path, name, kind in rows} if wanted else {}
    for example in examples:
        label = example.name
        for n in range(len(example.path) - step, top - 1, -step):  # the nearest first
            name, kind = names.get(example.path[:n], ("", ""))
            if not name or label.startswith(name) or (n > top and kind not in _PLACE_KINDS):
                continue
            # 县教育局 under 青山县 → 青山县教育局; 何林村党支部 under 城关镇 → 城关镇何林村党支部
            merge = label[:1] in "县市区" and label[:1] == name[-1:]
            label = name + label[1:] if merge else name + label
        example.label = label
    return examples


def _worst(
    short: list[UnitMeasure], compiled: list[CompiledCondition], limit: int, unit: Org
) -> list[UnitMeasure]:
    """The short units furthest from the first condition that they fail, worst first: the
    examples a sentence names. Among equally short units, one from each unit directly under the
    evaluated one comes before a second from the same (examples spread over townships or
    counties), then by code."""

    def distance(measured: UnitMeasure) -> tuple[int, Decimal]:
        for condition, _, threshold, compare in compiled:
            value = measured.measures.get(condition.label)
            if value is None:
                if condition.missing == "short":
                    return (0, Decimal("-Infinity"))
                continue
            if compare(Decimal(value), threshold):
                gap = Decimal(value) - threshold
                return (0, gap if condition.compare in ("<", "<=") else -gap)
        return (1, Decimal(0))

    top = len(unit.path) + Org.steplen
    ranked = sorted(short, key=lambda u: (distance(u), u.code))
    seen: dict[tuple[tuple[int, Decimal], str], int] = defaultdict(int)
    keyed = []
    for measured in ranked:
        gap = distance(measured)
        group = (gap, measured.path[:top])
        keyed.append((gap, seen[group], measured.code, measured))
        seen[group] += 1
    keyed.sort(key=lambda item: item[:3])
    return [item[3] for item in keyed[:limit]]


def _prorated(threshold: Any, scope: Scope) -> Any:
    """A campaign-long minimum scaled to the part of the campaign before the cut-off (rounded up)."""
    end = scope.campaign.end_date
    if isinstance(end, str):
        end = dt.date.fromisoformat(end)
    total = (end - scope.start).days
    if scope.cutoff >= end or total <= 0 or threshold <= 0:
        return threshold
    share = Decimal((scope.cutoff - scope.start).days) / Decimal(total)
    return max(1, math.ceil(Decimal(str(threshold)) * share))


def _table_value(table: dict[str, Agg], path: str, measure: Measure) -> Decimal | int | None:
    """One measure of one unit from its per-unit table."""
    agg = table.get(path)
    if agg is None:  # no rows: a count or sum is 0, a reported value is missing
        return None if measure.ledger == "values" else 0
    return agg.value(measure)
