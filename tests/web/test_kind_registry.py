"""A seventh ledger is one model plus one registration: a throwaway 征求意见台账 (its model in the
test-only app ``tests.kindapp``) registered here is imported, exported, listed and shown on the
web with no other line of code."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.intake.helpers import csv_bytes
from tests.kindapp.models import Opinion
from tests.web.conftest import login
from xunzhi.intake.services import ledger_export, ledger_import
from xunzhi.ledgers import registry
from xunzhi.ledgers.registry import Column, LedgerKind
from xunzhi.ledgers.selectors import LedgerFilters, ledger_filtered, ledger_totals

OPINIONS = LedgerKind(
    key="opinions",
    label="征求意见台账",
    model_label="kindapp.Opinion",
    columns=(
        Column("日期", "date", "date", True, ("征求日期",)),
        Column("组织", "org", "org", True, ("单位", "所属单位")),
        Column("征求方式", "channel", "text", True, ("方式",)),
        Column("意见内容", "content", "text", True, ("意见",)),
        Column("条数", "items", "int", False, ("意见条数",)),
    ),
    signature=("日期", "组织", "征求方式", "意见内容"),
    list_columns=(("date", "日期"), ("org__name", "组织"), ("content", "意见内容")),
    form_fields=("org", "date", "channel", "content", "items"),
    type_field="channel",
    date_field="date",
    search_fields=("content",),
    sum_fields=(("items", "条数"),),
    default_order="-date",
)


@pytest.fixture
def opinions():
    kind = registry.register(OPINIONS)
    yield kind
    registry.unregister(kind.key)


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_registered_kind_is_imported_exported_and_listed(county, people, opinions):
    east, west = county.townships
    data = csv_bytes(
        [
            ["单位", "征求日期", "方式", "意见", "意见条数"],
            [east.name, "2021-06-01", "座谈会", "学习时间不足", "3"],
            [west.name, "2021-06-02", "座谈会", "宣讲形式单一", "2"],
            [east.name, "2021-07-05", "问卷", "台账不全", ""],
        ]
    )
    result = ledger_import(files=[("意见.csv", data)], campaign=county.campaign)
    assert result.ok, [e.message for e in result.errors]
    assert [(s.kind, s.label, s.added) for s in result.sheets] == [("opinions", "征求意见台账", 3)]
    stored = {o.content: o for o in Opinion.objects.all()}
    assert stored["学习时间不足"].org == east and stored["学习时间不足"].items == 3
    assert stored["台账不全"].items == 1  # the model's default for a blank cell
    assert stored["宣讲形式单一"].source_sheet and stored["宣讲形式单一"].source_row == 3

    exported = ledger_export(kind="opinions", campaign=county.campaign, fmt="csv")
    rows = _rows(exported)
    assert rows[0] == ["日期", "组织", "征求方式", "意见内容", "条数", "版本"]
    assert sorted(r[3] for r in rows[1:]) == sorted(stored)
    again = ledger_import(files=[("导出.csv", exported)], campaign=county.campaign)
    assert again.ok and (again.added, again.updated, again.unchanged) == (0, 0, 3)

    qs = ledger_filtered(
        kind="opinions",
        campaign=county.campaign,
        scope=county.county,
        filters=LedgerFilters(type="座谈会"),
    )
    assert [o.content for o in qs] == ["宣讲形式单一", "学习时间不足"]
    assert ledger_totals(kind="opinions", queryset=qs) == {"count": 2, "items": 5}
    east_only = ledger_filtered(
        kind="opinions", campaign=county.campaign, scope=east, filters=LedgerFilters()
    )
    assert ledger_totals(kind="opinions", queryset=east_only)["count"] == 2

    page = login(people["office"]).get(reverse("ledger_list", args=["opinions"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "征求意见台账" in text and "学习时间不足" in text and "宣讲形式单一" in text
    assert registry.LABELS["opinions"] == "征求意见台账"


def test_the_kind_is_gone_once_unregistered(county, people):
    assert "opinions" not in registry.LABELS
    assert login(people["office"]).get(reverse("ledger_list", args=["opinions"])).status_code == 404
    assert Opinion.objects.count() == 0
