"""The demo province: cities and counties cloned in the database from a (here small) pattern.

The pattern is hand-made (two small counties with the ledgers of ``tests.figures.ledger_fill``,
a visit with its problem, a city leader's lecture in a county), so the tests run in seconds; the
real pattern is the city demo's generator, the clone code is the same.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import add, build_small_county
from tests.figures.ledger_fill import fill
from xunzhi.campaigns.models import Campaign
from xunzhi.demo import names
from xunzhi.demo.generate import demo_counts
from xunzhi.demo.province import PROVINCE_CODE, province_generate, province_leaders_add
from xunzhi.figures.services import figures_compute
from xunzhi.ledgers.models import (
    LEDGER_MODELS,
    Activity,
    Problem,
    SubmissionStatus,
    SupervisionVisit,
    ValueSubmission,
)
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank

CITIES = 3


def small_pattern(rng: random.Random, campaign: Campaign) -> None:
    """测试省: its 省委常委会, and the city P01 with its 市委常委会 and two small counties."""
    province = Org.objects.add_root(
        dict(code=PROVINCE_CODE, name=names.PROVINCE_NAME, kind=OrgKind.PROVINCE)
    )
    province_leaders_add(
        rng,
        add(province, code="P00L", name="省委常委会", kind=OrgKind.COMMITTEE, is_leading_body=True),
    )
    city_name = names.PROVINCE_CITY_NAMES[0]
    city = add(province, code="P01", name=city_name, kind=OrgKind.CITY)
    leading = add(
        city,
        code="P01L",
        name=f"{city_name.removesuffix('市')}市委常委会",
        kind=OrgKind.COMMITTEE,
        member_count=11,
        is_leading_body=True,
    )
    city_leader = Leader.objects.create(
        name="市委书记甲", org=leading, title="市委书记", rank=Rank.BUREAU, is_principal=True
    )
    Activity.objects.create(
        campaign=campaign, org=leading, date=dt.date(2021, 4, 1), type="常委会会议", title="会议"
    )
    for number, county_name in enumerate(names.COUNTY_NAMES[:2], start=1):
        county = build_small_county(campaign, prefix=f"P01C{number}", parent=city, name=county_name)
        fill(county, seed=number, activities=120)
        visit = SupervisionVisit.objects.create(
            campaign=campaign,
            org=county.townships[0],
            date=dt.date(2021, 5, 10),
            group_name="市委第三巡回指导组",
            method="实地督导",
            findings="学习不深入",
        )
        Problem.objects.create(
            campaign=campaign,
            org=county.townships[0],
            source="督导发现",
            description="学习不深入（督导）",
            visit=visit,
        )
        Activity.objects.create(
            campaign=campaign,
            org=county.branches[0],
            date=dt.date(2021, 6, 1),
            type="宣讲",
            title="市委书记宣讲",
            participants=120,
            leader=city_leader,
        )
        ValueSubmission.objects.create(
            campaign=campaign,
            org=county.townships[0],
            period="2021-06",
            status=SubmissionStatus.APPROVED,
        )


def generate(campaign: Campaign, **kwargs: object) -> list[str]:
    lines: list[str] = []
    province_generate(
        campaign=campaign, cities=CITIES, pattern=small_pattern, progress=lines.append, **kwargs
    )
    return lines


def county_pairs() -> list[tuple[Org, Org]]:
    """(pattern county, its clone) for every cloned county."""
    pattern = {
        c.code[3:]: c for c in Org.objects.filter(kind=OrgKind.COUNTY, code__startswith="P01")
    }
    return [
        (pattern[c.code[3:]], c)
        for c in Org.objects.filter(kind=OrgKind.COUNTY).exclude(code__startswith="P01")
    ]


@pytest.fixture
def province(db, campaign) -> Org:
    generate(campaign)
    return Org.objects.get(code=PROVINCE_CODE)


def test_the_province_tree(province):
    cities = Org.objects.children_of(province).filter(kind=OrgKind.CITY).order_by("path")
    assert [c.name for c in cities] == names.PROVINCE_CITY_NAMES[:CITIES]
    counties = Org.objects.filter(kind=OrgKind.COUNTY)
    assert counties.count() == 2 * CITIES
    assert len(set(counties.values_list("name", flat=True))) == 2 * CITIES
    for city in cities:
        leading = Org.objects.children_of(city).get(is_leading_body=True)
        assert leading.name == f"{city.name.removesuffix('市')}市委常委会"
        assert Leader.objects.filter(org=leading, is_principal=True).count() == 1
    problems = Org.objects.find_problems()  # treebeard: bad alphabet, depth, numchild, orphans
    assert all(len(group) == 0 for group in problems), problems
    codes = list(Org.objects.values_list("code", flat=True))
    paths = list(Org.objects.values_list("path", flat=True))
    assert len(codes) == len(set(codes)) and len(paths) == len(set(paths))
    for org in Org.objects.filter(depth__gt=2):  # below the cities: the city's code first
        assert org.code[:3] == Org.objects.get_parent(org).code[:3]


def test_a_cloned_county_counts_and_figures_as_its_pattern(province, campaign):
    pairs = county_pairs()
    assert len(pairs) == 2 * (CITIES - 1)
    for pattern, clone in pairs:
        assert demo_counts(clone) == demo_counts(pattern)
        leading = Org.objects.children_of(clone).get(is_leading_body=True)
        assert leading.name == f"{clone.name.removesuffix('县')}县委常委会"
        mine = figures_compute(campaign=campaign, unit=clone)
        theirs = figures_compute(campaign=campaign, unit=pattern)
        assert {c: v.value for c, v in mine.values.items()} == {
            c: v.value for c, v in theirs.values.items()
        }


def test_rows_point_into_their_own_county_and_city(province):
    for pattern, clone in county_pairs():
        city = Org.objects.get_parent(clone)
        led = Activity.objects.in_subtree(clone).exclude(leader=None).select_related("leader__org")
        assert led.exists()
        for activity in led:
            assert activity.leader.org.in_subtree_of(clone) or activity.leader.org.in_subtree_of(
                city
            )
            assert not activity.leader.org.in_subtree_of(pattern)
        linked = Problem.objects.in_subtree(clone).exclude(visit=None).select_related("visit__org")
        assert linked.count() == 1
        assert all(p.visit.org.in_subtree_of(clone) for p in linked)
    city_rows = Activity.objects.filter(org__code="P02L").count()
    assert city_rows == Activity.objects.filter(org__code="P01L").count() == 1


def test_interrupted_then_resumed_without_duplicates(db, campaign):
    first = generate(campaign, limit=1)
    assert Org.objects.filter(kind=OrgKind.COUNTY).count() == 3
    assert any("再次运行" in line for line in first)
    second = generate(campaign)
    assert any("继续" in line for line in second)
    assert any("跳过已完成的县 1 个" in line for line in second)
    assert Org.objects.filter(kind=OrgKind.COUNTY).count() == 2 * CITIES
    for pattern, clone in county_pairs():
        assert demo_counts(clone) == demo_counts(pattern)
    total = {kind: model.objects.count() for kind, model in LEDGER_MODELS.items()}
    again = generate(campaign)  # complete: nothing more is written
    assert any(f"跳过已完成的县 {2 * (CITIES - 1)} 个" in line for line in again)
    assert {kind: model.objects.count() for kind, model in LEDGER_MODELS.items()} == total


def test_province_report_compares_its_cities(province, tmp_path: Path, settings):
    settings.DATA_DIR = tmp_path
    out = tmp_path / "province.md"
    call_command("report", "--unit", PROVINCE_CODE, "-o", str(out), stdout=io.StringIO())
    text = out.read_text(encoding="utf-8")
    assert f"全省{CITIES}个市" in text
    assert "从各市看" in text
    assert "中央党史学习教育领导小组" in text  # the province is guided from the centre


def test_demo_logins_of_a_province(province):
    from xunzhi.web.services import demo_users_create

    scopes = {username: scope for username, _label, scope in demo_users_create()}
    assert scopes["province-office"] == province.name
    assert scopes["city-office"] == names.PROVINCE_CITY_NAMES[0]
    assert scopes["office"] == names.COUNTY_NAMES[0]
