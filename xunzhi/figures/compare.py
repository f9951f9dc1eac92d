"""A city's counties side by side (docs/city.md), computed in grouped queries.

``units_compare(campaign=…, unit=city, until=…)`` answers, for every unit directly below the
city that is a county (县, 区): its members, the headline figures (activities, participants,
projects and problems, done and overdue) absolute and per 100 members, the completion and
overdue rates, and each rule's extent in that county (how many of the units the county's own
report would measure fall short). The counts are the engine's measures per county
(``measures_evaluate`` with the counties as measured units: each ledger read once, added up per
county in SQL, shared with the report's figures when the report passes its scope); every rule
measures the units of all counties in one go (``rule_units_measure``). Done and overdue are the
engine's own filters, so the comparison and the figures of each county's report agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from xunzhi.campaigns.levels import level_text
from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.selectors import unit_level
from xunzhi.figures.engine import Scope, measures_evaluate
from xunzhi.figures.services import UnitMap, UnitRef, rule_level_units, rule_units_measure
from xunzhi.figures.spec import Measure, campaign_figure_spec
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind

#: The counted measures of a county, in the table's order: (key, label, measure word).
COUNTS: tuple[tuple[str, str, str], ...] = (
    ("members", "党员", "名"),
    ("activities", "开展活动", "场次"),
    ("participants", "参加活动", "人次"),
    ("projects", "办实事项目", "个"),
    ("projects_done", "已完成项目", "个"),
    ("projects_overdue", "超期项目", "个"),
    ("problems", "查摆问题", "个"),
    ("problems_done", "已整改问题", "个"),
    ("problems_overdue", "超期未整改问题", "个"),
)
#: Counts also given per 100 members.
PER_100 = ("activities", "participants", "projects", "problems")
#: Rates: (key, label, numerator, denominator).
RATES: tuple[tuple[str, str, str, str], ...] = (
    ("projects_done_rate", "项目完成率", "projects_done", "projects"),
    ("projects_overdue_rate", "项目超期率", "projects_overdue", "projects"),
    ("problems_done_rate", "问题整改率", "problems_done", "problems"),
    ("problems_overdue_rate", "问题超期率", "problems_overdue", "problems"),
)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class RuleExtent:
    """One rule in one county: units short of the units measured."""

    short: int
    total: int

    @property
    def share(self) -> Decimal | None:
        return _ratio(self.short, self.total)


@dataclass
class UnitRow:
    """One county's line (or the city's total line)."""

    org: Org
    counts: dict[str, int] = field(default_factory=lambda: {key: 0 for key, _, _ in COUNTS})
    rules: dict[str, RuleExtent] = field(default_factory=dict)

    def per_100(self, key: str) -> Decimal | None:
        """``key`` per 100 members, one decimal (None without members)."""
        members = self.counts["members"]
        if not members:
            return None
        return (Decimal(self.counts[key]) * HUNDRED / members).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def rate(self, key: str) -> Decimal | None:
        """A rate of :data:`RATES` as a ratio (0–1), None when its base is zero."""
        _, _, numerator, denominator = next(r for r in RATES if r[0] == key)
        return _ratio(self.counts[numerator], self.counts[denominator])

    def value(self, column: str) -> Decimal | int | None:
        """Any column of the table by its key: ``activities``, ``activities_per100``,
        ``projects_done_rate``, ``rule:<code>`` (the rule's share)."""
        if column.startswith("rule:"):
            extent = self.rules.get(column[5:])
            return extent.share if extent else None
        if column.endswith("_per100"):
            return self.per_100(column.removesuffix("_per100"))
        if column.endswith("_rate"):
            return self.rate(column)
        return self.counts[column]


@dataclass
class Comparison:
    """A city's counties side by side, and the city's total."""

    unit: Org
    until: dt.date
    rows: list[UnitRow]
    total: UnitRow
    rules: list[tuple[str, str]]  # (code, name as the county reports call it)

    def columns(self) -> list[tuple[str, str]]:
        """Every sortable column: (key, label)."""
        out = [(key, label) for key, label, _ in COUNTS]
        out += [
            (f"{key}_per100", f"每百名党员{label}") for key, label, _ in COUNTS if key in PER_100
        ]
        out += [(key, label) for key, label, _, _ in RATES]
        out += [(f"rule:{code}", name) for code, name in self.rules]
        return out


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    return Decimal(numerator) / Decimal(denominator) if denominator else None


#: The kind of the units compared below a unit of a kind: a city's counties, a province's cities.
COMPARED_KIND = {OrgKind.CITY: OrgKind.COUNTY, OrgKind.PROVINCE: OrgKind.CITY}


def counties_of(unit: Org) -> list[Org]:
    """The units compared directly below ``unit``, in tree order: a city's counties (县, 区), a
    province's cities (市); none below any other kind."""
    kind = COMPARED_KIND.get(OrgKind(unit.kind)) if unit.kind in OrgKind.values else None
    if kind is None:
        return []
    return list(Org.objects.children_of(unit).filter(kind=kind).order_by("path"))


def units_compare(
    *,
    campaign: Campaign,
    unit: Org,
    until: dt.date | None = None,
    rules: bool = True,
    scope: Scope | None = None,
) -> Comparison:
    """Every county below ``unit`` (a city) compared (see the module's docstring); without
    ``rules`` the rules' extents are left out (the city report needs only the counts).
    ``scope``: ``unit``'s, when the caller has one (the report's: its grouped rows are shared)."""
    counties = counties_of(unit)
    if not counties:
        raise UserError(f"“{unit.name}”下没有县（市、区），无法比较。")
    scope = scope or Scope.make(campaign=campaign, unit=unit, until=until)
    rows = {c.path: UnitRow(org=c) for c in counties}
    county_of = _county_map(scope, list(rows))
    _counts_fill(scope, county_of, rows)
    rule_names = _rules_fill(campaign, scope, counties, rows) if rules else []
    total = UnitRow(org=unit)
    for row in rows.values():
        for key in total.counts:
            total.counts[key] += row.counts[key]
        for code, extent in row.rules.items():
            before = total.rules.get(code, RuleExtent(0, 0))
            total.rules[code] = RuleExtent(before.short + extent.short, before.total + extent.total)
    return Comparison(
        unit=unit, until=scope.cutoff, rows=list(rows.values()), total=total, rules=rule_names
    )


def _county_map(scope: Scope, county_paths: list[str]) -> dict[int, str]:
    """Org id → the path of the county it lies in (units outside every county are left out)."""
    width = len(county_paths[0])
    wanted = set(county_paths)
    return {
        org_id: path[:width] for org_id, path in scope.org_paths().items() if path[:width] in wanted
    }


def _measure(ledger: str, *where: tuple[str, bool], total: str = "") -> Measure:
    return Measure(ledger=ledger, sum=total, where=tuple(where))


#: The ledger counts of a county as the engine's measures (the same filters as the figures, so
#: a county's line and its report agree; one base query per ledger serves both).
COUNT_MEASURES: dict[str, Measure] = {
    "activities": _measure("activities"),
    "participants": _measure("activities", total="participants"),
    "projects": _measure("projects"),
    "projects_done": _measure("projects", ("done", True)),
    "projects_overdue": _measure("projects", ("overdue", True)),
    "problems": _measure("problems"),
    "problems_done": _measure("problems", ("rectified", True)),
    "problems_overdue": _measure("problems", ("overdue", True)),
}


def _counts_fill(scope: Scope, county_of: dict[int, str], rows: dict[str, UnitRow]) -> None:
    """Members and the ledger counts of every county: the engine's grouped queries over
    ``scope`` (the city's; the report's own, whose figures have read the same rows already)."""
    members = Org.objects.in_subtree(scope.unit).values("id", "member_count").order_by()
    for org in members:
        county = county_of.get(org["id"])
        if county is not None:
            rows[county].counts["members"] += int(org["member_count"] or 0)
    units = [
        UnitRef(row.org.pk, row.org.code, row.org.name, row.org.kind, path)
        for path, row in rows.items()
    ]
    values = measures_evaluate(COUNT_MEASURES.values(), scope, unit_of=UnitMap(units, scope))
    for key, measure in COUNT_MEASURES.items():
        for path, agg in values[measure].items():
            rows[path].counts[key] = int(agg.total if measure.sum else agg.rows)


def _rules_fill(
    campaign: Campaign, scope: Scope, counties: list[Org], rows: dict[str, UnitRow]
) -> list[tuple[str, str]]:
    """Each rule's extent per county: the units each county's report measures, all counties'
    units measured together over the city's scope."""
    fspec = campaign_figure_spec(campaign)
    county_scopes = {
        c.path: Scope.make(campaign=campaign, unit=c, until=scope.until) for c in counties
    }
    for c in counties:  # the county's own level (县 or 区) decides its sub-units
        county_scopes[c.path].cache["level"] = unit_level(campaign=campaign, unit=c)
    names: list[tuple[str, str]] = []
    first = county_scopes[counties[0].path]
    for rule in fspec.rules:
        units = [u for c in counties for u in rule_level_units(rule, c, county_scopes[c.path])]
        _, _, measured = rule_units_measure(rule, units, scope)
        per: dict[str, list[int]] = {path: [0, 0] for path in rows}
        width = len(counties[0].path)
        for m in measured:
            tally = per.get(m.path[:width])
            if tally is not None:
                tally[0] += int(m.short)
                tally[1] += 1
        for path, (short, total) in per.items():
            rows[path].rules[rule.code] = RuleExtent(short, total)
        names.append((rule.code, level_text(rule.name, first.level, unit=counties[0].name)))
    return names
