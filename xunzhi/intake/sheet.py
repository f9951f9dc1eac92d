"""Parsing one sheet's table into records (phase one): every cell through its column's parser,
every fault collected with its file, sheet, row, column and value, 合计/小计 rows checked
against the rows above them and left out, units checked against the importer's scope and
leaders resolved against each row's unit."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from xunzhi.intake.columns import ImportColumn, ParseContext, import_column
from xunzhi.intake.plan import ImportIssue, ParsedSheet, Plan, Progress, SheetSummary
from xunzhi.intake.readers import RawSheet
from xunzhi.intake.resolve import LeaderRef, OrgRef
from xunzhi.intake.table import Table, row_class
from xunzhi.intake.values import CellError, YearHint, is_blank, title_year, to_key, to_text
from xunzhi.lib.numbers import decimal_text

_NAME_SPLIT = re.compile(r"[、,，;；/]+")


def fill_merged(sheet: RawSheet, table: Table) -> None:
    """A cell merged down over several data rows (one 单位 for its five activities) holds its
    value for each of them; Excel stores it only in the top cell."""
    rows = sheet.rows
    for r0, c0, r1, c1 in sheet.merged:
        if r0 < table.first_data_row or r1 <= r0 or r0 >= len(rows):
            continue
        top = rows[r0][c0] if c0 < len(rows[r0]) else ""
        if is_blank(top):
            continue
        for r in range(r0 + 1, min(r1 + 1, len(rows))):
            row = rows[r]
            for c in range(c0, c1 + 1):
                if c < len(row) and is_blank(row[c]):
                    row[c] = top


class SheetParser:
    """One sheet of one file: its columns (present in the table, in the kind's order), their
    parsers and positions, and the running sums the totals rows are checked against."""

    def __init__(self, plan: Plan, file: str, sheet: RawSheet, table: Table) -> None:
        self.plan, self.file, self.sheet, self.table = plan, file, sheet, table
        kind = table.kind
        spec = plan.campaign.spec
        hint = YearHint(start=spec.start, end=spec.end, title_year=title_year(table.title_lines))
        context = ParseContext(spec=spec, hint=hint, model=kind.model, orgs=plan.org_index)
        present = [c for c in kind.columns if c.header in table.columns]
        self.columns: list[ImportColumn] = [import_column(c, context) for c in present]
        self.idx = [table.columns[c.header][0] for c in present]
        self.written = [table.columns[c.header][1] for c in present]
        self.parsers = [col.parser() for col in self.columns]
        self.required = [c.required for c in present]
        self.fields = [c.field for c in present]
        self.org_pos = self._position("org")
        self.leader_pos = self._position("leader")
        self.period_pos = self._position("period")
        self.numeric = [i for i, col in enumerate(self.columns) if col.numeric]
        if self.period_pos is not None:
            self.fields.append("period_end")
        self.running = [Decimal(0)] * len(present)  # since the last 小计
        self.overall = [Decimal(0)] * len(present)
        self.summary = SheetSummary(
            file=file,
            sheet=sheet.name,
            kind=kind.key,
            label=kind.label,
            extra_columns=list(table.extra_columns),
        )

    def _position(self, type_name: str) -> int | None:
        return next((i for i, c in enumerate(self.columns) if c.type_name == type_name), None)

    def issue(self, r: int, i: int | None, value: object, reason: str) -> ImportIssue:
        """A fault of 0-based sheet row ``r``, column position ``i`` (None: the whole row)."""
        if i is None:
            return ImportIssue(self.file, self.sheet.name, r + 1, "", "", reason)
        text = "" if value is None else to_text(value)
        return ImportIssue(
            self.file, self.sheet.name, r + 1, self.written[i], text, reason, self.idx[i]
        )

    def check_header(self) -> None:
        kind, table = self.table.kind, self.table
        for header in table.extra_columns:
            self.plan.warnings.append(
                ImportIssue(
                    self.file,
                    self.sheet.name,
                    None,
                    header,
                    "",
                    f"列“{header}”不属于{kind.label}，已忽略",
                )
            )
        for col in kind.columns:
            if col.required and col.header not in table.columns:
                self.plan.errors.append(
                    ImportIssue(
                        self.file,
                        self.sheet.name,
                        table.header_row + 1,
                        col.header,
                        "",
                        "缺少必填列",
                    )
                )

    def parse(self, progress: Progress | None = None, done: int = 0, total: int = 1) -> ParsedSheet:
        """Every data row of the table as a record; faulty rows are reported and left out."""
        self.check_header()
        parsed = ParsedSheet(self.file, self.sheet, self.table, self.summary, self.fields)
        rows = self.sheet.rows
        step = max(2000, len(rows) // 100)
        for r in range(self.table.first_data_row, len(rows)):
            if progress and r % step == 0:
                progress(done + r, total)
            row = rows[r]
            cls = row_class(row, self.table)
            if cls == "total":
                self.summary.totals_excluded += 1
                self.compare_total(r, row)
            if cls != "data":
                continue
            rec = self.record(r, row)
            if rec is not None:
                parsed.records.append(rec)
                parsed.rows.append(r + 1)
        self.summary.rows = len(parsed.records)
        return parsed

    def cells(self, r: int, row: list[Any]) -> tuple[list[Any], bool]:
        """The row's parsed values by column position, and whether all of them were good;
        numbers are added to the running sums, faulty rows too (a totals row counts them)."""
        errors = self.plan.errors
        width = len(self.parsers)
        rec: list[Any] = [None] * width
        ok = True
        n = len(row)
        idx, required, parsers = self.idx, self.required, self.parsers
        for i in range(width):
            c = idx[i]
            value = row[c] if c < n else ""
            if value is None or (value.__class__ is str and (not value or value.isspace())):
                if required[i]:
                    errors.append(self.issue(r, i, "", "不能为空"))
                    ok = False
                continue
            try:
                rec[i] = parsers[i](value)
            except CellError as exc:
                errors.append(self.issue(r, i, value, str(exc)))
                ok = False
        for i in self.numeric:
            if rec[i] is not None:
                self.running[i] += rec[i]
                self.overall[i] += rec[i]
        return rec, ok

    def record(self, r: int, row: list[Any]) -> list[Any] | None:
        """One data row as a record (units and leaders resolved), or None when it has faults."""
        rec, ok = self.cells(r, row)
        if not ok:
            return None
        org_pos, leader_pos = self.org_pos, self.leader_pos
        if org_pos is not None:
            ref: OrgRef = rec[org_pos]
            if (
                self.table.kind.key != "orgs"
                and not ref.in_scope
                and self.plan.org_index.scope_path
            ):
                reason = f"组织“{ref.name}”不在您的权限范围内"
                self.plan.errors.append(self.issue(r, org_pos, row[self.idx[org_pos]], reason))
                return None
        if leader_pos is not None and rec[leader_pos] is not None:
            row_org = rec[org_pos] if org_pos is not None else None
            try:
                rec[leader_pos] = self.leader(r, rec[leader_pos], row_org)
            except CellError as exc:
                self.plan.errors.append(
                    self.issue(r, leader_pos, row[self.idx[leader_pos]], str(exc))
                )
                return None
        if self.period_pos is not None:
            rec[self.period_pos], end = rec[self.period_pos]
            rec.append(end)
        return rec

    def leader(self, r: int, value: object, row_org: OrgRef | None) -> LeaderRef:
        """The leader of a row; of several names (``张三、李四``) the first is kept, with a warning."""
        leaders = self.plan.leader_index
        try:
            return leaders.resolve(value, row_org)
        except CellError:
            names = [n for n in _NAME_SPLIT.split(to_text(value)) if n.strip()]
            if len(names) < 2:
                raise
            ref = leaders.resolve(names[0], row_org)
            reason = f"填写了多位领导，只记录第一位“{ref.name}”"
            self.plan.warnings.append(self.issue(r, self.leader_pos, value, reason))
            return ref

    def compare_total(self, r: int, row: list[Any]) -> None:
        """A 合计 row (or 小计: since the last one) whose figures differ from the sum of the rows
        is reported; the row itself is never imported."""
        label = next((to_key(v) for v in row if isinstance(v, str) and v.strip()), "")
        subtotal = label.startswith("小计")
        sums = self.running if subtotal else self.overall
        for i in self.numeric:
            c = self.idx[i]
            value = row[c] if c < len(row) else ""
            if is_blank(value):
                continue
            try:
                stated = self.parsers[i](value)
            except CellError:
                continue
            if stated is not None and Decimal(stated) != sums[i]:
                reason = (
                    f"{label or '合计'}行的“{self.written[i]}”为 {to_text(value)}，"
                    f"但各行相加为 {decimal_text(sums[i])}，该行已排除，请核对"
                )
                self.plan.warnings.append(self.issue(r, i, value, reason))
        if subtotal:
            for i in self.numeric:
                self.running[i] = Decimal(0)
