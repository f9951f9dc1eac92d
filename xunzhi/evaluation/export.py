"""The 评估打分表 workbook: scores, measured values and the indicator definitions.

Every text cell goes through :func:`xunzhi.lib.sheets.safe_cell` (unit names come from people)."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from xunzhi.evaluation.scoring import Cell, ScoreTable
from xunzhi.lib import sheets

#: Text made safe against formula injection (typed here: lib.sheets is not annotated yet).
safe_cell: Callable[[Any], Any] = sheets.safe_cell


def _header(ws: Any, headers: list[str]) -> None:
    row = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=safe_cell(text))
        cell.font = Font(bold=True)
        row.append(cell)
    ws.append(row)


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def value_text(cell: Cell) -> str:
    """The measured value as the page and the workbook show it."""
    indicator = cell.indicator
    if cell.pending:
        return "未评分" if indicator.kind == "manual" else "无测评"
    if cell.value is None:
        return "无数据"
    if indicator.kind == "manual":
        return f"{cell.value.normalize():f}分"
    if indicator.percent or indicator.kind == "survey":
        return f"{(cell.value * 100).quantize(Decimal('0.1'))}%"
    shown = cell.value.quantize(Decimal("0.01")).normalize()
    return f"{shown:f}{indicator.unit}"


def score_sheet_build(table: ScoreTable) -> bytes:
    spec = table.spec
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("评估打分表")
    title = f"{table.unit.name}评估打分表（截至{table.cutoff.isoformat()}）"
    ws.append([safe_cell(title)])
    indicators = spec.indicators
    _header(
        ws,
        [
            "排名",
            "单位",
            "类型",
            *[f"{i.code} {i.name}（{i.points.normalize():f}分）" for i in indicators],
            *[f"{a.code}（{a.points.normalize():f}分）" for a in spec.areas],
            "总分",
            "等次",
            "待评项",
        ],
    )
    for row in table.rows:
        ws.append(
            [
                row.rank,
                safe_cell(row.name),
                safe_cell(row.kind),
                *[_number(row.cells[i.code].score) for i in indicators],
                *[_number(row.areas[a.code]) for a in spec.areas],
                _number(row.total),
                safe_cell(row.grade),
                row.pending,
            ]
        )
    values = wb.create_sheet("测量值")
    _header(values, ["单位", "类型", *[f"{i.code} {i.name}" for i in indicators]])
    for row in table.rows:
        values.append(
            [
                safe_cell(row.name),
                safe_cell(row.kind),
                *[safe_cell(value_text(row.cells[i.code])) for i in indicators],
            ]
        )
    notes = wb.create_sheet("指标说明")
    _header(notes, ["代码", "领域", "指标", "分值", "计分方法"])
    for i in indicators:
        notes.append(
            [
                safe_cell(i.code),
                safe_cell(i.area),
                safe_cell(i.name),
                float(i.points),
                safe_cell(i.describe()),
            ]
        )
    grades = "；".join(f"{name} ≥ {minimum.normalize():f}" for name, minimum in spec.grades)
    notes.append([])
    notes.append([safe_cell("等次"), safe_cell(grades)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
