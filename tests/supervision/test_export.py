"""The 整改台账 read back: every problem of the scope once, its columns independently derived
from the records, formula-like text neutralised; the CLI writes the same workbook."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from xunzhi.ledgers.models import Problem
from xunzhi.lib.sheets import unneutralise
from xunzhi.supervision.exports import rectification_ledger_xlsx
from xunzhi.supervision.selectors import LEDGER_COLUMNS
from xunzhi.supervision.services import (
    finding_record,
    rectification_close,
    rectification_return,
    rectification_submit,
)

ON = dt.date(2021, 8, 15)


@pytest.fixture
def loop(county, visit):
    east = county.townships[0]
    closed = finding_record(
        visit=visit, description="专题学习走过场", deadline=dt.date(2021, 7, 1), scope=county.county
    )
    rect = rectification_submit(problem=closed, text="重新组织专题学习", version=1, scope=east)
    rectification_close(problem=closed, version=rect.version, scope=county.county)
    returned = finding_record(
        visit=visit,
        description='=HYPERLINK("http://x","点我")',
        deadline=dt.date(2021, 9, 30),
        measures="-补齐台账",
        scope=county.county,
    )
    rect = rectification_submit(problem=returned, text="@已补齐", version=1, scope=east)
    rectification_return(problem=returned, version=rect.version, reason="未见佐证", scope=east)
    overdue = Problem.objects.create(
        campaign=county.campaign,
        org=county.branches[1],
        source="组织查摆",
        description="支部组织生活不规范",
        measures="规范三会一课",
        deadline=dt.date(2021, 8, 1),
    )
    other = Problem.objects.create(  # another township: outside the east export
        campaign=county.campaign,
        org=county.branches[2],
        source="群众反映",
        description="西镇问题",
        deadline=dt.date(2021, 8, 1),
    )
    return {"closed": closed, "returned": returned, "overdue": overdue, "other": other}


def _read(data: bytes) -> tuple[str, list[str], list[list]]:
    ws = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return rows[0][0], rows[1], rows[2:]


def test_the_ledger_of_a_township(county, loop):
    east = county.townships[0]
    title, header, rows = _read(
        rectification_ledger_xlsx(campaign=county.campaign, unit=east, on=ON)
    )
    assert title.startswith(east.name) and "2021年08月15日" in title
    assert header == list(LEDGER_COLUMNS)
    by_text = {unneutralise(r[0]): r for r in rows}
    assert set(by_text) == {p.description for k, p in loop.items() if k != "other"}
    closed = by_text["专题学习走过场"]
    assert closed[1:3] == ["督导发现", east.name] and closed[3].date() == dt.date(2021, 7, 1)
    assert closed[4] == "重新组织专题学习" and closed[5] == "已销号"
    loop["closed"].refresh_from_db()
    assert closed[6].date() == loop["closed"].done_date
    returned = by_text['=HYPERLINK("http://x","点我")']
    assert returned[0].startswith("'=")  # neutralised: Excel shows text, not a formula
    assert returned[4] == "'@已补齐" and returned[5] == "已退回（未见佐证）" and returned[6] is None
    overdue = by_text["支部组织生活不规范"]
    assert overdue[2] == county.branches[1].name
    assert overdue[4] == "规范三会一课" and overdue[5] == "未整改，超期"


def test_the_cli_writes_the_ledger(county, loop, tmp_path):
    from django.core.management import call_command

    out = tmp_path / "整改台账.xlsx"
    call_command(
        "rectification_ledger", "--unit", county.county.code, "-o", str(out), "--on", "2021-08-15"
    )
    _, header, rows = _read(out.read_bytes())
    assert header == list(LEDGER_COLUMNS) and len(rows) == 4
    bad = subprocess.run(
        [sys.executable, "-m", "xunzhi.cli", "rectification-ledger", "-o", str(tmp_path / "a.csv")],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and "后缀必须是 .xlsx" in bad.stderr
