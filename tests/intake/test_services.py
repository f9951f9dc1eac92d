"""The service interface the web app calls: filtered exports, progress, provenance, labels."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib.auth import get_user_model

from tests.intake.helpers import csv_bytes
from xunzhi.intake.models import ImportBatch
from xunzhi.intake.services import ledger_export, ledger_import
from xunzhi.ledgers import registry
from xunzhi.ledgers.models import LEDGER_MODELS, Activity

HEADER = ["日期", "组织", "类型", "标题", "参加人数"]


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_labels_and_models_cover_every_ledger():
    kinds = {k.key: k for k in registry.importable()}
    assert set(LEDGER_MODELS) < set(kinds)
    assert all(kinds[k].model is m for k, m in LEDGER_MODELS.items())
    assert kinds["activities"].label == "活动台账"


def test_export_of_a_filtered_queryset_and_of_a_unit(county):
    c = county.campaign
    for i, org in enumerate(county.branches):
        Activity.objects.create(
            campaign=c, org=org, date=dt.date(2021, 6, 1 + i), type="宣讲", title=f"第{i}场"
        )
    filtered = Activity.objects.filter(title__in=["第0场", "第3场"])
    rows = _rows(ledger_export(kind="activities", campaign=c, queryset=filtered, fmt="csv"))
    assert [r[3] for r in rows[1:]] == ["第0场", "第3场"]
    west = county.townships[1]
    rows = _rows(ledger_export(kind="activities", campaign=c, unit=west, fmt="csv"))
    assert [r[1] for r in rows[1:]] == ["测试西镇第1村党支部", "测试西镇第2村党支部"]
    orgs = _rows(ledger_export(kind="orgs", campaign=c, unit=west, fmt="csv"))
    assert [r[:3] for r in orgs] == [
        ["组织代码", "组织名称", "上级组织"],
        ["T12", "测试西镇", "T00"],
        ["T121", "测试西镇第1村党支部", "T12"],
        ["T122", "测试西镇第2村党支部", "T12"],
    ]


def test_progress_is_monotonic_and_finishes(county):
    rows = [HEADER, *[["2021-06-01", "T11", "宣讲", f"第{i}场", i] for i in range(50)]]
    seen: list[tuple[int, int]] = []
    result = ledger_import(
        files=[("a.csv", csv_bytes(rows))],
        campaign=county.campaign,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.ok
    fractions = [d / t for d, t in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_batch_records_file_hash_user_and_counts(county):
    import hashlib

    user = get_user_model().objects.create(username="clerk")
    data = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "x", 1]])
    result = ledger_import(files=[("东镇.csv", data)], campaign=county.campaign, user=user)
    batch = ImportBatch.objects.get(pk=result.batch_ids[0])
    assert (batch.file_name, batch.user, batch.kind, batch.added) == (
        "东镇.csv",
        user,
        "activities",
        1,
    )
    assert batch.file_sha256 == hashlib.sha256(data).hexdigest()
    assert batch.summary["sheets"][0]["rows"] == 1
    row = Activity.objects.get()
    assert (row.source_batch, row.source_sheet, row.source_row) == (batch, "东镇", 2)


def test_refused_result_has_messages_and_an_annotated_book(county):
    data = csv_bytes([HEADER, ["2021-06-01", "T11", "宣讲", "x", "十"]])
    result = ledger_import(files=[("a.csv", data)], campaign=county.campaign)
    (error,) = result.errors
    assert error.message == "文件“a.csv”工作表“a”第2行“参加人数”列（E2）：“十”不是数字。"
    assert result.annotated_workbook("a.csv") is not None
    assert result.annotated_workbook("other.csv") is None
