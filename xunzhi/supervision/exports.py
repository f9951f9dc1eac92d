"""The 整改台账 as an .xlsx workbook: one row per problem of a scope (``LEDGER_COLUMNS``)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from xunzhi.lib.sheets import neutralise
from xunzhi.organisations.models import Org
from xunzhi.supervision.selectors import LEDGER_COLUMNS, ledger_rows

SHEET = "整改台账"
WIDTHS = (48, 10, 22, 12, 48, 22, 12)


def ledger_file_name(unit: Org) -> str:
    return f"{SHEET}-{unit.name}.xlsx"


def rectification_ledger_xlsx(*, campaign: Any, unit: Org, on: dt.date) -> bytes:
    """The workbook: a title row naming the unit and the date, the header, the rows; every
    text written through the one formula-neutralising helper."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    title = WriteOnlyCell(ws, value=neutralise(f"{unit.name}{SHEET}（截至 {on:%Y年%m月%d日}）"))
    title.font = Font(bold=True, size=14)
    ws.append([title])
    bold = Font(bold=True)
    header = []
    for text in LEDGER_COLUMNS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    # Plain values (a styled cell costs ten times as much): dates take openpyxl's date format.
    for row in ledger_rows(campaign, unit, on=on):
        ws.append([neutralise(v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
