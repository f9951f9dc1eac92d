"""No workbook the server writes carries a live formula from user text (issue 9, row 7): the
annotated workbook and its 错误清单, the blank template's unit list, the 数据核对表."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xunzhi.intake.services import ledger_import, ledger_template
from xunzhi.organisations.models import Org

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/")'
CMD = "=cmd|' /C calc'!A0"


def _formulas(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [
        f"{ws.title}!{c.coordinate}={c.value}"
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith(("=", "+", "@")))
    ]


def _texts(data: bytes) -> set[str]:
    wb = load_workbook(io.BytesIO(data))
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value}


def test_annotated_csv_and_error_list_hold_no_formula(county):
    csv = f"日期,组织,类型,标题,参加人数\n2021-06-01,{CMD},主题党日,{EVIL},3\n".encode()
    result = ledger_import(files=[("坏.csv", csv)], campaign=county.campaign)
    assert not result.ok
    data = result.annotated_workbook("坏.csv")
    assert _formulas(data) == []
    texts = _texts(data)
    assert "'" + EVIL in texts and "'" + CMD in texts  # shown as the text the user typed


def test_annotated_xlsx_replaces_formulas_by_their_values(county):
    wb = Workbook()
    ws = wb.active
    ws.append(["日期", "组织", "类型", "标题", "参加人数"])
    ws.append(["2021-06-01", "不存在的组织", "主题党日", "@SUM(1)", 3])
    ws.append(["2021-06-02", county.branches[0].name, "主题党日", "-2+3", "=1+2"])
    ws["D4"] = EVIL
    buffer = io.BytesIO()
    wb.save(buffer)
    result = ledger_import(files=[("坏.xlsx", buffer.getvalue())], campaign=county.campaign)
    assert not result.ok
    data = result.annotated_workbook("坏.xlsx")
    assert _formulas(data) == []
    sheet = load_workbook(io.BytesIO(data))["Sheet"]
    assert sheet["D2"].value == "'@SUM(1)" and sheet["D3"].value == "'-2+3"


def test_template_unit_list_holds_no_formula(county):
    Org.objects.filter(pk=county.branches[0].pk).update(name=CMD)
    data = ledger_template(kind="activities", campaign=county.campaign)
    assert _formulas(data) == []
    assert "'" + CMD in _texts(data)


def test_check_sheet_holds_no_formula(county, tmp_path, settings):
    from xunzhi.reports.services import evaluation_for, report_generate

    settings.DATA_DIR = tmp_path
    Org.objects.filter(pk=county.county.pk).update(name=EVIL)
    county.county.refresh_from_db()
    evaluation = evaluation_for(campaign=county.campaign, unit=county.county)
    version = report_generate(evaluation=evaluation, formats=("md",), check_sheet=True)
    data = Path(version.check_sheet_path).read_bytes()
    assert _formulas(data) == []
    assert any(str(t).startswith("'" + EVIL) for t in _texts(data))
