"""The comparison as an .xlsx workbook: one row per county and the city's total, numbers as
numbers (rates formatted as percentages), text neutralised against formula injection."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from xunzhi.figures.compare import Comparison, UnitRow
from xunzhi.lib.sheets import safe_row


def comparison_headers(comparison: Comparison) -> list[str]:
    """The header row: the unit, every column, and each rule as short / measured / share."""
    headers = ["单位"]
    for key, label in comparison.columns():
        if key.startswith("rule:"):
            headers += [f"{label}：未达标单位数", f"{label}：测量单位数", f"{label}：占比"]
        else:
            headers.append(label)
    return headers


def _row_values(comparison: Comparison, row: UnitRow) -> list[Any]:
    values: list[Any] = [row.org.name]
    for key, _ in comparison.columns():
        if key.startswith("rule:"):
            extent = row.rules.get(key[5:])
            share = extent.share if extent else None
            values += [
                extent.short if extent else None,
                extent.total if extent else None,
                float(share) if share is not None else None,
            ]
            continue
        value = row.value(key)
        values.append(float(value) if isinstance(value, Decimal) else value)
    return values


def comparison_workbook(comparison: Comparison) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "各县比较"
    headers = comparison_headers(comparison)
    ws.append(safe_row(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in comparison.rows:
        ws.append(safe_row(_row_values(comparison, row)))
    total = _row_values(comparison, comparison.total)
    total[0] = f"{comparison.total.org.name}合计"
    ws.append(safe_row(total))
    for index, header in enumerate(headers, start=1):
        if header.endswith(("率", "占比")):
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = "0.0%"
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 16
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
