"""The report reads right for its unit's level (county, township, department, city) and for its
cut-off date — checked by reading the text, on small hand-made fixtures."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.factories import build_small_city
from tests.figures.healthy import late_project, make_healthy
from tests.figures.ledger_fill import fill
from tests.reports.test_report import set_report
from xunzhi.ledgers.models import Activity, Project, ReportedValue
from xunzhi.reports.services import evaluation_for, report_check_sheet, report_compose

#: Words of a county's own bodies: a report on any other level must not use them.
COUNTY_WORDS = ("全县", "县委", "县处级", "四套班子", "县级", "县委巡回指导组", "县委书记")
#: Events after which some words exist (the campaign file's milestones).
AFTER_JULY = ("“七一”重要讲话", "伟大建党精神", "精神谱系")
AFTER_NOVEMBER = ("六中全会", "两个确立", "十个坚持")


def compose(campaign, unit, **settings):
    return report_compose(evaluation=evaluation_for(campaign=campaign, unit=unit, **settings))


def text_of(campaign, unit, **settings) -> str:
    return compose(campaign, unit, **settings).document.text


def no_six_digits(text: str) -> None:
    assert not re.search(r"\d{6}", text), re.search(r".{10}\d{6}.{5}", text)


@pytest.fixture
def filled(county):
    fill(county)
    return county


# --- levels ---------------------------------------------------------------------------------


def test_county_report_speaks_of_the_county(filled):
    composed = compose(filled.campaign, filled.county, group_number="第三", city="江州")
    text = composed.document.text
    for word in (
        "全县",
        "县委常委班子",
        "县处级领导以上率下，四套班子成员全员上阵",
        "县委书记为组长",
    ):
        assert word in text, word
    assert composed.document.blocks[1].text == "江州市委党史学习教育领导小组："
    assert "市委第三巡回指导组入驻测试县" in text and "江州市委党史学习教育办" in text
    assert composed.figures["F01"].name == "县委常委班子专题学习研讨"


def test_township_report_never_speaks_of_the_county(filled):
    town = filled.townships[0]
    Activity.objects.create(  # the township's own 党委 holds a seminar
        campaign=filled.campaign,
        org=town,
        date=dt.date(2021, 5, 6),
        type="专题学习研讨",
        title="研讨",
    )
    composed = compose(filled.campaign, town, group_number="第三")
    text = composed.document.text
    for word in COUNTY_WORDS:
        assert word not in text, word
    for word in (
        "全镇党员干部",
        "镇党委通过召开党委（扩大）会议",
        "以镇党委书记为组长",
        "镇党委班子累计开展",
    ):
        assert word in text, word
    # the township's own body stands where the county's 常委班子 stood, in the report and in
    # the names the check sheet and the dashboard show
    assert composed.figures["F01"].name == "镇党委班子专题学习研讨"
    assert composed.figures["F09"].name == "镇党委会议"
    assert composed.figures["F01"].value >= 1
    # rules measure the township's branches, never the township as one of "部分单位"
    assert "有1个乡镇" not in text
    for rule in composed.rules:
        assert all(u.kind == "党支部" for u in rule.units), rule.code


def test_department_report_uses_its_name_and_its_party_group(filled):
    dept = filled.departments[0]
    text = text_of(filled.campaign, dept)
    for word in COUNTY_WORDS:
        assert word not in text.replace(dept.name, ""), word
    for word in ("测试县教育局党员干部", "党组通过召开党组（扩大）会议", "以党组书记为组长"):
        assert word in text, word
    assert "本部门" not in text  # the report speaks from outside, by name


def test_city_report_speaks_of_the_city(campaign):
    city = build_small_city(campaign)
    for county in city.counties:
        fill(county)
    for n in range(3):
        Activity.objects.create(
            campaign=campaign,
            org=city.leading_body,
            date=dt.date(2021, 4, 1 + n),
            type="专题学习研讨",
            title=f"市委研讨{n}",
        )
    Project.objects.create(
        campaign=campaign,
        org=city.leading_body,
        name="市领导领办项目",
        field="教育",
        leader=city.members[0],
        leader_rank="厅局级",
        planned_date=dt.date(2021, 9, 1),
        status="已完成",
        done_date=dt.date(2021, 8, 1),
    )
    composed = compose(campaign, city.city, group_number="第三")
    text = composed.document.text
    for word in (
        "全市党员干部",
        "市委常委班子累计开展3个专题学习研讨",
        "市厅级领导以上率下，四套班子成员全员上阵",
        "市厅级以上领导带头领办“我为群众办实事”项目1个",
        "以市委书记为组长",
        "省委第三巡回指导组入驻测试市",
        "与中央和省委要求",
    ):
        assert word in text, word
    assert composed.document.blocks[1].text == "省委党史学习教育领导小组："
    assert text.rstrip().splitlines()[-2] == "省委第三巡回指导组"
    for word in ("全县", "县委常委", "县委主要领导", "县委书记", "县处级领导以上率下", "县级"):
        assert word not in text, word
    # the city's own body only: not the two counties' 常委会 added up
    assert composed.figures["F01"].value == 3
    # problems measured over its counties, named by county
    sub = [r for r in composed.rules if r.rule and r.rule.is_sub]
    assert sub and all({u.kind for u in r.units} == {"县"} for r in sub)
    for rule in composed.rules:
        if rule.shown and rule.rule.is_sub:
            assert "县（市、区）" in rule.sentence
    no_six_digits(text)


def test_group_title_is_a_setting_with_a_default_pattern(filled):
    text = text_of(filled.campaign, filled.county, group_number="第二")
    assert "市委第二巡回指导组" in text
    text = text_of(filled.campaign, filled.county, group_title="市委党纪学习教育第二巡回指导组")
    assert "根据市委关于党史学习教育部署安排，市委党纪学习教育第二巡回指导组" in text
    assert text.rstrip().splitlines()[-2] == "市委党纪学习教育第二巡回指导组"


# --- time -----------------------------------------------------------------------------------


def test_june_report_is_a_mid_campaign_one(filled):
    composed = compose(filled.campaign, filled.county, until=dt.date(2021, 6, 30))
    text = composed.document.text
    assert composed.document.blocks[0].text.endswith("阶段性评估报告")
    for word in (*AFTER_JULY, *AFTER_NOVEMBER):
        assert word not in text, word
    assert "取得阶段性成效" in text
    assert "达到了学党史" not in text and "较好地完成了各项工作任务" not in text
    assert "善始善终" not in text  # a closing wish; mid-campaign it pushes on
    assert text.rstrip().endswith("2021年7月10日")  # no sign date: cut-off + 10 days
    assert "截至6月30日" in text and "截至2021年" not in text
    if composed.figures["F29"]:
        assert "今年以来" in text


def test_september_report_cites_july_but_not_november(filled):
    text = text_of(filled.campaign, filled.county, until=dt.date(2021, 9, 30))
    for word in ("“七一”重要讲话精神", "伟大建党精神"):
        assert word in text, word
    for word in AFTER_NOVEMBER:
        assert word not in text, word
    assert text.rstrip().endswith("2021年10月10日")


def test_year_end_report_dated_next_year_names_the_year(filled):
    composed = compose(
        filled.campaign,
        filled.county,
        until=dt.date(2021, 12, 31),
        sign_date=dt.date(2022, 1, 10),
        arrival_date=dt.date(2021, 3, 17),
    )
    text = composed.document.text
    assert "六中全会" in text and "两个确立" in text
    assert "于2021年3月17日入驻" in text
    assert "截至2021年12月31日" in text and "截至12月31日" not in text
    assert "今年以来" not in text
    if composed.figures["F29"]:
        assert "2021年以来结合" in text
    assert text.rstrip().endswith("2022年1月10日")
    assert "阶段性" not in text


def test_judgements_follow_the_data(county):
    healthy = make_healthy(county)
    text = text_of(healthy.campaign, healthy.county)
    assert "达到了学党史、悟思想、办实事、开新局的目的" in text
    assert "较好地完成了各项工作任务" in text
    late_project(healthy, planned=dt.date(2021, 7, 1))
    text = text_of(healthy.campaign, healthy.county)
    assert "达到了学党史" not in text and "较好地完成了各项工作任务" not in text
    assert "取得明显成效" in text


def test_numbers_are_written_as_an_official_writes_them(county):
    healthy = make_healthy(county)
    ReportedValue.objects.create(
        campaign=healthy.campaign,
        org=healthy.townships[0],
        period="2021-12",
        period_end=dt.date(2021, 12, 31),
        item="网络学习人次",
        value=Decimal(3_463_810),
    )
    Activity.objects.create(
        campaign=healthy.campaign,
        org=healthy.branches[0],
        date=dt.date(2021, 6, 1),
        type="文艺演出",
        title="汇演",
        participants=547_163,
    )
    for n in range(25):
        Activity.objects.create(
            campaign=healthy.campaign,
            org=healthy.branches[1],
            date=dt.date(2021, 7, 1),
            type="调研",
            title=f"调研{n}",
            participants=1_020,
        )
    text = text_of(healthy.campaign, healthy.county)
    assert "党员参与网络学习346万余人次" in text
    assert "受众54万余人" in text
    assert "各级领导干部开展调研2.5万多人次" in text
    no_six_digits(text)


# --- what the report leaves out is listed -----------------------------------------------------


def test_problems_left_out_are_listed_in_the_check_sheet(filled):
    set_report(filled.campaign, problems_max=1)
    evaluation = evaluation_for(campaign=filled.campaign, unit=filled.county)
    composed = report_compose(evaluation=evaluation)
    fired = [r for r in composed.rules if r.fired]
    assert len(fired) >= 2
    sheet = load_workbook(io.BytesIO(report_check_sheet(composed=composed)))["规则"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    shown = [code for code, row in rows.items() if row[4] == "是"]
    omitted = [code for code, row in rows.items() if str(row[4]).startswith("否")]
    assert len(shown) == 1 and len(omitted) == len(fired) - 1
    for code in omitted:
        row = rows[code]
        assert row[4] == "否（超出报告所列问题条数（1条））"
        assert row[-1] and row[-1] not in composed.document.text  # its sentence, kept here
