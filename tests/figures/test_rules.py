"""Each rule of the campaign file, firing and not firing, on a county built to be healthy; what
each measures at every level of the tree, and how thresholds follow the cut-off."""

from __future__ import annotations

import datetime as dt
import operator
from decimal import Decimal

import pytest

from tests.figures.healthy import LAST_PERIOD_END, late_project, make_healthy, set_setting
from xunzhi.figures.engine import Agg
from xunzhi.figures.services import CompiledCondition, UnitRef, _units_measure, rules_evaluate
from xunzhi.figures.spec import Condition, Measure
from xunzhi.ledgers.models import Activity, Problem, ReportedValue
from xunzhi.organisations.models import Org

RULES = (
    "学习研讨不深",
    "特色不浓",
    "整改超期",
    "办实事超期",
    "征求意见不足",
    "总结不足",
    "填报不及时",
)


def results(county, until=None, unit=None):
    return {
        r.code: r
        for r in rules_evaluate(campaign=county.campaign, unit=unit or county.county, until=until)
    }


@pytest.fixture
def healthy(county):
    return make_healthy(county)


def test_every_rule_is_defined_and_none_fires_on_a_healthy_county(healthy):
    got = results(healthy)
    assert list(got) == list(RULES)  # the campaign file's order
    assert [code for code, r in got.items() if r.fired] == []
    assert got["学习研讨不深"].units_total == len(healthy.branches)
    sub = len(healthy.townships) + len(healthy.departments)  # 乡镇和部门, not the 常委会
    for code in ("特色不浓", "整改超期", "办实事超期", "总结不足"):
        assert got[code].units_total == sub, code


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


def test_a_threshold_of_zero_is_not_prorated_up(healthy):
    """A count of overdue things must stay '> 0' at any cut-off (not become '> 1')."""
    late_project(healthy, planned=dt.date(2021, 5, 1))
    june = results(healthy, until=dt.date(2021, 6, 30))["办实事超期"]
    assert june.thresholds == {"超期项目数": 0} and june.fired


def test_features_fire_when_a_unit_has_few_tagged_activities(healthy):
    east = healthy.townships[0]
    Activity.objects.in_subtree(east).update(tags="")
    rule = results(healthy)["特色不浓"]
    assert rule.fired and rule.units_short == 1
    assert rule.short_units[0].code == east.code
    assert rule.short_units[0].measures["特色活动占比"] == 0
    assert (rule.unit_word, rule.base_word) == ("乡镇", "乡镇和部门")


def test_overdue_projects_fire_only_when_due_by_the_cut_off(healthy):
    west = healthy.townships[1]
    late_project(healthy, planned=dt.date(2021, 7, 1), org=healthy.branches[2])
    rule = results(healthy)["办实事超期"]
    assert rule.fired and [u.code for u in rule.short_units] == [west.code]
    assert rule.short_units[0].measures["超期项目数"] == 1
    # planned for July: on 30 June it is not late, so nothing is flagged (not "unfinished")
    assert not results(healthy, until=dt.date(2021, 6, 30))["办实事超期"].fired


def test_units_without_consultation_are_their_own_rule(healthy):
    branch = healthy.branches[3]
    Activity.objects.filter(org=branch, type="征求意见").delete()
    got = results(healthy)
    assert got["征求意见不足"].fired
    assert [u.code for u in got["征求意见不足"].short_units] == [branch.code]
    assert not got["办实事超期"].fired  # a different condition, a different rule


def test_summary_rule_measures_each_unit_not_the_county(healthy):
    dept = healthy.departments[0]
    Activity.objects.filter(org=dept, type="经验总结").delete()
    rule = results(healthy)["总结不足"]
    assert rule.fired and [u.code for u in rule.short_units] == [dept.code]
    assert rule.short_units[0].measures["经验总结占活动比例"] == 0


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
    assert rule.fired and rule.short_units[0].measures["超期未整改问题数"] == 1
    assert rule.short_units[0].code == healthy.townships[0].code  # the township it lies in
    # as of 2021-04-30 the deadline had not passed yet
    assert not results(healthy, until=dt.date(2021, 4, 30))["整改超期"].fired


def test_late_reporting_fires_when_a_unit_misses_the_last_period(healthy):
    east = healthy.townships[0]
    ReportedValue.objects.filter(org=east, period_end=LAST_PERIOD_END).delete()
    rule = results(healthy)["填报不及时"]
    assert rule.fired and [u.code for u in rule.short_units] == [east.code]


def test_a_township_report_measures_its_branches_never_itself(healthy):
    """Rules of a township's report measure the units below it: its Party branches (level
    'sub'), never the township itself as one of '部分单位'."""
    east = healthy.townships[0]
    ReportedValue.objects.filter(org=east, period_end=LAST_PERIOD_END).delete()
    Activity.objects.in_subtree(east).update(tags="")
    got = results(healthy, unit=east)
    assert got["填报不及时"].units_total == 0 and not got["填报不及时"].fired
    features = got["特色不浓"]
    assert features.units_total == 2 and features.units_short == 2  # its two branches
    assert features.unit_word == "基层党组织"
    assert {u.kind for u in features.units} == {"党支部"}


def test_examples_are_the_worst_units_first(healthy):
    first, second = healthy.branches[0], healthy.branches[2]  # one in each township
    first.name = "红星村党支部"
    first.save()
    Activity.objects.filter(org=first, type="专题学习研讨").delete()
    Activity.objects.filter(org=second, type="专题学习研讨").exclude(title="研讨0").delete()
    rule = results(healthy)["学习研讨不深"]
    assert [u.code for u in rule.examples] == [first.code, second.code]  # 0 before 1
    # named with the township they lie in, as a county report prints them
    assert rule.examples[0].label == "测试东镇红星村党支部"
    assert rule.examples[1].label == second.name  # already says where it lies
    assert rule.zero_units() == 1


@pytest.mark.django_db
def test_examples_below_a_city_carry_the_places_between(campaign):
    """A city's report names a township's 党支部 with its county and township, and a county
    department's 党支部 with its county merged into the 县 it starts with."""
    from tests.factories import build_small_city
    from xunzhi.figures.services import UnitMeasure, _labelled

    city = build_small_city(campaign)
    county = city.counties[0]
    branch = county.branches[0]
    branch.name = "何林村党支部"
    branch.save()
    department = Org.objects.get(code=f"{county.county.code[:1]}21")
    dept_branch = Org.objects.children_of(department).first()
    dept_branch.name = "县教育局机关党支部"
    dept_branch.save()

    def measured(org: Org) -> UnitMeasure:
        return UnitMeasure(org.pk, org.code, org.name, org.kind, {}, True, org.path, org.name)

    labels = [u.label for u in _labelled([measured(branch), measured(dept_branch)], city.city)]
    township = Org.objects.get(path=branch.path[: -Org.steplen]).name
    assert labels == [f"甲县{township}何林村党支部", "甲县教育局机关党支部"]


def test_a_unit_falls_short_by_any_or_all_of_its_conditions():
    """``combine``: with "any" one short condition makes the unit short, with "all" every one
    must; a ratio without a denominator counts as short only where the condition says so."""
    seminars = Measure(ledger="activities")
    problems = Measure(ledger="problems")
    units = [UnitRef(n, f"U{n}", f"单位{n}", "党支部", f"000{n}") for n in (1, 2, 3, 4)]

    def table(values: dict[int, int]) -> dict[str, Agg]:
        return {f"000{n}": Agg(rows=v) for n, v in values.items()}

    few = CompiledCondition(
        Condition(label="研讨", compare="<", threshold=2, measure=seminars),
        [table({1: 0, 2: 5, 3: 1, 4: 3})],
        Decimal(2),
        operator.lt,
    )
    ratio = Condition(
        label="整改率",
        compare="<",
        threshold=0.5,
        numerator=problems,
        denominator=problems,
        missing="short",
    )
    low = CompiledCondition(
        ratio, [table({1: 1, 2: 0, 3: 2}), table({1: 4, 2: 4, 3: 2})], Decimal("0.5"), operator.lt
    )  # unit 4 has no problems: its ratio is missing, and missing counts as short

    def short(combine: str) -> list[str]:
        return [u.code for u in _units_measure(units, [few, low], combine=combine) if u.short]

    assert short("any") == ["U1", "U2", "U3", "U4"]
    assert short("all") == ["U1"]
    measured = _units_measure(units, [few, low], combine="all")
    assert measured[3].measures == {"研讨": 3, "整改率": None}
    assert measured[0].measures == {"研讨": 0, "整改率": Decimal("0.25")}
