"""A small county built by hand, with every name known, for tests that count exactly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from xunzhi.organisations.models import Leader, Org, OrgKind, Rank


@dataclass
class SmallCounty:
    campaign: object
    county: Org
    leading_body: Org
    townships: list[Org] = field(default_factory=list)
    departments: list[Org] = field(default_factory=list)
    branches: list[Org] = field(default_factory=list)
    secretary: Leader | None = None
    deputies: list[Leader] = field(default_factory=list)

    def all_orgs(self) -> list[Org]:
        return [self.county, self.leading_body, *self.townships, *self.departments, *self.branches]


def add(parent: Org, **fields) -> Org:
    """Add a child under ``parent`` (treebeard's manager API)."""
    parent.refresh_from_db()
    return Org.objects.add_child(parent, fields)


def build_small_county(
    campaign, *, prefix: str = "T", parent: Org | None = None, name: str = "测试县"
) -> SmallCounty:
    """测试县: 县委常委会, two townships with two branches each, one department with one branch
    (under ``parent`` when given: a county of a city)."""
    fields = dict(code=f"{prefix}00", name=name, kind=OrgKind.COUNTY, member_count=0)
    county = add(parent, **fields) if parent is not None else Org.objects.add_root(fields)
    short = name.removesuffix("县")
    leading = add(
        county,
        code=f"{prefix}01",
        name=f"{short}县委常委会",
        kind=OrgKind.COMMITTEE,
        member_count=11,
        is_leading_body=True,
    )
    result = SmallCounty(campaign=campaign, county=county, leading_body=leading)
    for t in (1, 2):
        county.refresh_from_db()
        town = add(
            county,
            code=f"{prefix}1{t}",
            name=f"{short}{'东西'[t - 1]}镇",
            kind=OrgKind.TOWNSHIP,
            member_count=0,
        )
        result.townships.append(town)
        for b in (1, 2):
            town.refresh_from_db()
            result.branches.append(
                add(
                    town,
                    code=f"{prefix}1{t}{b}",
                    name=f"{short}{'东西'[t - 1]}镇第{b}村党支部",
                    kind=OrgKind.BRANCH,
                    member_count=20 + b,
                )
            )
    county.refresh_from_db()
    dept = add(county, code=f"{prefix}21", name=f"{short}县教育局", kind=OrgKind.DEPARTMENT)
    result.departments.append(dept)
    dept.refresh_from_db()
    result.branches.append(
        add(
            dept,
            code=f"{prefix}211",
            name=f"{short}县教育局机关党支部",
            kind=OrgKind.BRANCH,
            member_count=30,
        )
    )
    result.secretary = Leader.objects.create(
        name="王书记", org=leading, title="县委书记", rank=Rank.COUNTY, is_principal=True
    )
    result.deputies = [
        Leader.objects.create(name=f"副书记{i}", org=leading, title="县委常委", rank=Rank.COUNTY)
        for i in (1, 2)
    ]
    return result


@dataclass
class SmallCity:
    campaign: object
    city: Org
    leading_body: Org
    counties: list[SmallCounty]
    secretary: Leader
    members: list[Leader]


def build_small_city(campaign) -> SmallCity:
    """测试市: 市委常委会 (its 领导班子, 厅局级 leaders) and two small counties, 甲县 and 乙县."""
    city = Org.objects.add_root(dict(code="M00", name="测试市", kind=OrgKind.CITY))
    leading = add(
        city,
        code="M01",
        name="测试市委常委会",
        kind=OrgKind.COMMITTEE,
        member_count=11,
        is_leading_body=True,
    )
    counties = [
        build_small_county(campaign, prefix=prefix, parent=city, name=name)
        for prefix, name in (("A", "甲县"), ("B", "乙县"))
    ]
    secretary = Leader.objects.create(
        name="市委书记甲", org=leading, title="市委书记", rank=Rank.BUREAU, is_principal=True
    )
    members = [
        Leader.objects.create(name=f"常委{i}", org=leading, title="市委常委", rank=Rank.BUREAU)
        for i in (1, 2)
    ]
    city.refresh_from_db()
    return SmallCity(
        campaign=campaign,
        city=city,
        leading_body=leading,
        counties=counties,
        secretary=secretary,
        members=members,
    )


def day(month: int, d: int = 1, year: int = 2021) -> dt.date:
    return dt.date(year, month, d)
