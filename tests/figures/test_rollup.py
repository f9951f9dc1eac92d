"""The activity rollup (PostgreSQL): equal to the plain aggregate after every kind of write, and
the figures it gives equal to those of the plain aggregate. On SQLite there is no rollup."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.figures.ledger_fill import fill
from tests.intake.helpers import xlsx
from xunzhi.figures.rollup import figures_plain, rollup_active, whole_buckets_end
from xunzhi.figures.services import figures_compute, rules_evaluate
from xunzhi.intake.services import ledger_import
from xunzhi.ledgers.models import Activity
from xunzhi.ledgers.services import ledger_create, ledger_delete, ledger_update
from xunzhi.organisations.models import Org

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the activity rollup exists on PostgreSQL only"
)
CELL = "campaign_id, org_id, month, type, tags"


def _cells(table: str) -> dict[tuple, tuple[int, int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {CELL}, n, participants, beneficiaries FROM {table}")  # noqa: S608 constant
        rows = {tuple(r[:5]): tuple(int(v) for v in r[5:]) for r in cursor.fetchall()}
    return {k: v for k, v in rows.items() if v != (0, 0, 0)}


def _bucket(day: dt.date, start: dt.date) -> dt.date:
    month = day.replace(day=1)
    return start if day >= start and month < start else month


def _plain() -> tuple[dict, dict]:
    """The cells computed here from the activities (the definition of both rollups)."""
    own: dict[tuple, list[int]] = {}
    subtree: dict[tuple, list[int]] = {}
    paths = dict(Org.objects.values_list("path", "id"))
    for a in Activity.objects.select_related("campaign", "org"):
        bucket = _bucket(a.date, a.campaign.start_date)
        values = (1, a.participants, a.beneficiaries)
        ancestors = [
            paths[a.org.path[:n]] for n in range(Org.steplen, len(a.org.path) + 1, Org.steplen)
        ]
        for table, org_ids in ((own, [a.org_id]), (subtree, ancestors)):
            for org_id in org_ids:
                cell = table.setdefault((a.campaign_id, org_id, bucket, a.type, a.tags), [0, 0, 0])
                for i, v in enumerate(values):
                    cell[i] += v
    return {k: tuple(v) for k, v in own.items()}, {k: tuple(v) for k, v in subtree.items()}


def _assert_exact() -> None:
    own, subtree = _plain()
    assert _cells("figures_activity_month") == own
    assert _cells("figures_activity_subtree") == subtree


@on_postgres
def test_rollup_follows_every_write(county):
    fill(county, activities=300, only_activities=True)  # bulk insert
    _assert_exact()
    campaign, town = county.campaign, county.townships[0]
    row = ledger_create(
        kind="activities",
        campaign=campaign,
        data={
            "org": town,
            "date": dt.date(2021, 5, 3),
            "type": "宣讲",
            "title": "新增",
            "participants": 12,
        },
        scope=None,
    )
    _assert_exact()
    for change in (
        {"date": dt.date(2021, 7, 30)},  # another month
        {"type": "调研"},
        {"org": county.townships[1]},
        {"participants": 40, "beneficiaries": 7},
        {"title": "只改标题"},  # no cell changes
    ):
        row.refresh_from_db()
        ledger_update(
            kind="activities",
            campaign=campaign,
            pk=row.pk,
            version=row.version,
            data=change,
            scope=None,
        )
        _assert_exact()
    row.refresh_from_db()
    ledger_delete(kind="activities", campaign=campaign, pk=row.pk, version=row.version, scope=None)
    _assert_exact()
    # many rows at once: a queryset update across months and a delete emptying cells
    Activity.objects.filter(type="主题党日").update(date=dt.date(2021, 4, 15), tags=",线上,")
    _assert_exact()
    Activity.objects.filter(org=county.townships[0]).delete()
    _assert_exact()


@on_postgres
def test_rollup_follows_a_moved_unit_and_a_new_start_date(county):
    fill(county, activities=200, only_activities=True)
    branch = county.branches[0]
    Org.objects.move(branch, county.townships[1], pos="sorted-child")
    branch.refresh_from_db()
    assert branch.path.startswith(county.townships[1].path)
    _assert_exact()
    campaign = county.campaign
    campaign.start_date = dt.date(2021, 3, 10)
    campaign.save(update_fields=["start_date"])
    _assert_exact()


@on_postgres
def test_rollup_follows_an_import_and_its_reimport(county):
    sheet = [["日期", "组织", "类型", "标题", "参加人数", "受益人数", "标签"]]
    for i in range(40):
        org = county.townships[i % 2].name
        sheet.append(
            [dt.date(2021, 3 + i % 6, 1 + i % 28), org, "主题党日", f"导入{i}", i, 2 * i, "线上"]
        )
    result = ledger_import(files=[("a.xlsx", xlsx({"活动": sheet}))], campaign=county.campaign)
    assert result.ok, [e.message for e in result.errors]
    _assert_exact()
    for line in sheet[1:]:
        line[4] += 100  # the same rows, changed: updated by natural key
    result = ledger_import(files=[("a.xlsx", xlsx({"活动": sheet}))], campaign=county.campaign)
    assert result.ok, [e.message for e in result.errors]
    _assert_exact()
    assert Activity.objects.count() == 40


@on_postgres
def test_figures_from_the_rollup_equal_the_plain_aggregate(county):
    fill(county)
    for unit in (county.county, county.townships[0]):
        for until in (None, dt.date(2021, 6, 30), dt.date(2021, 6, 17), dt.date(2021, 2, 28)):
            assert rollup_active()
            with_rollup = figures_compute(campaign=county.campaign, unit=unit, until=until)
            rules = rules_evaluate(campaign=county.campaign, unit=unit, until=until)
            with figures_plain():
                assert not rollup_active()
                plain = figures_compute(campaign=county.campaign, unit=unit, until=until)
                plain_rules = rules_evaluate(campaign=county.campaign, unit=unit, until=until)
            assert {f.code: (f.value, f.text, f.source_count) for f in with_rollup} == {
                f.code: (f.value, f.text, f.source_count) for f in plain
            }
            assert [(r.code, r.units_short, r.units_total) for r in rules] == [
                (r.code, r.units_short, r.units_total) for r in plain_rules
            ]
            assert _measured(rules) == _measured(plain_rules)


def _measured(rules: list) -> list:
    """Every measured unit of every rule: its measures and whether it fell short."""
    return [(r.code, u.code, u.measures, u.short) for r in rules for u in r.units]


def test_whole_buckets_of_a_period():
    start = dt.date(2021, 2, 20)
    assert whole_buckets_end(start, dt.date(2021, 9, 30)) == dt.date(2021, 9, 30)
    assert whole_buckets_end(start, dt.date(2021, 9, 29)) == dt.date(2021, 8, 31)
    assert whole_buckets_end(start, dt.date(2021, 2, 28)) == dt.date(2021, 2, 28)
    assert whole_buckets_end(start, dt.date(2021, 3, 30)) == dt.date(2021, 2, 28)
    assert whole_buckets_end(start, dt.date(2021, 2, 27)) is None
    assert whole_buckets_end(dt.date(2021, 12, 2), dt.date(2022, 1, 31)) == dt.date(2022, 1, 31)
