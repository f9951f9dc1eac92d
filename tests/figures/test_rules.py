"""Each of the six rules of report-rules.md, firing and not firing, on a county built to be healthy."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.figures.healthy import LAST_PERIOD_END, make_healthy, set_setting
from xunzhi.figures.services import rules_evaluate
from xunzhi.ledgers.models import Activity, Problem, Project, ReportedValue

RULES = ("学习研讨不深", "特色不浓", "办实事成效", "总结不足", "整改超期", "填报不及时")


def results(county, until=None):
    return {
        r.code: r for r in rules_evaluate(campaign=county.campaign, unit=county.county, until=until)
    }


@pytest.fixture
def healthy(county):
    return make_healthy(county)


def test_all_six_rules_are_defined_and_none_fires_on_a_healthy_county(healthy):
    got = results(healthy)
    assert set(RULES) <= set(got)
    assert [code for code, r in got.items() if r.fired] == []
    assert got["学习研讨不深"].units_total == len(healthy.branches)
    assert got["特色不浓"].units_total == len(healthy.townships) + len(healthy.departments)
    assert got["总结不足"].units_total == 1


def test_seminars_fire_when_enough_branches_fall_short(healthy):
    weak = healthy.branches[0]
    Activity.objects.filter(org=weak, type="专题学习研讨").exclude(title="研讨0").delete()
    rule = results(healthy)["学习研讨不深"]
    assert rule.fired
    assert rule.units_short == 1
    assert [u.code for u in rule.short_units] == [weak.code]
    assert rule.short_units[0].measures["专题学习研讨次数"] == 1
    # the share needed is a campaign setting: 1 of 5 branches (20%) is not enough for 30%
    set_setting(healthy.campaign, seminar_share=0.3)
    assert not results(healthy)["学习研讨不深"].fired


def test_seminars_after_until_do_not_count(healthy):
    Activity.objects.filter(org=healthy.branches[1], type="专题学习研讨").update(
        date=dt.date(2021, 8, 1)
    )
    assert not results(healthy)["学习研讨不深"].fired
    june = results(healthy, until=dt.date(2021, 6, 30))["学习研讨不深"]
    assert june.fired and june.units_short == 1


def test_seminar_minimum_is_prorated_before_the_campaign_ends(healthy):
    # campaign 2021-02-20 … 2022-01-31 (345 days); by 2021-06-30 (130 days) 4 × 130/345 → 2
    june = results(healthy, until=dt.date(2021, 6, 30))["学习研讨不深"]
    assert june.thresholds == {"专题学习研讨次数": 2}
    weak = healthy.branches[0]
    Activity.objects.filter(org=weak, type="专题学习研讨").exclude(
        title__in=["研讨0", "研讨1"]
    ).delete()
    assert not results(healthy, until=dt.date(2021, 6, 30))["学习研讨不深"].fired  # 2 ≥ 2
    assert results(healthy)["学习研讨不深"].fired  # 2 < 4 over the whole campaign


def test_features_fire_when_a_unit_has_few_tagged_activities(healthy):
    east = healthy.townships[0]
    Activity.objects.filter(org__path__startswith=east.path).update(tags="")
    rule = results(healthy)["特色不浓"]
    assert rule.fired and rule.units_short == 1
    assert rule.short_units[0].code == east.code
    assert rule.short_units[0].measures["特色活动占比"] == 0


def test_projects_rule_fires_on_unfinished_overdue_or_no_consultation(healthy):
    dept = healthy.departments[0]
    Activity.objects.filter(org=dept, type="征求意见").delete()
    rule = results(healthy)["办实事成效"]
    assert rule.fired and [u.code for u in rule.short_units] == [dept.code]
    assert rule.short_units[0].measures["征求意见活动次数"] == 0


def test_projects_rule_overdue_project(healthy):
    west = healthy.townships[1]
    Project.objects.create(
        campaign=healthy.campaign,
        org=healthy.branches[2],
        name="迟到项目",
        field="教育",
        planned_date=dt.date(2021, 7, 1),
        status="推进中",
    )
    rule = results(healthy)["办实事成效"]
    assert rule.fired and [u.code for u in rule.short_units] == [west.code]
    measures = rule.short_units[0].measures
    assert measures["超期项目数"] == 1 and measures["项目完成率"] == 0.5


def test_summary_rule_fires_county_wide(healthy):
    Activity.objects.filter(type="经验总结").delete()
    rule = results(healthy)["总结不足"]
    assert rule.fired and rule.units_short == 1


def test_overdue_problems_fire_and_rectified_ones_do_not(healthy):
    common = dict(campaign=healthy.campaign, org=healthy.branches[0], source="督导发现")
    Problem.objects.create(
        description="已整改",
        deadline=dt.date(2021, 5, 1),
        status="已整改",
        done_date=dt.date(2021, 4, 20),
        **common,
    )
    Problem.objects.create(description="未到期", deadline=dt.date(2022, 6, 1), **common)
    assert not results(healthy)["整改超期"].fired
    Problem.objects.create(description="超期", deadline=dt.date(2021, 5, 1), **common)
    rule = results(healthy)["整改超期"]
    assert rule.fired and rule.units[0].measures["超期未整改问题数"] == 1
    # as of 2021-04-30 the deadline had not passed yet
    assert not results(healthy, until=dt.date(2021, 4, 30))["整改超期"].fired


def test_late_reporting_fires_when_a_unit_misses_the_last_period(healthy):
    east = healthy.townships[0]
    ReportedValue.objects.filter(org=east, period_end=LAST_PERIOD_END).delete()
    rule = results(healthy)["填报不及时"]
    assert rule.fired and [u.code for u in rule.short_units] == [east.code]


def test_fired_rules_come_strongest_first(healthy):
    Activity.objects.filter(type="经验总结").delete()  # weight 0.5, share 1
    for branch in healthy.branches[:3]:  # weight 1.0, share 3/5
        Activity.objects.filter(org=branch, type="专题学习研讨").delete()
    fired = [r for r in rules_evaluate(campaign=healthy.campaign, unit=healthy.county) if r.fired]
    assert [r.code for r in fired] == ["学习研讨不深", "总结不足"]
    assert fired[0].strength == pytest.approx(0.6)
