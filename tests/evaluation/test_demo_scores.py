"""The demo county's scores against the independent recomputation of tests/evaluation/oracle.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.evaluation.oracle import expected_scores
from xunzhi.campaigns.models import Campaign
from xunzhi.evaluation.models import ManualScore
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.organisations.models import Org

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(demo_county, db):
    campaign = Campaign.objects.get(code="dangshi-2021")
    return campaign, Org.objects.get(code=demo_county.root_code)


def _compare(table, expected):
    assert {r.code for r in table.rows} == set(expected)
    for row in table.rows:
        want = expected[row.code]
        got = {code: cell.score for code, cell in row.cells.items()}
        assert got == want["points"], row.name
        assert (row.total, row.grade, row.rank) == (want["total"], want["grade"], want["rank"]), (
            row.name
        )


@pytest.mark.parametrize("until", [None, dt.date(2021, 6, 30)])
def test_demo_county_scores_match_the_hand_recomputation(demo, until):
    campaign, root = demo
    table = unit_scores(campaign=campaign, unit=root, until=until)
    expected = expected_scores(campaign=campaign, root=root, until=until)
    _compare(table, expected)
    kinds = {r.kind for r in table.rows}
    assert kinds == {"乡镇", "部门"} and len(table.rows) == 65
    # the comparison is over real spread: totals differ and every measured indicator scores
    assert len({r.total for r in table.rows}) > 30
    scoring = ("A1", "B1", "B2", "D1", "D2") if until else ("A1", "B1", "B2", "C1", "D1", "D2")
    for code in scoring:  # (by 30 June no unit has done 60% of its projects: C1 scores 0)
        assert any(r.cells[code].score > 0 for r in table.rows), code


def test_a_manual_score_moves_the_total_and_the_rank(demo):
    campaign, root = demo
    before = {r.code: r for r in unit_scores(campaign=campaign, unit=root, level="township").rows}
    last = max(before.values(), key=lambda r: r.rank)
    ManualScore.objects.create(
        campaign=campaign,
        org_id=last.org_id,
        indicator="A2",
        score=Decimal("9.5"),
        note="台账完整",
        scored_at=dt.datetime(2021, 12, 1, tzinfo=dt.UTC),
    )
    table = unit_scores(campaign=campaign, unit=root, level="township")
    assert {r.kind for r in table.rows} == {"乡镇"}
    expected = expected_scores(campaign=campaign, root=root, manual={(last.code, "A2"): "9.5"})
    _compare(table, {c: e for c, e in expected.items() if e["kind"] == "乡镇"})
    after = next(r for r in table.rows if r.code == last.code)
    assert after.total == last.total + Decimal("9.5") and after.rank < last.rank
    assert after.pending == last.pending - 1
