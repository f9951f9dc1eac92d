"""A second campaign file, written here, with its own figures, rules and template: no code change."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from tests.factories import build_small_county
from xunzhi.campaigns.services import campaign_load
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.ledgers.models import Activity, Problem
from xunzhi.lib.errors import UserError
from xunzhi.reports.services import evaluation_for, report_generate

CAMPAIGN = """
[campaign]
code = "zhuti-2023"
name = "主题教育"
start = 2023-04-01
end = 2023-12-31
goals = ["学思想", "强党性", "重实践", "建新功"]
template = "zhuti-2023.report.j2"

[types]
activities = ["读书班", "调研", "检视整改会"]
resources = ["调研成果"]
problem_sources = ["检视查摆", "群众提出"]

[[values]]
code = "整改完成数"
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
measure = { ledger = "activities", type = "调研", sum = "participants" }

[[figures]]
code = "R3"
name = "检视查摆与群众提出问题"
measures = [
  { ledger = "problems", source = "检视查摆" },
  { ledger = "problems", source = "群众提出" },
]

[[rules]]
code = "读书不足"
name = "读书班不足"
level = ["乡镇"]
label = "读书班期数"
measure = { ledger = "activities", type = "读书班" }
compare = "<"
threshold = "min_reading"
unit_share = "reading_share"
sentence = "有{{ units }}个乡镇读书班少于{{ threshold }}期"
suggestion = "督促{{ units }}个乡镇办好读书班"
"""

TEMPLATE = """
@title
{{ unit }}{{ campaign }}评估意见
@h1
一、主要成效
@body
举办读书班{{ f.R1|fig }}期{% if f.R2 %}，开展调研{{ f.R2|fig }}人次{% endif %}{% if f.R3 %}，查摆问题{{ f.R3|fig }}个{% endif %}。
@h1
二、存在不足
@body
{% for p in problems %}{{ loop.index|cn_ordinal }}是{{ p.sentence }}。{% else %}未发现明显不足。{% endfor %}
@signature
{{ ev.signature or ev.group_title }}
@date
{{ ev.sign_date|cn_date }}
"""


@pytest.fixture
def second(db, tmp_path):
    (tmp_path / "zhuti-2023.toml").write_text(textwrap.dedent(CAMPAIGN), encoding="utf-8")
    (tmp_path / "zhuti-2023.report.j2").write_text(TEMPLATE, encoding="utf-8")
    campaign, created = campaign_load(path=tmp_path / "zhuti-2023.toml")
    assert created
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
    return county


def test_second_campaign_has_its_own_figures(second):
    figures = figures_compute(campaign=second.campaign, unit=second.county)
    assert [f.code for f in figures] == ["R1", "R2", "R3"]
    assert (figures["R1"].value, figures["R2"].text, figures["R3"].value) == (3, "40多", 2)


def test_second_campaign_rules_fire_on_its_own_settings(second):
    (rule,) = rules_evaluate(campaign=second.campaign, unit=second.county)
    assert rule.code == "读书不足" and rule.fired
    assert [u.code for u in rule.short_units] == [second.townships[1].code]  # west: none


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
    assert "举办读书班3期，开展调研40多人次，查摆问题2个。" in text
    assert "一是有1个乡镇读书班少于2期。" in text
    assert "省委巡回指导组" in text and "2023年12月20日" in text
    assert "党史" not in text


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
        ('level = ["乡镇"]', 'level = ["小组"]', "level"),
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
