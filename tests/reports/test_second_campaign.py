"""A second campaign file, written here, with its own figures (measured in 期, 篇 …), rules,
milestones, report settings and template, using the shared level words: no code change."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from tests.factories import build_small_county
from xunzhi.campaigns.services import Loaded, campaign_load
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.ledgers.models import Activity, Problem, Resource
from xunzhi.lib.errors import UserError
from xunzhi.reports.compose import ReportCheckError
from xunzhi.reports.services import evaluation_for, report_compose, report_generate

CAMPAIGN = """
[campaign]
code = "zhuti-2023"
name = "主题教育"
start = 2023-04-01
end = 2023-12-31
goals = ["学思想", "强党性", "重实践", "建新功"]
template = "zhuti-2023.report.j2"
vocabulary = "shared/levels.toml"

[[milestones]]
code = "中央经济工作会议"
date = 2023-12-12

[report]
problems_max = 3
group_title = "{{ lv.guide }}主题教育{{ number }}巡回指导组"
date_after_days = 5

[types]
activities = ["读书班", "调研", "检视整改会"]
resources = ["调研成果"]
problem_sources = ["检视查摆", "群众提出"]

[[values]]
code = "整改完成数"
unit = "件"
aggregate = "latest"

[settings]
min_reading = 2
reading_share = 0.5

[[figures]]
code = "R1"
name = "读书班期数"
unit = "期"
measure = { ledger = "activities", type = "读书班" }

[[figures]]
code = "R2"
name = "调研人次"
style = "多"
unit = "人次"
measure = { ledger = "activities", type = "调研", sum = "participants" }

[[figures]]
code = "R3"
name = "检视查摆与群众提出问题"
unit = "个"
measures = [
  { ledger = "problems", source = "检视查摆" },
  { ledger = "problems", source = "群众提出" },
]

[[figures]]
code = "R4"
name = "{{ lv.standing }}调研成果"
unit = "篇"
measure = { ledger = "resources", type = "调研成果", org_leading_body = true }

[[rules]]
code = "读书不足"
name = "读书班不足"
goal = "学思想"
level = "sub"
label = "读书班期数"
measure = { ledger = "activities", type = "读书班" }
compare = "<"
threshold = "min_reading"
unit_share = "reading_share"
sentence = "{{ lv.whole }}{{ base }}个{{ base_word }}中有{{ units }}个读书班少于{{ threshold }}期，{{ examples_text }}"
suggestion_title = "办好读书班"
suggestion = "督促{{ units }}个{{ unit_word }}办好读书班"
"""

TEMPLATE = """
@title
{{ unit }}{{ campaign }}评估意见
@h1
一、主要成效
@body
{{ lv.whole }}围绕“{{ campaign.goals|join("、") }}”，举办读书班{{ f.R1|fig }}期{% if f.R2 %}，开展调研{{ f.R2|fig }}人次{% endif %}{% if f.R3 %}，查摆问题{{ f.R3|fig }}个{% endif %}{% if f.R4 %}，{{ lv.standing }}形成调研成果{{ f.R4|fig }}篇{% endif %}。
{% if ms.中央经济工作会议 %}认真学习贯彻中央经济工作会议精神。{% endif %}
@h1
二、存在不足
@body
{% for p in problems %}{{ loop.index|cn_ordinal }}是{{ p.sentence }}。{% else %}未发现明显不足。{% endfor %}
@signature
{{ ev.signature or ev.group_title }}
@date
{{ report_date|cn_date }}
"""


@pytest.fixture
def second(db, tmp_path):
    (tmp_path / "zhuti-2023.toml").write_text(textwrap.dedent(CAMPAIGN), encoding="utf-8")
    (tmp_path / "zhuti-2023.report.j2").write_text(TEMPLATE, encoding="utf-8")
    campaign, loaded = campaign_load(path=tmp_path / "zhuti-2023.toml")
    assert loaded == Loaded.NEW
    county = build_small_county(campaign, prefix="Z")
    east, west = county.townships
    for n in range(3):
        Activity.objects.create(
            campaign=campaign,
            org=county.branches[0],
            date=dt.date(2023, 5, 1 + n),
            type="读书班",
            title=f"读书班{n}",
        )
    Activity.objects.create(
        campaign=campaign,
        org=west,
        date=dt.date(2023, 6, 1),
        type="调研",
        title="调研",
        participants=47,
    )
    Activity.objects.create(  # outside the campaign period: not counted
        campaign=campaign,
        org=west,
        date=dt.date(2024, 1, 5),
        type="读书班",
        title="迟到",
    )
    Problem.objects.create(campaign=campaign, org=east, source="检视查摆", description="甲")
    Problem.objects.create(campaign=campaign, org=west, source="群众提出", description="乙")
    for n in range(2):
        Resource.objects.create(
            campaign=campaign, org=county.leading_body, type="调研成果", name=f"成果{n}"
        )
    return county


def test_second_campaign_has_its_own_figures(second):
    figures = figures_compute(campaign=second.campaign, unit=second.county)
    assert [f.code for f in figures] == ["R1", "R2", "R3", "R4"]
    assert (figures["R1"].value, figures["R2"].text, figures["R3"].value) == (3, "40多", 2)
    assert (figures["R4"].name, figures["R4"].value) == ("县委常委班子调研成果", 2)
    town = figures_compute(campaign=second.campaign, unit=second.townships[0])
    assert town["R4"].name == "镇党委班子调研成果"  # the same figure, named for its level


def test_second_campaign_rules_fire_on_its_own_settings(second):
    (rule,) = rules_evaluate(campaign=second.campaign, unit=second.county)
    assert rule.code == "读书不足" and rule.fired and rule.goal == "学思想"
    # level "sub": the county's townships and department; east and the department have none
    assert [u.code for u in rule.short_units] == [
        second.townships[1].code,
        second.departments[0].code,
    ]


def test_second_campaign_report_uses_its_own_template(second, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    evaluation = evaluation_for(
        campaign=second.campaign,
        unit=second.county,
        signature="省委巡回指导组",
        sign_date=dt.date(2023, 12, 20),
    )
    version = report_generate(evaluation=evaluation, formats=("md", "docx"))
    text = (tmp_path / version.md_path).read_text(encoding="utf-8")
    assert "测试县主题教育评估意见" in text
    assert (
        "全县围绕“学思想、强党性、重实践、建新功”，举办读书班3期，开展调研40多人次，"
        "查摆问题2个，县委常委班子形成调研成果2篇。" in text
    )
    assert "认真学习贯彻中央经济工作会议精神" in text  # the cut-off (its end) is after it
    assert "一是全县3个乡镇和部门中有2个读书班少于2期，为测试西镇和测试县教育局。" in text
    assert "省委巡回指导组" in text and "2023年12月20日" in text
    assert "党史" not in text


def test_second_campaign_dates_and_group_title_follow_its_own_settings(second):
    evaluation = evaluation_for(
        campaign=second.campaign,
        unit=second.county,
        group_number="第二",
        until=dt.date(2023, 9, 30),
    )
    text = report_compose(evaluation=evaluation).document.text
    assert text.rstrip().endswith("市委主题教育第二巡回指导组\n2023年10月5日")  # 30 Sep + 5 days
    assert "中央经济工作会议" not in text  # 12 December: after this cut-off
    town = evaluation_for(campaign=second.campaign, unit=second.townships[0], group_number="第二")
    text = report_compose(evaluation=town).document.text
    assert "全镇围绕" in text and "全县" not in text


def test_a_zero_in_the_campaigns_own_measure_word_is_refused(second):
    """The zero check knows the campaign's units (期), not a fixed list."""
    Activity.objects.filter(type="读书班").delete()
    evaluation = evaluation_for(campaign=second.campaign, unit=second.county)
    with pytest.raises(ReportCheckError, match="数量为零") as caught:
        report_compose(evaluation=evaluation)
    assert "读书班0期" in str(caught.value)


def test_a_campaign_file_with_a_bad_figure_is_refused(tmp_path):
    bad = CAMPAIGN.replace(
        'type = "读书班" }\n\n[[figures]]\ncode = "R2"',
        'type = "读书会" }\n\n[[figures]]\ncode = "R2"',
    )
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    (tmp_path / "zhuti-2023.report.j2").write_text(TEMPLATE, encoding="utf-8")
    from xunzhi.campaigns.spec import campaign_file_read

    with pytest.raises(UserError, match="数据项 R1.*读书会"):
        campaign_file_read(tmp_path / "bad.toml")


@pytest.mark.parametrize(
    ("fragment", "replacement", "message"),
    [
        ('sum = "participants"', 'sum = "title"', "sum“title”"),
        ('compare = "<"', 'compare = "≈"', "compare"),
        ('threshold = "min_reading"', 'threshold = "min_books"', "min_books"),
        ('level = "sub"', 'level = ["小组"]', "level"),
        ('goal = "学思想"', 'goal = "学史明理"', "goal“学史明理”不是活动目标"),
        ("problems_max = 3", "problems_max = -1", "problems_max"),
        ("problems_max = 3", 'problems_order = ["没有的规则"]', "没有的规则"),
        ("problems_max = 3", "problem_max = 3", "不认识 problem_max"),
        ("date = 2023-12-12", 'date = "十二月"', "milestones"),
        ('vocabulary = "shared/levels.toml"', 'vocabulary = "missing.toml"', "找不到层级用语表"),
        (
            '{ ledger = "activities", type = "读书班" }\n\n[[figures]]\ncode = "R2"',
            '{ ledger = "meetings" }\n\n[[figures]]\ncode = "R2"',
            "ledger",
        ),
    ],
)
def test_malformed_entries_are_named(tmp_path, fragment, replacement, message):
    from xunzhi.campaigns.spec import campaign_file_read

    assert fragment in CAMPAIGN
    (tmp_path / "c.toml").write_text(CAMPAIGN.replace(fragment, replacement, 1), encoding="utf-8")
    (tmp_path / "zhuti-2023.report.j2").write_text(TEMPLATE, encoding="utf-8")
    with pytest.raises(UserError, match=message):
        campaign_file_read(tmp_path / "c.toml")
