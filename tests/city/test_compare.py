"""units_compare against hand-written SQL over the same rows (an independent recomputation)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from xunzhi.figures.compare import units_compare
from xunzhi.lib.errors import UserError

UNTIL = dt.date(2021, 9, 30)


def _sql(query: str, *params: object) -> dict[str, int]:
    """{county path: value} from a query whose first column is the county's path prefix."""
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return {path: int(value or 0) for path, value in cursor.fetchall()}


def independent(campaign, city) -> dict[str, dict[str, int]]:
    width = len(city.counties[0].county.path)
    county = f"substr(o.path, 1, {width})"
    join = "JOIN organisations_org o ON o.id = t.org_id WHERE t.campaign_id = %s"
    out = {
        "members": _sql(
            f"SELECT {county}, sum(o.member_count) FROM organisations_org o "
            f"WHERE length(o.path) >= {width} GROUP BY 1"
        ),
        "activities": _sql(
            f"SELECT {county}, count(*) FROM ledgers_activity t {join} "
            "AND t.date >= %s AND t.date <= %s GROUP BY 1",
            campaign.pk,
            campaign.start_date,
            UNTIL,
        ),
        "participants": _sql(
            f"SELECT {county}, sum(t.participants) FROM ledgers_activity t {join} "
            "AND t.date >= %s AND t.date <= %s GROUP BY 1",
            campaign.pk,
            campaign.start_date,
            UNTIL,
        ),
        "projects_overdue": _sql(
            f"SELECT {county}, count(*) FROM ledgers_project t {join} AND t.planned_date < %s "
            "AND NOT (t.status = '已完成' AND (t.done_date IS NULL OR t.done_date <= %s)) "
            "GROUP BY 1",
            campaign.pk,
            UNTIL,
            UNTIL,
        ),
        "problems_done": _sql(
            f"SELECT {county}, count(*) FROM ledgers_problem t {join} "
            "AND (t.found_date IS NULL OR t.found_date <= %s) AND t.status = '已整改' "
            "AND (t.done_date IS NULL OR t.done_date <= %s) GROUP BY 1",
            campaign.pk,
            UNTIL,
            UNTIL,
        ),
        "problems": _sql(
            f"SELECT {county}, count(*) FROM ledgers_problem t {join} "
            "AND (t.found_date IS NULL OR t.found_date <= %s) GROUP BY 1",
            campaign.pk,
            UNTIL,
        ),
    }
    return out


def test_counties_match_hand_sql(campaign, city):
    comparison = units_compare(campaign=campaign, unit=city.city, until=UNTIL)
    assert [r.org.name for r in comparison.rows] == ["甲县", "乙县"]
    expected = independent(campaign, city)
    for row in comparison.rows:
        for key, by_county in expected.items():
            assert row.counts[key] == by_county.get(row.org.path, 0), (row.org.name, key)
    a, b = comparison.rows
    assert a.counts["activities"] != b.counts["activities"]  # the fixture's counties differ
    # per 100 members and rates from the same counts, by hand
    members = expected["members"][a.org.path]
    assert members == 11 + 21 + 22 + 21 + 22 + 30
    assert a.per_100("activities") == (
        Decimal(expected["activities"][a.org.path] * 100) / members
    ).quantize(Decimal("0.1"))
    assert (
        a.rate("problems_done_rate")
        == Decimal(expected["problems_done"][a.org.path]) / (expected["problems"][a.org.path])
    )
    # the city's total is the sum of its counties
    assert comparison.total.counts["activities"] == sum(expected["activities"].values())


def test_rule_extent_per_county_is_the_county_reports_own(campaign, city):
    """Each county's extent of each rule equals what the county's own evaluation measures."""
    from xunzhi.figures.services import rules_evaluate

    comparison = units_compare(campaign=campaign, unit=city.city, until=UNTIL)
    assert comparison.rules
    for row in comparison.rows:
        own = {r.code: r for r in rules_evaluate(campaign=campaign, unit=row.org, until=UNTIL)}
        for code, _ in comparison.rules:
            extent = row.rules[code]
            assert (extent.short, extent.total) == (own[code].units_short, own[code].units_total)
    some = [row.rules[c] for row in comparison.rows for c, _ in comparison.rules]
    assert any(e.short for e in some) and any(e.total > e.short for e in some)


def test_a_county_has_no_counties_to_compare(campaign, city):
    with pytest.raises(UserError, match="没有县"):
        units_compare(campaign=campaign, unit=city.counties[0].county, until=UNTIL)
