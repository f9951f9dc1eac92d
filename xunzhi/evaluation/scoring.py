"""Scores of every unit under an evaluating unit, computed in grouped queries.

The scored units are the evaluating unit's direct children of its level's ``sub_kinds``
(乡镇和部门 for a county), without its 领导班子 — the units a rule with ``level = "sub"``
measures. Every measure of the indicator system is answered by the figures engine over the
evaluating unit's subtree, grouped by scored unit (:func:`measures_evaluate` with ``unit_of``);
branch and member counts, manual scores and survey results are one grouped query each. So the
number of queries grows with the kinds of filters in the campaign file, never with the units.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr

from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.models import ManualScore, SurveyResponse
from xunzhi.evaluation.spec import EvaluationSpec, Indicator, campaign_evaluation_spec
from xunzhi.figures.engine import Agg, Scope, measures_evaluate
from xunzhi.figures.spec import Measure
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind

CENT = Decimal("0.01")

#: ``--level`` words: English codes and the kinds themselves.
LEVEL_KINDS = {
    "township": OrgKind.TOWNSHIP,
    "department": OrgKind.DEPARTMENT,
    "county": OrgKind.COUNTY,
}


def level_kind(level: str | None) -> str | None:
    """The org kind a ``level`` argument names (township, 乡镇, department, 部门 …)."""
    if not level:
        return None
    if level in OrgKind.values:
        return level
    if level in LEVEL_KINDS:
        return str(LEVEL_KINDS[level])
    known = "、".join([*LEVEL_KINDS, *OrgKind.values])
    raise UserError(f"层级“{level}”无效，可用：{known}。")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Cell:
    """One indicator of one unit: the measured value, the points and what they rest on."""

    indicator: Indicator
    value: Decimal | None  # the measure (per branch …), the 满意率, or the manual score
    score: Decimal
    rows: int = 0  # source records (ledger rows, or survey answers)
    pending: bool = False  # a manual score not entered yet, or no survey answered
    manual: ManualScore | None = None
    parts: dict[str, Any] = field(default_factory=dict)


@dataclass
class UnitScore:
    org_id: int
    code: str
    name: str
    kind: str
    path: str
    cells: dict[str, Cell]
    areas: dict[str, Decimal]
    total: Decimal
    grade: str
    rank: int = 0

    @property
    def pending(self) -> int:
        return sum(1 for c in self.cells.values() if c.pending)


@dataclass
class ScoreTable:
    campaign: Any
    unit: Org
    cutoff: dt.date
    until: dt.date | None
    spec: EvaluationSpec
    rows: list[UnitScore]
    #: the evaluating level's sub-kinds, in the vocabulary's order (乡镇 before 部门)
    sub_kinds: tuple[str, ...] = ()

    @property
    def kinds(self) -> list[str]:
        """The kinds present, in the level's order."""
        present = {r.kind for r in self.rows}
        return [k for k in self.sub_kinds if k in present] + sorted(present - set(self.sub_kinds))


def scored_units(unit: Org, scope: Scope, kind: str | None = None) -> list[Org]:
    """The evaluating unit's direct children of its level's sub-kinds (not its 领导班子)."""
    kinds = scope.level.sub_kinds
    if kind:
        kinds = [k for k in kinds if k == kind]
    qs = Org.objects.children_of(unit).filter(kind__in=kinds, is_leading_body=False)
    return list(qs.order_by("path").only("id", "code", "name", "kind", "path"))


def _unit_of(units: list[Org], scope: Scope) -> dict[int, tuple[str, ...]]:
    """Org id → (the path of the scored unit it lies under,)."""
    wanted = {u.path for u in units}
    size = len(scope.unit.path) + Org.steplen
    out: dict[int, tuple[str, ...]] = {}
    for org_id, path in scope.org_paths().items():
        top = path[:size]
        if top in wanted:
            out[org_id] = (top,)
    return out


def _counts(units: list[Org], scope: Scope) -> dict[str, tuple[int, int]]:
    """Scored unit path → (Party branches, members) in its subtree: one grouped query."""
    size = len(scope.unit.path) + Org.steplen
    rows = (
        Org.objects.in_subtree(scope.unit)
        .filter(depth__gt=scope.unit.depth)
        .annotate(top=Substr("path", 1, size))
        .values("top")
        .annotate(branches=Count("id", filter=Q(kind=OrgKind.BRANCH)), members=Sum("member_count"))
        .order_by()
    )
    return {r["top"]: (r["branches"], r["members"] or 0) for r in rows}


def _survey_rates(
    campaign: Campaign, units: list[Org], scope: Scope
) -> dict[tuple[str, str], list[int]]:
    """(template, scored unit path) → [satisfied answers, answers, respondents]: one grouped query
    over the surveys begun by the cut-off of units in the subtree."""
    size = len(scope.unit.path) + Org.steplen
    rows = (
        SurveyResponse.objects.in_subtree(scope.unit)
        .filter(survey__campaign=campaign, survey__period_start__lte=scope.cutoff)
        .annotate(top=Substr("survey__org__path", 1, size))
        .values("survey__template", "top")
        .annotate(ok=Sum("satisfied"), n=Sum("answered"), people=Count("id"))
        .order_by()
    )
    return {
        (r["survey__template"], r["top"]): [r["ok"] or 0, r["n"] or 0, r["people"]] for r in rows
    }


def _sum(
    measures: tuple[Measure, ...], tables: dict[Measure, Any], path: str
) -> tuple[Decimal | None, int]:
    value: Decimal | None = None
    rows = 0
    for measure in measures:
        agg: Agg | None = tables.get(measure, {}).get(path)
        part: Decimal | int | None
        if agg is None:  # no rows: a count or sum is 0, a reported value is missing
            part = None if measure.ledger == "values" else 0
        else:
            rows += agg.rows
            part = agg.value(measure)
        if part is not None:
            value = Decimal(part) if value is None else value + Decimal(part)
    return value, rows


def measured_value(
    indicator: Indicator, tables: dict[Measure, Any], path: str, counts: tuple[int, int]
) -> tuple[Decimal | None, int, dict[str, Any]]:
    """The value an indicator scores for one unit (ratio, per branch, per 100 members)."""
    if indicator.is_ratio:
        num, num_rows = _sum(indicator.numerator, tables, path)
        den, den_rows = _sum(indicator.denominator, tables, path)
        ratio = num / den if num is not None and den else None
        return ratio, num_rows + den_rows, {"numerator": num, "denominator": den}
    value, rows = _sum(indicator.measures, tables, path)
    branches, members = counts
    parts: dict[str, Any] = {"total": value, "branches": branches, "members": members}
    if indicator.per == "branch":
        value = value / branches if value is not None and branches else None
    elif indicator.per == "100members":
        value = value * 100 / members if value is not None and members else None
    return value, rows, parts


def _cell(indicator: Indicator, org: Org, data: dict[str, Any]) -> Cell:
    if indicator.kind == "manual":
        manual = data["manual"].get((org.pk, indicator.code))
        if manual is None:
            return Cell(indicator, None, Decimal(0), pending=True)
        return Cell(indicator, manual.score, cents(manual.score), rows=1, manual=manual)
    if indicator.kind == "survey":
        ok, n, people = data["surveys"].get((indicator.survey, org.path), (0, 0, 0))
        if not n:
            return Cell(indicator, None, Decimal(0), pending=True)
        rate = Decimal(ok) / Decimal(n)
        points = (
            indicator.rule.points(rate, indicator.points)
            if indicator.rule
            else indicator.points * rate
        )
        parts = {"satisfied": ok, "answers": n}
        return Cell(indicator, rate, cents(points), rows=people, parts=parts)
    counts = data["counts"].get(org.path, (0, 0))
    value, rows, parts = measured_value(indicator, data["tables"], org.path, counts)
    assert indicator.rule is not None  # noqa: S101 - the spec requires a rule for measures
    return Cell(
        indicator, value, cents(indicator.rule.points(value, indicator.points)), rows, parts=parts
    )


def rank_within(rows: list[UnitScore]) -> None:
    """Rank by total within each kind (townships apart from departments); ties share a rank."""
    by_kind: dict[str, list[UnitScore]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    for members in by_kind.values():
        members.sort(key=lambda r: (-r.total, r.code))
        for i, row in enumerate(members):
            same = i and members[i - 1].total == row.total
            row.rank = members[i - 1].rank if same else i + 1


def unit_scores(
    *, campaign: Campaign, unit: Org, until: dt.date | None = None, level: str | None = None
) -> ScoreTable:
    """Each scored unit under ``unit``: per indicator its measure and points, the total, the grade
    and the rank within its kind, up to ``until`` (or the campaign's end)."""
    spec = campaign_evaluation_spec(campaign)
    scope = Scope.make(campaign=campaign, unit=unit, until=until)
    units = scored_units(unit, scope, level_kind(level))
    indicators = spec.indicators
    measures = [m for i in indicators if i.kind == "measure" for m in i.all_measures()]
    data = {
        "tables": measures_evaluate(measures, scope, unit_of=_unit_of(units, scope))
        if units
        else {},
        "counts": _counts(units, scope) if any(i.per for i in indicators) else {},
        "surveys": _survey_rates(campaign, units, scope)
        if any(i.kind == "survey" for i in indicators)
        else {},
        "manual": {
            (m.org_id, m.indicator): m
            for m in ManualScore.objects.filter(campaign=campaign, org__in=[u.pk for u in units])
        },
    }
    rows = []
    for org in units:
        cells = {i.code: _cell(i, org, data) for i in indicators}
        areas = {
            a.code: sum((cells[i.code].score for i in a.indicators), Decimal(0)) for a in spec.areas
        }
        total = sum(areas.values(), Decimal(0))
        rows.append(
            UnitScore(
                org_id=org.pk,
                code=org.code,
                name=org.name,
                kind=org.kind,
                path=org.path,
                cells=cells,
                areas=areas,
                total=total,
                grade=spec.grade(total),
            )
        )
    rank_within(rows)
    return ScoreTable(
        campaign=campaign,
        unit=unit,
        cutoff=scope.cutoff,
        until=until,
        spec=spec,
        rows=rows,
        sub_kinds=tuple(scope.level.sub_kinds),
    )
