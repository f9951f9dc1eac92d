"""Every figure of figures.md, computed by the engine, against hand-written SQL (tests/figures/independent.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.figures.independent import STYLES, expected_figures
from tests.figures.ledger_fill import fill
from xunzhi.figures.display import figure_display
from xunzhi.figures.selectors import figure_sources
from xunzhi.figures.services import figures_compute
from xunzhi.figures.spec import campaign_figure_spec

FIGURE_CODES = [f"F{n:02d}" for n in range(1, 36)] + ["F18b", "F22b", "F29b", "F28b"]
#: figures the report's own sentences need besides those of the reference (docs/figures.md)
EXTRA_CODES = ["F24u", "F24o", "P01", "P02"]


def assert_figures_match(campaign, unit, until=None):
    computed = figures_compute(campaign=campaign, unit=unit, until=until)
    expected = expected_figures(
        campaign_id=campaign.pk,
        path=unit.path,
        start=campaign.start_date,
        end=campaign.end_date,
        until=until,
    )
    for code in [*FIGURE_CODES, *EXTRA_CODES]:
        assert code in computed, f"{code} is not defined in the campaign file"
    assert set(expected) == {f.code for f in computed}, "every figure is recomputed"
    # two different rates that would print alike keep their tenth (docs/figures.md)
    rates = {c: v for c, v in expected.items() if STYLES.get(c) == "%" and v is not None}
    printed = {c: figure_display(v, "%") for c, v in rates.items()}
    tenth = {
        c for c in rates if any(printed[o] == printed[c] and rates[o] != rates[c] for o in rates)
    }
    mismatches = []
    for code, want in expected.items():
        got = computed[code]
        if code in ("N01", "N02", "N03"):
            if got.parts.get("names") != want:
                mismatches.append((code, got.value, want))
            continue
        if want is None:
            if got.value is not None:
                mismatches.append((code, got.value, None))
            continue
        if got.value is None or abs(Decimal(str(got.value)) - Decimal(str(want))) > Decimal("1e-9"):
            mismatches.append((code, got.value, want))
            continue
        want_text = figure_display(want, STYLES.get(code, "exact"), tenth=code in tenth)
        if got.text != want_text:
            mismatches.append((code, got.text, want_text))
    assert not mismatches, mismatches
    return computed, expected


@pytest.fixture
def filled(county):
    fill(county)
    return county


def test_every_figure_matches_independent_sql(filled):
    computed, expected = assert_figures_match(filled.campaign, filled.county)
    # the fill gives every figure something to count, so the comparison is not vacuous
    assert all(computed[c].value for c in FIGURE_CODES), [
        c for c in FIGURE_CODES if not computed[c]
    ]


def test_figures_of_a_township_count_only_its_subtree(filled):
    town = filled.townships[0]
    computed, _ = assert_figures_match(filled.campaign, town)
    whole = figures_compute(campaign=filled.campaign, unit=filled.county)
    assert computed["F02"].value < whole["F02"].value


@pytest.mark.parametrize("until", [dt.date(2021, 6, 30), dt.date(2021, 3, 15), dt.date(2022, 6, 1)])
def test_until_counts_only_what_happened_by_then(filled, until):
    computed, _ = assert_figures_match(filled.campaign, filled.county, until=until)
    assert (
        computed["F02"].value
        <= figures_compute(campaign=filled.campaign, unit=filled.county)["F02"].value
    )


def test_until_takes_project_status_as_of_then(county):
    from xunzhi.ledgers.models import Project

    Project.objects.create(
        campaign=county.campaign,
        org=county.county,
        name="修路",
        field="交通出行",
        status="已完成",
        done_date=dt.date(2021, 9, 1),
    )
    june = figures_compute(campaign=county.campaign, unit=county.county, until=dt.date(2021, 6, 30))
    later = figures_compute(
        campaign=county.campaign, unit=county.county, until=dt.date(2021, 9, 30)
    )
    assert (june["F24"].value, june["F24c"].value) == (1, 0)
    assert (later["F24"].value, later["F24c"].value, later["F24p"].text) == (1, 1, "100%")


def test_until_before_the_campaign_is_refused(county):
    from xunzhi.lib.errors import UserError

    with pytest.raises(UserError, match="早于活动开始日期"):
        figures_compute(campaign=county.campaign, unit=county.county, until=dt.date(2020, 1, 1))


def test_latest_values_take_each_units_last_period(county):
    from xunzhi.ledgers.models import ReportedValue

    def put(org, month, value, item="在职党员认领岗位数"):
        ReportedValue.objects.create(
            campaign=county.campaign,
            org=org,
            period=f"2021-{month:02d}",
            period_end=dt.date(2021, month, 28),
            item=item,
            value=value,
        )

    east, west = county.townships
    put(east, 3, 10)
    put(east, 5, 12)  # east's latest
    put(west, 4, 7)  # west's latest (it did not report in May)
    put(east, 4, 100, item="网络学习人次")
    put(east, 5, 50, item="网络学习人次")
    figures = figures_compute(campaign=county.campaign, unit=county.county)
    assert figures["F25"].value == 19
    assert figures["F25"].source_count == 2
    assert figures["F16"].value == 150  # a "sum" item adds its periods
    april = figures_compute(
        campaign=county.campaign, unit=county.county, until=dt.date(2021, 4, 30)
    )
    assert april["F25"].value == 17
    assert figures["F26"].value is None and figures["F26"].text is None  # never reported: missing


def test_own_level_figures_count_the_units_own_organs_only(county):
    """F10 (专班抽调人数) is the level's own task force: a county counts its departments' report
    (the 组织部 sets up the 专班), not its townships' own 专班."""
    from xunzhi.ledgers.models import ReportedValue

    def put(org, value):
        ReportedValue.objects.create(
            campaign=county.campaign,
            org=org,
            period="2021-05",
            period_end=dt.date(2021, 5, 31),
            item="专班抽调人数",
            value=value,
        )

    put(county.departments[0], 23)
    put(county.townships[0], 6)
    assert figures_compute(campaign=county.campaign, unit=county.county)["F10"].value == 23
    assert figures_compute(campaign=county.campaign, unit=county.townships[0])["F10"].value == 6


def test_query_count_does_not_grow_with_rows(county):
    fill(county, activities=50)
    with CaptureQueriesContext(connection) as small:
        figures_compute(campaign=county.campaign, unit=county.county)
    fill(county, seed=99, activities=600, only_activities=True)
    with CaptureQueriesContext(connection) as big:
        figures_compute(campaign=county.campaign, unit=county.county)
    assert len(big) == len(small)
    # grouped: far fewer queries than figures
    assert len(small) < len(campaign_figure_spec(county.campaign).figures) / 2


def test_figure_sources_list_the_rows_with_provenance(filled):
    figures = figures_compute(campaign=filled.campaign, unit=filled.county)
    for code in ("F02", "F10", "F18", "F30", "F24p"):
        querysets = figure_sources(campaign=filled.campaign, unit=filled.county, code=code)
        assert sum(qs.count() for qs in querysets) == figures[code].source_count
    rows = figure_sources(campaign=filled.campaign, unit=filled.county, code="F02")[0]
    first = rows.first()
    assert first.type == "专题学习研讨" and first.source_sheet == "活动台账" and first.source_row
    f02 = figures["F02"]
    assert f02.source_count == f02.value  # a count figure has one source row per unit counted


def test_figure_sources_of_an_unknown_code(county):
    from xunzhi.lib.errors import UserError

    with pytest.raises(UserError, match="没有数据项 F99"):
        figure_sources(campaign=county.campaign, unit=county.county, code="F99")
