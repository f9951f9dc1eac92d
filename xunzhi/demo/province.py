"""The demo province: ten cities of ten counties (~20 million activities), built in the database.

``province_generate`` first builds the *pattern*: the province (``P00``), its 省委常委会 and the
first city (``P01``, the city demo's ten counties and its 市委常委会) with the Python generator,
in one transaction. Every other city is then cloned from the pattern city inside the database:
first the city's own level (the city, its 市委常委会, their leaders and rows; one transaction),
then each county of the pattern city (one transaction per county). A clone is a handful of
``INSERT … SELECT`` statements (:mod:`xunzhi.demo.clone`), so memory stays flat whatever the
size, and the same code runs on PostgreSQL and SQLite. Codes are the pattern's with the city
prefix replaced (``P01C03D01B02`` → ``P07C03D01B02``); paths are the pattern city's subtree
re-rooted under the new city. A run that is interrupted leaves only whole counties: running the
command again skips what is complete and carries on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from django.db import connection, transaction

from xunzhi.campaigns.models import Campaign
from xunzhi.demo import names
from xunzhi.demo.clone import city_level_clone, county_clone
from xunzhi.demo.generate import (
    DemoSummary,
    _builtin_campaign,
    _Node,
    _save_tree,
    city_fill,
    city_tree,
    demo_clear,
    demo_counts,
)
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank

PROVINCE_CODE = "P00"
PATTERN_CITY = "P01"

#: Builds the pattern (province, its leading body and the first city, filled) in an open
#: transaction: the real generator by default; tests pass a small one.
PatternBuilder = Callable[[random.Random, Campaign], None]
Progress = Callable[[str], None]


def city_code(number: int) -> str:
    """The code of the province's ``number``-th city (1-based): P01 … P10."""
    return f"P{number:02d}"


def province_generate(
    *,
    seed: int = 1,
    campaign: Campaign | None = None,
    cities: int | None = None,
    limit: int | None = None,
    fresh: bool = False,
    pattern: PatternBuilder | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build (or carry on building) the demo province; see the module's docstring.

    ``cities`` (default: all ten names) is how many cities; ``limit`` stops after cloning that
    many counties (run again to go on); ``fresh`` starts over even if a province is there.
    """
    say: Progress = progress or (lambda _line: None)
    campaign = campaign or _builtin_campaign()
    cities = cities or len(names.PROVINCE_CITY_NAMES)
    started = time.perf_counter()
    from xunzhi.audit.services import audit_suppressed

    root = Org.objects.filter(code=PROVINCE_CODE, depth=1).first()
    if root is None or fresh:
        say("生成样板：省、省委常委会和第一个市（十个县，Python 生成器，一个事务）……")
        with transaction.atomic(), audit_suppressed():
            demo_clear()
            (pattern or _pattern_build)(random.Random(seed), campaign)
        say(f"  样板完成，用时 {time.perf_counter() - started:.0f} 秒。")
    else:
        say("已有省级演示数据：继续生成，已完成的市县跳过。")
    root = Org.objects.get(code=PROVINCE_CODE)
    pattern_city = Org.objects.get(code=PATTERN_CITY)
    pattern_counties = list(
        Org.objects.children_of(pattern_city).filter(kind=OrgKind.COUNTY).order_by("path")
    )
    # Fresh statistics, so the clones read the pattern through the org indexes, not by scanning
    # the growing ledgers (again after each city).
    _analyse()
    cloned = skipped = 0
    stopped = False
    with audit_suppressed():
        for number in range(2, cities + 1):
            city = _city_ensure(root, pattern_city, number, say)
            for index, county in enumerate(pattern_counties):
                code = city_code(number) + county.code[len(PATTERN_CITY) :]
                if Org.objects.filter(code=code).exists():
                    skipped += 1
                    continue
                if limit is not None and cloned >= limit:
                    stopped = True
                    break
                name = _county_name(number, index)
                began = time.perf_counter()
                with transaction.atomic():
                    rows = county_clone(
                        source=county, source_city=pattern_city, city=city, code=code, name=name
                    )
                cloned += 1
                say(
                    f"  {city.name}{name}（{code}）：{rows:,} 行，"
                    f"用时 {time.perf_counter() - began:.1f} 秒"
                )
            if stopped:
                break
            _analyse()
    if skipped:
        say(f"跳过已完成的县 {skipped} 个。")
    if stopped:
        say(f"已按 --counties {limit} 停止：再次运行同一命令即可继续。")
    _analyse()
    from xunzhi.ledgers.services import ledger_changed

    ledger_changed.send(sender=None, kind="demo")
    summary = DemoSummary(seed=seed, scale="province", root_code=root.code)
    summary.counts = demo_counts(Org.objects.get(pk=root.pk))
    summary.seconds = time.perf_counter() - started
    return summary


def _county_name(city_number: int, index: int) -> str:
    per_city = len(names.COUNTY_NAMES)
    return names.PROVINCE_COUNTY_NAMES[(city_number - 1) * per_city + index]


def _city_ensure(root: Org, pattern_city: Org, number: int, say: Progress) -> Org:
    """The ``number``-th city: cloned from the pattern city's own level unless already there."""
    code = city_code(number)
    city: Org | None = Org.objects.filter(code=code).first()
    if city is not None:
        return city
    name = names.PROVINCE_CITY_NAMES[number - 1]
    with transaction.atomic():
        # The province's children in code order: P00L, P01, P02 … so city n is child n + 1.
        path = Org._get_path(root.path, root.depth + 1, number + 1)
        rows = city_level_clone(source=pattern_city, province=root, code=code, name=name, path=path)
    say(f"{name}（{code}）：市本级 {rows:,} 行")
    created: Org = Org.objects.get(code=code)
    return created


def _pattern_build(rng: random.Random, campaign: Campaign) -> None:
    """The province, its 省委常委会 and 省级 leaders, and the first city with its counties."""
    city = city_tree(rng, code=PATTERN_CITY, name=names.PROVINCE_CITY_NAMES[0], within=PATTERN_CITY)
    province = _Node(
        code=PROVINCE_CODE,
        name=names.PROVINCE_NAME,
        kind=OrgKind.PROVINCE,
        children=[_province_leading_body(), city],
    )
    _save_tree(province)
    city_fill(rng, campaign, city)
    province_leaders_add(rng, Org.objects.get(code=f"{PROVINCE_CODE}L"))


def _province_leading_body() -> _Node:
    return _Node(
        code=f"{PROVINCE_CODE}L",
        name=f"{names.PROVINCE_NAME.removesuffix('省')}省委常委会",
        kind=OrgKind.COMMITTEE,
        member_count=len(names.STANDING_TITLES),
        is_leading_body=True,
    )


def province_leaders_add(rng: random.Random, leading: Org) -> None:
    """The 省委常委会's members (省部级), named like the counties' and cities' leaders."""
    used: set[str] = set()
    rows = []
    for title, principal in names.STANDING_TITLES:
        while True:
            person = rng.choice(names.SURNAMES) + "".join(
                rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2)))
            )
            if person not in used:
                used.add(person)
                break
        rows.append(
            Leader(
                name=person,
                org=leading,
                title=title.replace("县", "省"),
                rank=Rank.PROVINCIAL,
                is_principal=principal,
            )
        )
    Leader.objects.bulk_create(rows)


def _analyse() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL; SQLite plans by its indexes)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
