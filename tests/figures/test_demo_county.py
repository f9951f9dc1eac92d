"""The demo county (~200 000 activities): every figure and two rules against independent SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from tests.figures.test_figures import assert_figures_match
from xunzhi.campaigns.models import Campaign
from xunzhi.figures.services import rules_evaluate
from xunzhi.organisations.models import Org
from xunzhi.reports.services import evaluation_for, report_compose

pytestmark = pytest.mark.slow


@pytest.fixture
def demo(demo_county, db):
    campaign = Campaign.objects.get(code="dangshi-2021")
    return campaign, Org.objects.get(code=demo_county.root_code)


@pytest.mark.parametrize("until", [None, dt.date(2021, 6, 30)])
def test_every_figure_of_the_demo_county(demo, until):
    campaign, root = demo
    computed, expected = assert_figures_match(campaign, root, until=until)
    assert computed["F02"].value > 1000  # the comparison is over real volume


def test_every_figure_of_a_demo_township(demo):
    campaign, root = demo
    town = Org.objects.in_subtree(root).filter(kind="乡镇").order_by("code").first()
    assert_figures_match(campaign, town)


def _sql(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def test_seminar_rule_against_sql(demo):
    campaign, root = demo
    minimum = campaign.spec.settings["min_seminars"]
    counts = dict(
        _sql(
            """
            SELECT b.code, COUNT(a.id) FROM organisations_org b
            LEFT JOIN organisations_org o ON o.path LIKE b.path || '%%'
            LEFT JOIN ledgers_activity a ON a.org_id = o.id AND a.campaign_id = %s
                 AND a.type = '专题学习研讨' AND a.date >= %s AND a.date <= %s
            WHERE b.kind = '党支部' AND b.path LIKE %s GROUP BY b.code
            """,
            [campaign.pk, campaign.start_date, campaign.end_date, root.path + "%"],
        )
    )
    short = sorted(code for code, n in counts.items() if n < minimum)
    rule = {r.code: r for r in rules_evaluate(campaign=campaign, unit=root)}["学习研讨不深"]
    assert sorted(u.code for u in rule.short_units) == short
    assert rule.units_total == len(counts)
    share = len(short) / len(counts)
    assert rule.fired == (share >= campaign.spec.settings["seminar_share"])
    assert short  # the demo has weak branches on purpose


def test_feature_rule_against_sql(demo):
    campaign, root = demo
    rows = _sql(
        """
        SELECT u.code, COUNT(a.id),
               SUM(CASE WHEN a.tags LIKE '%%,本地特色,%%' OR a.tags LIKE '%%,行业特色,%%'
                         OR a.tags LIKE '%%,自选动作,%%' THEN 1 ELSE 0 END)
        FROM organisations_org u
        LEFT JOIN organisations_org o ON o.path LIKE u.path || '%%'
        LEFT JOIN ledgers_activity a ON a.org_id = o.id AND a.campaign_id = %s
             AND a.date >= %s AND a.date <= %s
        WHERE u.kind IN ('乡镇', '部门') AND u.path LIKE %s GROUP BY u.code
        """,
        [campaign.pk, campaign.start_date, campaign.end_date, root.path + "%"],
    )
    threshold = Decimal(str(campaign.spec.settings["feature_share"]))
    short = sorted(
        code
        for code, total, tagged in rows
        if not total or Decimal(tagged or 0) / total < threshold
    )
    rule = {r.code: r for r in rules_evaluate(campaign=campaign, unit=root)}["特色不浓"]
    assert sorted(u.code for u in rule.short_units) == short


def test_demo_report_composes_and_names_the_extent(demo):
    campaign, root = demo
    composed = report_compose(evaluation=evaluation_for(campaign=campaign, unit=root))
    fired = [r for r in composed.rules if r.fired]
    assert fired, "the demo county is built with weak units"
    text = composed.document.text
    for rule in fired:  # shown in the report, or composed and listed as left out
        assert rule.sentence and (rule.sentence in text) == bool(rule.shown)
    for figure in composed.figures:
        if figure and figure.kind != "list":  # present and not zero
            assert any(
                run.figure == figure.code and run.text == figure.text
                for block in composed.document.blocks
                for run in block.runs
            ) or figure.code in {"F24c", "F24p", "F24o", "F24u", "P02"}, figure.code
