"""The level vocabulary: one file, checked on load, that names every level's words."""

from __future__ import annotations

import copy
import tomllib

import pytest

from tests.factories import add, build_small_city
from xunzhi.campaigns.levels import level_text, vocabulary_parse
from xunzhi.campaigns.selectors import unit_level
from xunzhi.campaigns.spec import DEFAULT_VOCABULARY
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import OrgKind


@pytest.fixture(scope="module")
def raw() -> dict:
    return tomllib.loads(DEFAULT_VOCABULARY.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("kind", "name", "parent", "children", "level", "whole"),
    [
        ("省", "江南省", None, (), "province", "全省"),
        ("市", "江州市", "省", (), "city", "全市"),
        ("县", "青山县", "市", (), "county", "全县"),
        ("县", "东城区", "市", (), "district", "全区"),
        ("乡镇", "城关镇", "县", (), "town", "全镇"),
        ("乡镇", "西河乡", "县", (), "township", "全乡"),
        ("乡镇", "城南街道", "县", (), "street", "全街道"),
        ("部门", "县教育局", "县", ("党支部",), "department", "{unit}"),
        ("部门", "县公安局", "县", ("党委", "党支部"), "system", "全系统"),
        ("部门", "市教育局", "市", ("党支部",), "city_department", "{unit}"),
        ("党支部", "何林村党支部", "乡镇", (), "organisation", "{unit}"),
    ],
)
def test_the_level_of_a_unit_comes_from_its_kind_name_parent_and_children(
    raw, kind, name, parent, children, level, whole
):
    vocabulary = vocabulary_parse(raw)
    got = vocabulary.level_for(kind=kind, name=name, parent_kind=parent, child_kinds=children)
    assert (got.code, got.words["whole"]) == (level, whole)


def test_every_level_has_the_same_words_and_inherits_from_its_base(raw):
    vocabulary = vocabulary_parse(raw)
    keys = set(vocabulary.levels[0].words)
    assert all(set(level.words) == keys for level in vocabulary.levels)
    district = vocabulary.level("district")
    county = vocabulary.level("county")
    assert district.words["rank"] == county.words["rank"] == "县处级"  # inherited
    assert district.words["committee"] == "区委" and district.sub_kinds == county.sub_kinds
    assert vocabulary.kinds_word(["乡镇", "部门"]) == "乡镇和部门"
    assert vocabulary.kinds_word(["党支部", "党委"]) == "基层党组织"  # one word, not twice


def test_no_level_word_of_the_county_leaks_into_another_level(raw):
    """The words of levels below the county never name a county body."""
    vocabulary = vocabulary_parse(raw)
    for code in ("town", "township", "street", "department", "system", "organisation"):
        words = vocabulary.level(code).words
        for key, word in words.items():
            if key in ("guide", "guide_named", "guide_above", "rank"):
                continue  # who evaluates it, and a rank value
            assert "县" not in word, (code, key, word)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["levels"][3]["words"].pop("whole"), "层级 county 缺少用语 whole"),
        (lambda d: d["levels"][3]["words"].update(extra="x"), "多出用语 extra"),
        (lambda d: d["levels"][3].update(match={"kinds": ["国"]}), "不是组织类型"),
        (lambda d: d["levels"][1].update(base="nowhere"), "base“nowhere”不存在"),
        (lambda d: d["levels"][3]["words"].update(rank="处级"), "不是职级"),
        (lambda d: d["levels"][3].update(base="district"), "循环"),
        (lambda d: d["levels"].pop(3) and d["levels"].pop(2), "适用于组织类型“县”"),
        (lambda d: d["levels"][0]["match"].update(colour="red"), "不认识“colour”"),
        (lambda d: d["kinds"].update(国="国"), r"\[kinds\] 中的“国”"),
    ],
)
def test_a_bad_vocabulary_is_refused_naming_the_entry(raw, change, message):
    broken = copy.deepcopy(raw)
    change(broken)
    with pytest.raises(UserError, match=message):
        vocabulary_parse(broken, source="levels.toml")


def test_names_in_the_campaign_file_take_the_level_words(raw):
    vocabulary = vocabulary_parse(raw)
    town = vocabulary.level("town")
    assert level_text("{{ lv.standing }}专题学习研讨", town) == "镇党委班子专题学习研讨"
    assert level_text("专题学习研讨场次", town) == "专题学习研讨场次"
    dept = vocabulary.level("department")
    assert level_text("{{ lv.whole }}党员", dept, unit="县教育局") == "县教育局党员"
    with pytest.raises(UserError, match="没有的用语"):
        level_text("{{ lv.nothing }}", town)


def test_unit_level_reads_the_tree(campaign):
    city = build_small_city(campaign)
    county = city.counties[0]
    assert unit_level(campaign=campaign, unit=city.city).code == "city"
    assert unit_level(campaign=campaign, unit=county.county).code == "county"
    assert unit_level(campaign=campaign, unit=county.townships[0]).code == "town"
    assert unit_level(campaign=campaign, unit=county.departments[0]).code == "department"
    bureau = add(city.city, code="M31", name="测试市教育局", kind=OrgKind.DEPARTMENT)
    assert unit_level(campaign=campaign, unit=bureau).code == "city_department"
    police = county.departments[0]
    add(police, code="A219", name="某派出所党委", kind=OrgKind.COMMITTEE)
    police.refresh_from_db()
    assert unit_level(campaign=campaign, unit=police).code == "system"
