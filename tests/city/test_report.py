"""The city report: the city's words and a paragraph that sums and compares its counties."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from tests.city.test_compare import UNTIL, independent
from xunzhi.reports.services import evaluation_for, report_compose


def composed(campaign, unit):
    evaluation = evaluation_for(campaign=campaign, unit=unit, group_number="第二", until=UNTIL)
    return report_compose(evaluation=evaluation)


def test_city_report_speaks_for_the_city_and_compares_its_counties(campaign, city):
    document = composed(campaign, city.city).document
    text = document.text
    assert document.blocks[1].text == "省委党史学习教育领导小组："
    assert "省委第二巡回指导组入驻测试市" in text and "全市党员干部" in text
    assert "能较好地发挥市委巡回指导组的作用" in text
    for word in ("全县", "县委常委班子", "县委巡回指导组", "县委书记"):
        assert word not in text, word
    paragraph = next(b.text for b in document.blocks if "从各县（市、区）看" in b.text)
    # the sums and the ranking, recomputed by hand SQL
    expected = independent(campaign, city)
    a, b = (c.county for c in city.counties)
    members = sum(expected["members"][c.path] for c in (a, b))
    assert 200 <= members < 300 and "全市2个县（市、区）共有党员250多名" in paragraph
    per100 = {
        c.name: (Decimal(expected["activities"][c.path] * 100) / expected["members"][c.path])
        for c in (a, b)
    }
    high = max(per100, key=lambda n: per100[n])
    low = min(per100, key=lambda n: per100[n])
    one = Decimal("0.1")
    assert (
        f"{high}最高（{per100[high].quantize(one, rounding=ROUND_HALF_UP)}场次），"
        f"{low}最低（{per100[low].quantize(one, rounding=ROUND_HALF_UP)}场次）"
    ) in paragraph
    rectified = {
        c.name: expected["problems_done"][c.path] / expected["problems"][c.path] for c in (a, b)
    }
    high = max(rectified, key=lambda n: rectified[n])
    assert "全市问题整改率为" in paragraph
    assert f"{high}最高（{round(rectified[high] * 100)}%）" in paragraph
    assert "截至9月30日" in paragraph and paragraph.endswith("。")


def test_county_report_has_no_counties_paragraph(campaign, city):
    text = composed(campaign, city.counties[0].county).document.text
    assert "从各县（市、区）看" not in text
    assert "全县党员干部" in text and "全市党员干部" not in text
