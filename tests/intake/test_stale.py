"""An exported sheet carries each row's 版本: a row edited on the web since the export is
refused (in the dry run too), never silently overwritten (issue 9, row 5)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from xunzhi.intake.services import ledger_export, ledger_import, ledger_template
from xunzhi.ledgers.models import Activity
from xunzhi.ledgers.services import ledger_update

pytestmark = pytest.mark.django_db


def _activity(county, title="原标题", participants=10):
    return Activity.objects.create(
        campaign=county.campaign,
        org=county.branches[0],
        date=dt.date(2021, 6, 1),
        type="主题党日",
        title=title,
        participants=participants,
    )


def _edit_csv(data: bytes, column: str, value: str) -> bytes:
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    rows[1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def test_export_carries_the_version_and_the_template_does_not(county):
    row = _activity(county)
    Activity.objects.filter(pk=row.pk).update(version=4)
    data = ledger_export(kind="activities", campaign=county.campaign)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "版本" and sheet.cell(row=2, column=len(header)).value == 4
    blank = load_workbook(io.BytesIO(ledger_template(kind="activities", campaign=county.campaign)))
    assert "版本" not in [c.value for c in blank.worksheets[0][1]]


def test_a_row_edited_on_the_web_since_the_export_is_refused(county):
    row = _activity(county)
    exported = ledger_export(kind="activities", campaign=county.campaign, fmt="csv")
    # someone changes the row on the web …
    ledger_update(
        kind="activities",
        campaign=county.campaign,
        pk=row.pk,
        version=row.version,
        data={"participants": 25},
        scope=None,
    )
    # … while the clerk edits the exported file
    edited = _edit_csv(exported, "参加人数", "12")
    for dry_run in (True, False):
        result = ledger_import(
            files=[("活动.csv", edited)], campaign=county.campaign, dry_run=dry_run
        )
        assert not result.ok
        (error,) = result.errors
        assert error.row == 2 and error.column == "版本"
        assert "导出时第 1 版，现为第 2 版" in error.reason
    assert Activity.objects.get(pk=row.pk).participants == 25
    # the stale export as it was would undo the web edit just as well: refused
    assert not ledger_import(files=[("活动.csv", exported)], campaign=county.campaign).ok
    # a fresh export is current again
    fresh = ledger_export(kind="activities", campaign=county.campaign, fmt="csv")
    again = ledger_import(files=[("活动.csv", fresh)], campaign=county.campaign)
    assert again.ok and again.unchanged == 1


def test_a_fresh_export_edited_and_imported_applies(county):
    row = _activity(county)
    exported = ledger_export(kind="activities", campaign=county.campaign, fmt="csv")
    result = ledger_import(
        files=[("活动.csv", _edit_csv(exported, "参加人数", "12"))], campaign=county.campaign
    )
    assert result.ok and result.updated == 1
    current = Activity.objects.get(pk=row.pk)
    assert current.participants == 12 and current.version == 2
