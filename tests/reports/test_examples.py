"""The example reports in docs/examples are what the product writes now from the demo county, and
they read right for their level and date (slow: builds the demo county)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from tests.reports.test_levels_and_time import AFTER_JULY, AFTER_NOVEMBER, COUNTY_WORDS
from xunzhi.campaigns.models import Campaign
from xunzhi.organisations.selectors import org_find
from xunzhi.reports.services import evaluation_for, render, report_compose

pytestmark = pytest.mark.slow

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
SETTINGS = dict(group_number="第三", arrival_date=dt.date(2021, 3, 17), city="江州")
CLOSING = dict(until=dt.date(2021, 12, 31), sign_date=dt.date(2022, 1, 10))
CASES = {
    "青山县-截至2021-06-30.md": ("青山县", dict(until=dt.date(2021, 6, 30))),
    "青山县-截至2021-09-30.md": ("青山县", dict(until=dt.date(2021, 9, 30))),
    "青山县.md": ("青山县", CLOSING),
    "城关镇.md": ("城关镇", CLOSING),
    "县教育局.md": ("县教育局", CLOSING),
}


@pytest.fixture
def texts(demo_county, db) -> dict[str, str]:
    campaign = Campaign.objects.get(code="dangshi-2021")
    out = {}
    for name, (unit, extra) in CASES.items():
        evaluation = evaluation_for(campaign=campaign, unit=org_find(unit), **SETTINGS, **extra)
        out[name] = render(report_compose(evaluation=evaluation).document, "md").decode()
    return out


def test_examples_are_what_the_product_writes(texts):
    for name, text in texts.items():
        assert (EXAMPLES / name).read_text(encoding="utf-8") == text, (
            f"docs/examples/{name} is out of date: regenerate it (docs/examples/README.md)"
        )


def test_examples_read_right_for_their_level_and_date(texts):
    for name, text in [
        *texts.items(),
        ("江州市.md", (EXAMPLES / "江州市.md").read_text(encoding="utf-8")),
    ]:
        assert not re.search(r"\d{6}", text), name  # 54万余人, never 540000余人
        assert not re.search(r"\d\.\d{2}万", text), name  # 346万余, never 346.38万
        assert "今年来" not in text, name
    june, september = texts["青山县-截至2021-06-30.md"], texts["青山县-截至2021-09-30.md"]
    for word in (*AFTER_JULY, *AFTER_NOVEMBER):
        assert word not in june, word
    assert all(word in september for word in ("“七一”重要讲话", "伟大建党精神"))
    assert not any(word in september for word in AFTER_NOVEMBER)
    assert june.rstrip().endswith("2021年7月10日") and "阶段性评估报告" in june
    county = texts["青山县.md"]
    assert "两个确立" in county and "截至2021年12月31日" in county and "2021年以来" in county
    assert county.rstrip().endswith("2022年1月10日")
    town = texts["城关镇.md"]
    assert not any(word in town for word in COUNTY_WORDS)
    assert "全镇" in town and "镇党委班子累计开展" in town
    dept = texts["县教育局.md"]
    assert not any(word in dept.replace("县教育局", "") for word in COUNTY_WORDS)
    assert "县教育局党员干部" in dept and "以党组书记为组长" in dept
    city = (EXAMPLES / "江州市.md").read_text(encoding="utf-8")
    assert "全市" in city and "市委常委班子" in city and "市厅级" in city
    assert not any(word in city for word in ("全县", "县委常委", "县委主要领导", "县委书记"))
    assert city.splitlines()[2] == "省委党史学习教育领导小组："


def test_the_problems_of_the_county_are_fair_evidence(texts):
    county = texts["青山县.md"]
    problems = county[county.index("## 三、存在的问题") : county.index("## 四、工作建议")]
    # one condition each, with count, base and extent, and named examples
    assert "全县636个基层党组织中，有121个专题学习研讨少于4次（其中30个尚未开展），如" in problems
    assert re.search(
        r"全县\d+个项目尚未完成，其中\d+个超过计划完成时限，涉及\d+个乡镇和部门，如", problems
    )
    assert re.search(r"全县查摆和发现的\d+个问题中，尚有\d+个超过整改时限未完成整改", problems)
    assert "经验总结仅占" not in problems and "存在项目未完成、超期或未开展征求意见" not in problems
    suggestions = county[county.index("## 四、工作建议") :]
    points = re.findall(r"^[一二三四五六七八九十]+是([^。]+)。", suggestions, re.M)
    assert len(points) == len(set(points)) >= 4
    assert suggestions.count("长效机制") <= 2  # one point, never two
