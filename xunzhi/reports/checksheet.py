"""The 数据核对表 (.xlsx): every figure with its definition, value, printed text and source count;
a summary of the rules — whether each fired, whether the report shows it (a fired rule the report
leaves out is listed with the reason and its sentence, never dropped silently); one sheet per rule
with the units that fell short and their measures. Written with openpyxl (write-only)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from xunzhi.figures.display import figure_display
from xunzhi.figures.services import RuleResult
from xunzhi.lib.sheets import safe_row

if TYPE_CHECKING:
    from xunzhi.reports.services import ComposedReport

FIGURE_HEADERS = ("代码", "名称", "定义", "数值", "报告中的文字", "来源记录数", "是否写入报告")
RULE_HEADERS = (
    "规则",
    "名称",
    "所属目标",
    "是否触发",
    "是否写入报告",
    "强度",
    "测量单位数",
    "不足单位数",
    "不足占比",
    "触发所需占比",
    "问题表述",
)


def rule_shown_text(result: RuleResult) -> str:
    """是 / 否（reason） for a fired rule; empty for one that did not fire."""
    if result.shown:
        return "是"
    if result.fired:
        return f"否（{result.omitted or '未写入'}）"
    return ""


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def _cell_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


def _header(ws: Any, headers: Iterable[str]) -> None:
    bold = Font(bold=True)
    row = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        row.append(cell)
    ws.append(row)


def sheet_title(name: str, used: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", name)[:28] or "规则"
    title, n = base, 2
    while title in used:
        title = f"{base[:26]}{n}"
        n += 1
    used.add(title)
    return title


def check_sheet_build(composed: ComposedReport) -> bytes:
    """The 数据核对表: one sheet of figures, one of rules, one per rule with its units."""
    wb = Workbook(write_only=True)
    used: set[str] = set()
    _figures_sheet(wb, used, composed)
    _rules_sheet(wb, used, composed.rules)
    for result in composed.rules:
        _rule_units_sheet(wb, used, result)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _figures_sheet(wb: Any, used: set[str], composed: ComposedReport) -> None:
    printed = {run.figure for block in composed.document.blocks for run in block.runs if run.figure}
    ws = wb.create_sheet(sheet_title("数据项", used))
    figures = composed.figures
    ws.append(
        safe_row(
            [
                f"{figures.unit.name} {figures.campaign.name} 数据核对表（统计截至 "
                f"{figures.cutoff.isoformat()}；层级：{figures.level.name if figures.level else ''}）"
            ]
        )
    )
    _header(ws, FIGURE_HEADERS)
    for figure in figures:
        ws.append(
            safe_row(
                [
                    figure.code,
                    figure.name,
                    figure.definition,
                    _cell_value(figure.value) if not figure.missing else "（无数据）",
                    figure.text or "",
                    figure.source_count,
                    "是" if figure.code in printed else "否",
                ]
            )
        )


def _rules_sheet(wb: Any, used: set[str], rules: list[RuleResult]) -> None:
    summary = wb.create_sheet(sheet_title("规则", used))
    _header(summary, RULE_HEADERS)
    for result in rules:
        summary.append(
            safe_row(
                [
                    result.code,
                    result.name,
                    result.goal,
                    "是"
                    if result.fired
                    else ("不适用（无可测量的单位）" if not result.units_total else "否"),
                    rule_shown_text(result),
                    result.strength,
                    result.units_total,
                    result.units_short,
                    figure_display(Decimal(str(result.share)), "%"),
                    figure_display(Decimal(str(result.required_share)), "%"),
                    result.sentence,
                ]
            )
        )


def _rule_units_sheet(wb: Any, used: set[str], result: RuleResult) -> None:
    ws = wb.create_sheet(sheet_title(f"规则-{result.code}", used))
    rule = result.rule
    labels = [c.label for c in rule.conditions] if rule else []
    thresholds = (
        "；".join(
            f"{k} {c.compare} {result.thresholds[k]}"
            for k, c in zip(labels, rule.conditions, strict=True)
        )
        if rule
        else ""
    )
    ws.append(
        safe_row(
            [f"{result.name}：{'已触发' if result.fired else '未触发'}；不足条件：{thresholds}"]
        )
    )
    _header(ws, ("组织代码", "组织名称", "类型", *labels, "是否不足"))
    for unit in sorted(result.short_units, key=lambda u: u.code):
        ws.append(
            safe_row(
                [
                    unit.code,
                    unit.name,
                    unit.kind,
                    *(_cell_value(unit.measures.get(label)) for label in labels),
                    "是" if unit.short else "否",
                ]
            )
        )
