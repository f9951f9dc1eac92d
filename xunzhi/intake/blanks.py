"""Blank templates a clerk fills in WPS or Excel, and workbooks annotated with errors."""

from __future__ import annotations

import io
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xunzhi.intake.kinds import Column, Kind, choices_for
from xunzhi.intake.table import EXAMPLE_MARKS
from xunzhi.lib.sheets import safe_cell, safe_row
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from collections.abc import Sequence

    from xunzhi.campaigns.models import Campaign
    from xunzhi.intake.plan import ImportIssue
    from xunzhi.intake.readers import RawFile

HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
REQUIRED_FONT = Font(bold=True, color="C00000")
EXAMPLE_FONT = Font(italic=True, color="808080")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
TEMPLATE_ROWS = 2000


def template_workbook(*, kind: Kind, campaign: Campaign | None, scope: Org | None) -> bytes:
    """A blank workbook of ``kind``: the header, an example row the importer skips, drop-down
    lists of the campaign's words, the unit list (of ``scope``) and a guide."""
    spec = campaign.spec if campaign is not None else None
    columns = tuple(c for c in kind.columns if c.template)
    wb = Workbook()
    ws = wb.active
    ws.title = kind.label[:31]
    options = wb.create_sheet("选项")
    units = wb.create_sheet("单位列表")
    guide = wb.create_sheet("填写说明")
    unit_count, first_unit = _unit_list(units, scope)
    example = _header(ws, columns, spec, first_unit, kind.key)
    _drop_downs(ws, options, columns, spec, unit_count)
    _example_row(ws, columns, example)
    options.sheet_state = "hidden"
    _guide(guide, kind)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _unit_list(units: Worksheet, scope: Org | None) -> tuple[int, str | None]:
    """The 单位列表 sheet: (number of units, the first one's name)."""
    orgs = Org.objects.order_by("path")
    if scope is not None:
        orgs = orgs.in_subtree(scope)
    units.append(["组织代码", "组织名称", "类型"])
    unit_count = 0
    first_unit = None
    for code, name, kind_value in orgs.values_list("code", "name", "kind"):
        units.append(safe_row([code, name, kind_value]))
        unit_count += 1
        first_unit = first_unit or name
    units.column_dimensions["B"].width = 30
    return unit_count, first_unit


def _header(
    ws: Worksheet, columns: tuple[Column, ...], spec: Any, first_unit: str | None, key: str
) -> list[str]:
    """The header row; returns the example value of each column: the campaign's
    ``[examples.<kind>]``, else the column's neutral one; a date the campaign's start."""
    example = []
    own = spec.examples.get(key, {}) if spec is not None else {}
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if col.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(col.header) * 3)
        value = own.get(col.field) or col.example
        if not value and spec is not None and col.parse in ("date", "period"):
            value = spec.start.isoformat() if col.parse == "date" else f"{spec.start:%Y-%m}"
        if col.parse.startswith("choice:") and spec is not None:
            allowed = choices_for(col.parse, spec)
            value = value if value in allowed else (allowed[0] if allowed else "")
        if col.parse == "org" and first_unit:
            value = first_unit
        example.append(value)
    ws.freeze_panes = "A2"
    return example


def _drop_downs(
    ws: Worksheet, options: Worksheet, columns: tuple[Column, ...], spec: Any, unit_count: int
) -> None:
    """Drop-down lists from the campaign's types, kept on the 选项 sheet (no 255-character
    limit), yes/no, and the unit list."""
    opt_col = 0
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        rng = f"{letter}2:{letter}{TEMPLATE_ROWS}"
        dv: DataValidation | None = None
        if col.parse.startswith("choice:") and spec is not None:
            allowed = choices_for(col.parse, spec)
            if not allowed:
                continue
            opt_col += 1
            ol = get_column_letter(opt_col)
            options.cell(row=1, column=opt_col, value=col.header)
            for r, word in enumerate(allowed, start=2):
                options.cell(row=r, column=opt_col, value=safe_cell(word))
            dv = DataValidation(
                type="list",
                formula1=f"=选项!${ol}$2:${ol}${len(allowed) + 1}",
                allow_blank=not col.required,
                showErrorMessage=True,
                errorTitle="无效的值",
                error=f"请从下拉列表中选择{col.header}。",
            )
        elif col.parse == "bool":
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
        elif col.parse == "org" and unit_count:
            dv = DataValidation(
                type="list",
                formula1=f"=单位列表!$B$2:$B${unit_count + 1}",
                allow_blank=False,
                showErrorMessage=False,  # a code is accepted as well as a name
            )
        elif col.parse == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        if dv is not None:
            dv.add(rng)
            ws.add_data_validation(dv)


def _example_row(ws: Worksheet, columns: tuple[Column, ...], example: list[str]) -> None:
    """The example row, marked so that the importer skips it if the clerk leaves it in."""
    marked = False
    for i, value in enumerate(example, start=1):
        col = columns[i - 1]
        if not marked and col.parse in ("text", "key") and value:
            value = EXAMPLE_MARKS[0] + value
            marked = True
        cell = ws.cell(row=2, column=i, value=safe_cell(value))
        cell.font = EXAMPLE_FONT
    if not marked:
        ws.cell(row=2, column=1, value=EXAMPLE_MARKS[0] + str(example[0] or ""))
    ws.cell(row=2, column=1).comment = Comment(
        "示例行：以“（示例）”开头的行导入时自动跳过，可删除。", "巡指"
    )


def _guide(guide: Worksheet, kind: Kind) -> None:
    guide.column_dimensions["A"].width = 100
    lines = [
        f"{kind.label}填写说明",
        "1. 第一行为表头，请勿修改；红色表头为必填列。列的顺序可以调整，多余的列会被忽略。",
        "2. 第二行为示例（以“（示例）”开头），导入时自动跳过。",
        "3. 组织可填写组织名称或组织代码（见“单位列表”工作表）；重名的组织请填写代码。",
        "4. 日期可写作 2021-06-01、2021.6.1 或 2021年6月1日。",
        "5. 合计、小计行会被自动识别并排除，不计入数据。",
        "6. 同一文件重复导入不会产生重复数据：已有记录按关键字段原地更新。",
    ]
    for line in lines:
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)


#: Above this many cells the annotated copy is rebuilt from the values, not loaded in openpyxl.
ANNOTATE_LOAD_CELLS = 200_000


def annotated_workbook(*, raw: RawFile, data: bytes, issues: Sequence[ImportIssue]) -> bytes:
    """The user's workbook back with each faulty cell filled red and commented, plus a
    sheet listing every error. CSV, .xls and large files come back as .xlsx built from their
    values. No cell of it is a live formula: text is neutralised, and a formula of the
    user's file is replaced by the value it had when read."""
    wb = None
    cells = sum(len(row) for sheet in raw.sheets for row in sheet.rows)
    if raw.format == "xlsx" and cells <= ANNOTATE_LOAD_CELLS:
        try:
            wb = load_workbook(io.BytesIO(data))
        except Exception:  # an xlsx openpyxl cannot open: rebuild from the values
            wb = None
    if wb is not None:
        _defuse(wb, raw)
    else:
        wb = Workbook()
        wb.remove(wb.active)
        for sheet in raw.sheets:
            ws = wb.create_sheet(sheet.name[:31])
            for row in sheet.rows:
                ws.append([safe_cell(v) if v != "" else None for v in row])
    by_cell: dict[tuple[str, int, int], list[str]] = defaultdict(list)
    for issue in issues:
        if issue.row is not None and issue.sheet:
            col = issue.col_index if issue.col_index is not None else 0
            by_cell[(issue.sheet, issue.row, col)].append(issue.reason)
    for (sheet_name, row_no, col), reasons in by_cell.items():
        if sheet_name not in wb.sheetnames:
            continue
        cell = wb[sheet_name].cell(row=row_no, column=col + 1)
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(reasons)[:2000], "巡指", width=300, height=120)
    report = wb.create_sheet("错误清单", 0)
    report.append(["工作表", "行", "列", "单元格", "值", "原因"])
    for cell in report[1]:
        cell.font = Font(bold=True)
    for issue in issues:
        report.append(
            safe_row([issue.sheet, issue.row, issue.column, issue.cell, issue.value, issue.reason])
        )
    report.column_dimensions["F"].width = 80
    wb.active = 0
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _defuse(wb: Workbook, raw: RawFile) -> None:
    """Every formula of a loaded workbook becomes the value the reader saw; text is neutralised."""
    values = {sheet.name: sheet.rows for sheet in raw.sheets}
    for ws in wb.worksheets:
        rows = values.get(ws.title, [])
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    r, c = cell.row - 1, cell.column - 1
                    seen = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
                    cell.value = safe_cell(seen) if seen != "" else None
                elif isinstance(cell.value, str):
                    cell.value = safe_cell(cell.value)
