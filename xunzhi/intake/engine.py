"""The two phases of an import.

Phase one (:func:`plan_files`) reads every file, finds every table, parses every row and
collects every fault with its file, sheet, row, column and value; it touches nothing.
Phase two (:func:`plan_write`) runs only when phase one found no error: in one
transaction it writes units, then leaders, then the ledgers, upserting by each model's
natural key (added / updated with ``version`` bumped / unchanged), with provenance.

Ledger rows are written with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) over the
model's own table and columns, not ``bulk_create``: building 200 000 model instances costs
more than the insert itself (see ``bench/intake.py``). Everything else (units, leaders, batches) goes through the ORM.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from xunzhi.intake.kinds import Kind, choices_for, kind_get
from xunzhi.intake.models import ImportBatch
from xunzhi.intake.readers import RawFile, RawSheet, file_read
from xunzhi.intake.resolve import LeaderIndex, LeaderRef, OrgIndex, OrgRef
from xunzhi.intake.table import AUX_SHEETS, Table, row_class, table_find
from xunzhi.intake.values import (
    CellError,
    YearHint,
    is_blank,
    title_year,
    to_bool,
    to_choice,
    to_date,
    to_int,
    to_key,
    to_money,
    to_period,
    to_tags,
    to_text,
)
from xunzhi.ledgers import registry
from xunzhi.lib.errors import UserError
from xunzhi.lib.numbers import decimal_text
from xunzhi.organisations.models import Leader, Org, Rank

Progress = Callable[[int, int], None]
WRITE_BATCH = 5000


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class ImportIssue:
    """One fault (an error refuses the import; a warning is only reported)."""

    file: str
    sheet: str
    row: int | None  # 1-based sheet row, None for the whole sheet or file
    column: str  # the header as written in the file, "" when not about one column
    value: str
    reason: str
    col_index: int | None = None

    @property
    def cell(self) -> str:
        if self.row is None or self.col_index is None:
            return ""
        return f"{column_letter(self.col_index)}{self.row}"

    @property
    def message(self) -> str:
        where = f"文件“{self.file}”"
        if self.sheet:
            where += f"工作表“{self.sheet}”"
        if self.row is not None:
            where += f"第{self.row}行"
        if self.column:
            where += f"“{self.column}”列"
            if self.cell:
                where += f"（{self.cell}）"
        return f"{where}：{self.reason}。"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "cell": self.cell,
            "value": self.value,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class SheetSummary:
    file: str
    sheet: str
    kind: str
    label: str
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: int = 0
    totals_excluded: int = 0
    extra_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class ParsedSheet:
    file: str
    raw: RawSheet
    table: Table
    summary: SheetSummary
    fields: list[str]  # model fields held by each record, in order
    records: list[list] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # 1-based sheet row of each record

    @property
    def kind(self) -> Kind:
        return self.table.kind


@dataclass
class Plan:
    """Everything phase one learnt: what to write, and what is wrong."""

    campaign: Any
    scope: Org | None
    files: list[tuple[RawFile, bytes]]
    sheets: list[ParsedSheet] = field(default_factory=list)
    errors: list[ImportIssue] = field(default_factory=list)
    warnings: list[ImportIssue] = field(default_factory=list)
    orgs: OrgIndex | None = None
    leaders: LeaderIndex | None = None
    #: rows changed in the database since they were exported (found while diffing)
    stale: list[ImportIssue] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(len(s.records) for s in self.sheets)


# ====================================================================== phase one


def plan_files(
    *,
    files: list[tuple[str, bytes]],
    campaign,
    kind: str | None,
    scope: Org | None,
    progress: Progress | None = None,
) -> Plan:
    raws: list[tuple[RawFile, bytes]] = []
    plan = Plan(campaign=campaign, scope=scope, files=raws)
    found: list[tuple[RawFile, RawSheet, Table]] = []
    for name, data in files:
        try:
            raw = file_read(name, data)
        except UserError as exc:
            plan.errors.append(ImportIssue(name, "", None, "", "", str(exc).rstrip("。")))
            continue
        raws.append((raw, data))
        tables = 0
        for sheet in raw.sheets:
            if sheet.name in AUX_SHEETS:
                continue
            table = table_find(sheet.rows, merged=sheet.merged, kind_name=kind)
            if table is None:
                if any(any(not is_blank(v) for v in row) for row in sheet.rows[:50]):
                    plan.warnings.append(
                        ImportIssue(
                            name, sheet.name, None, "", "", "未找到可识别的表头，已跳过该工作表"
                        )
                    )
                continue
            tables += 1
            _fill_merged(sheet, table)
            found.append((raw, sheet, table))
        if not tables:
            wanted = kind_get(kind).label if kind else "任何台账"
            plan.errors.append(
                ImportIssue(
                    name,
                    "",
                    None,
                    "",
                    "",
                    f"没有找到{wanted}的表头（至少需要列：{_signatures(kind)}）",
                )
            )
    plan.orgs = OrgIndex(scope=scope)
    total = sum(len(sheet.rows) for _r, sheet, _t in found) or 1
    done = 0
    order = {k.key: i for i, k in enumerate(registry.importable())}
    found.sort(key=lambda item: order[item[2].kind.key])
    for raw, sheet, table in found:
        if table.kind.key != "orgs" and plan.leaders is None:
            plan.leaders = LeaderIndex(plan.orgs)
        parsed = _parse_sheet(plan, raw, sheet, table, progress, done, total)
        plan.sheets.append(parsed)
        done += len(sheet.rows)
        if table.kind.key == "orgs":
            _settle_orgs(plan, parsed)
        elif table.kind.key == "leaders":
            _register_leaders(plan, parsed)
    if plan.leaders is None:
        plan.leaders = LeaderIndex(plan.orgs)
    _check_duplicates(plan)
    _check_value_pairs(plan)
    _check_locked_values(plan)
    for parsed in plan.sheets:
        parsed.summary.warnings = sum(
            1 for w in plan.warnings if w.file == parsed.file and w.sheet == parsed.raw.name
        )
    if progress:
        progress(total, total)
    return plan


def _fill_merged(sheet: RawSheet, table: Table) -> None:
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


def _signatures(kind: str | None) -> str:
    kinds = [kind_get(kind)] if kind else registry.importable()
    return "；".join(f"{k.label}：{'、'.join(k.signature)}" for k in kinds)


def _max_length(model, name: str) -> int | None:
    try:
        return getattr(model._meta.get_field(name), "max_length", None)
    except Exception:  # noqa: BLE001 - a column without a model field has no limit
        return None


def _bounded(parse: Callable[[object], str], limit: int | None) -> Callable[[object], str]:
    """Text no longer than the database column (PostgreSQL would refuse the whole import)."""
    if not limit:
        return parse

    def parse_bounded(value: object) -> str:
        text = parse(value)
        if len(text) > limit:
            raise CellError(f"内容过长：最多 {limit} 个字符，现有 {len(text)} 个")
        return text

    return parse_bounded


def _parser(col, plan: Plan, hint: YearHint, model=None) -> Callable[[object], Any]:
    spec = plan.campaign.spec
    kind = col.parse
    if kind == "text":
        return _bounded(to_text, _max_length(model, col.field))
    if kind == "key":
        return _bounded(to_key, _max_length(model, col.field))
    if kind == "int":
        return to_int
    if kind == "money":
        return to_money
    if kind == "bool":
        return to_bool
    if kind == "tags":
        return to_tags
    if kind == "date":
        cache: dict[object, dt.date | None] = {}

        def parse_date(value: object) -> dt.date | None:
            if type(value) is dt.date:
                return value
            try:
                return cache[value]
            except KeyError:
                pass
            except TypeError:
                return to_date(value, year_hint=hint)
            result = cache[value] = to_date(value, year_hint=hint)
            return result

        return parse_date
    if kind == "period":
        end = spec.end
        return lambda value: to_period(value, campaign_end=end)
    if kind.startswith("choice:"):
        allowed = choices_for(kind, spec)
        allowed_set = set(allowed)

        def parse_choice(value: object) -> str:
            if value in allowed_set:
                return value  # type: ignore[return-value]
            return to_choice(value, allowed)

        return parse_choice
    if kind == "org":
        return plan.orgs.resolve  # type: ignore[union-attr]
    if kind == "version":
        return _to_version
    if kind == "parent":
        return to_text  # resolved once every unit of the file is known
    if kind == "leader":
        return lambda value: value  # resolved per row, once the row's unit is known
    raise AssertionError(kind)  # pragma: no cover


def _to_version(value: object) -> int:
    number = to_int(value)
    if number is None or number < 1:
        raise CellError("“版本”应为导出时的版本号（正整数），请勿修改该列")
    return number


def _parse_sheet(
    plan: Plan,
    raw: RawFile,
    sheet: RawSheet,
    table: Table,
    progress: Progress | None,
    done: int,
    total: int,
) -> ParsedSheet:
    kind = table.kind
    summary = SheetSummary(
        file=raw.name,
        sheet=sheet.name,
        kind=kind.key,
        label=kind.label,
        extra_columns=list(table.extra_columns),
    )
    spec = plan.campaign.spec
    hint = YearHint(start=spec.start, end=spec.end, title_year=title_year(table.title_lines))
    for header in table.extra_columns:
        plan.warnings.append(
            ImportIssue(
                raw.name, sheet.name, None, header, "", f"列“{header}”不属于{kind.label}，已忽略"
            )
        )
    present = [c for c in kind.columns if c.header in table.columns]
    missing = [c.header for c in kind.columns if c.required and c.header not in table.columns]
    for header in missing:
        plan.errors.append(
            ImportIssue(raw.name, sheet.name, table.header_row + 1, header, "", "缺少必填列")
        )
    idx = [table.columns[c.header][0] for c in present]
    written = [table.columns[c.header][1] for c in present]
    parsers = [_parser(c, plan, hint, kind.model) for c in present]
    required = [c.required for c in present]
    fields = [c.field for c in present]
    org_pos = next((i for i, c in enumerate(present) if c.parse == "org"), None)
    leader_pos = next((i for i, c in enumerate(present) if c.parse == "leader"), None)
    period_pos = next((i for i, c in enumerate(present) if c.parse == "period"), None)
    numeric = [i for i, c in enumerate(present) if c.parse in ("int", "money")]
    if period_pos is not None:
        fields.append("period_end")
    parsed = ParsedSheet(raw.name, sheet, table, summary, fields)
    scope_path = plan.orgs.scope_path if plan.orgs else ""
    errors = plan.errors
    running = [Decimal(0)] * len(present)  # since the last 小计
    overall = [Decimal(0)] * len(present)
    width = len(present)
    rows = sheet.rows
    step = max(2000, len(rows) // 100)
    for r in range(table.first_data_row, len(rows)):
        if progress and r % step == 0:
            progress(done + r, total)
        row = rows[r]
        cls = row_class(row, table)
        if cls != "data":
            if cls == "total":
                summary.totals_excluded += 1
                _compare_total(
                    plan,
                    raw.name,
                    sheet.name,
                    r,
                    row,
                    idx,
                    written,
                    parsers,
                    numeric,
                    running,
                    overall,
                )
            continue
        rec: list = [None] * width
        ok = True
        n = len(row)
        for i in range(width):
            c = idx[i]
            value = row[c] if c < n else ""
            if value is None or (value.__class__ is str and (not value or value.isspace())):
                if required[i]:
                    errors.append(
                        ImportIssue(raw.name, sheet.name, r + 1, written[i], "", "不能为空", c)
                    )
                    ok = False
                continue
            try:
                rec[i] = parsers[i](value)
            except CellError as exc:
                errors.append(
                    ImportIssue(
                        raw.name, sheet.name, r + 1, written[i], to_text(value), str(exc), c
                    )
                )
                ok = False
        for i in numeric:  # totals rows are checked against every row, faulty ones too
            if rec[i] is not None:
                running[i] += rec[i]
                overall[i] += rec[i]
        if not ok:
            continue
        if org_pos is not None:
            ref: OrgRef = rec[org_pos]
            if kind.key != "orgs" and not ref.in_scope and scope_path:
                errors.append(
                    ImportIssue(
                        raw.name,
                        sheet.name,
                        r + 1,
                        written[org_pos],
                        to_text(row[idx[org_pos]]),
                        f"组织“{ref.name}”不在您的权限范围内",
                        idx[org_pos],
                    )
                )
                continue
        if leader_pos is not None and rec[leader_pos] is not None:
            row_org = rec[org_pos] if org_pos is not None else None
            try:
                rec[leader_pos] = _leader(
                    plan, raw, sheet, r, written, idx, leader_pos, rec, row_org
                )
            except CellError as exc:
                c = idx[leader_pos]
                errors.append(
                    ImportIssue(
                        raw.name,
                        sheet.name,
                        r + 1,
                        written[leader_pos],
                        to_text(row[c]),
                        str(exc),
                        c,
                    )
                )
                continue
        if period_pos is not None:
            rec[period_pos], end = rec[period_pos]
            rec.append(end)
        parsed.records.append(rec)
        parsed.rows.append(r + 1)
    summary.rows = len(parsed.records)
    return parsed


_NAME_SPLIT = re.compile(r"[、,，;；/]+")


def _leader(plan, raw, sheet, r, written, idx, pos, rec, row_org) -> LeaderRef:
    """The leader of a row; of several names (``张三、李四``) the first is kept, with a warning."""
    value = rec[pos]
    try:
        return plan.leaders.resolve(value, row_org)
    except CellError:
        names = [n for n in _NAME_SPLIT.split(to_text(value)) if n.strip()]
        if len(names) < 2:
            raise
        ref = plan.leaders.resolve(names[0], row_org)
        plan.warnings.append(
            ImportIssue(
                raw.name,
                sheet.name,
                r + 1,
                written[pos],
                to_text(value),
                f"填写了多位领导，只记录第一位“{ref.name}”",
                idx[pos],
            )
        )
        return ref


def _compare_total(plan, file, sheet, r, row, idx, written, parsers, numeric, running, overall):
    label = next((to_key(v) for v in row if isinstance(v, str) and v.strip()), "")
    sums = running if label.startswith("小计") else overall
    for i in numeric:
        c = idx[i]
        value = row[c] if c < len(row) else ""
        if is_blank(value):
            continue
        try:
            stated = parsers[i](value)
        except CellError:
            continue
        if stated is not None and Decimal(stated) != sums[i]:
            plan.warnings.append(
                ImportIssue(
                    file,
                    sheet,
                    r + 1,
                    written[i],
                    to_text(value),
                    f"{label or '合计'}行的“{written[i]}”为 {to_text(value)}，"
                    f"但各行相加为 {decimal_text(sums[i])}，该行已排除，请核对",
                    c,
                )
            )
    if label.startswith("小计"):
        for i in numeric:
            running[i] = Decimal(0)


def _settle_orgs(plan: Plan, parsed: ParsedSheet) -> None:
    """Orgs in the file: register every new unit, then resolve parents (which may come later)."""
    orgs = plan.orgs
    if orgs is None:
        raise ValueError("organisation plan missing")
    f = parsed.fields
    i_code, i_name = f.index("code"), f.index("name")
    i_parent = f.index("parent") if "parent" in f else None
    # The parent column was resolved before the new units were known: re-read it raw.
    col_parent = parsed.table.columns.get("上级组织")
    new_refs: dict[str, OrgRef] = {}
    for rec in parsed.records:
        code = rec[i_code]
        if to_key(code) not in orgs.by_code:
            ref = OrgRef(code=code, name=rec[i_name])
            orgs.add_planned(ref)
            new_refs[code] = ref
    keep_records, keep_rows = [], []
    for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
        parent_text = ""
        if col_parent is not None:
            raw_row = parsed.raw.rows[row_no - 1]
            c = col_parent[0]
            parent_text = to_text(raw_row[c]) if c < len(raw_row) else ""
        parent: OrgRef | None = None
        if parent_text:
            try:
                parent = orgs.resolve(parent_text)
            except CellError as exc:
                _org_error(plan, parsed, row_no, "上级组织", parent_text, str(exc))
                continue
        if i_parent is not None:
            rec[i_parent] = parent
        code = rec[i_code]
        ref = orgs.by_code[to_key(code)]
        if ref.id is None:
            ref.parent = parent
            if parent is None and plan.scope is not None:
                _org_error(plan, parsed, row_no, "上级组织", "", "新增组织必须填写上级组织")
                continue
        elif col_parent is not None:
            current = orgs.parent_of(ref)
            if (parent.code if parent else None) != (current.code if current else None):
                _org_error(
                    plan,
                    parsed,
                    row_no,
                    "上级组织",
                    parent_text,
                    f"组织“{ref.name}”现属“{current.name if current else '（无）'}”，"
                    "导入不能调整组织隶属关系，请在管理界面中移动",
                )
                continue
        keep_records.append(rec)
        keep_rows.append(row_no)
    # Scope and cycles, now that every parent is known.
    for ref in new_refs.values():
        seen, node = set(), ref
        while node is not None and node.id is None:
            if node.code in seen:
                break
            seen.add(node.code)
            node = node.parent
        if node is not None and node.id is None:
            ref.in_scope = False
            row_no = _row_of(parsed, i_code, ref.code)
            _org_error(plan, parsed, row_no, "上级组织", "", "上级组织关系成环")
            continue
        top = node
        ref.in_scope = top.in_scope if top is not None else plan.scope is None
    for rec, row_no in zip(keep_records, keep_rows, strict=True):
        ref = orgs.by_code[to_key(rec[i_code])]
        if plan.scope is not None and not ref.in_scope:
            _org_error(
                plan, parsed, row_no, "组织代码", ref.code, f"组织“{ref.name}”不在您的权限范围内"
            )
    parsed.records, parsed.rows = keep_records, keep_rows
    parsed.summary.rows = len(keep_records)


def _row_of(parsed: ParsedSheet, i_code: int, code: str) -> int | None:
    for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
        if rec[i_code] == code:
            return row_no
    return None


def _org_error(plan, parsed: ParsedSheet, row_no, canonical: str, value: str, reason: str) -> None:
    c, header = parsed.table.columns.get(canonical, (None, canonical))
    plan.errors.append(ImportIssue(parsed.file, parsed.raw.name, row_no, header, value, reason, c))


def _register_leaders(plan: Plan, parsed: ParsedSheet) -> None:
    f = parsed.fields
    i_name, i_org = f.index("name"), f.index("org")
    for rec in parsed.records:
        plan.leaders.add(LeaderRef(name=rec[i_name], org=rec[i_org]))  # type: ignore[union-attr]


def _natural_key(kind: Kind) -> tuple[str, ...]:
    return kind.natural_key


def _key_value(value: object) -> object:
    if isinstance(value, OrgRef):
        return value.code
    if isinstance(value, LeaderRef):
        return value.key
    return value


def _check_duplicates(plan: Plan) -> None:
    """A natural key twice in one import would be written twice: refuse it, naming both rows."""
    seen: dict[tuple, tuple[str, str, int]] = {}
    for parsed in plan.sheets:
        key_fields = _natural_key(parsed.kind)
        pos = [parsed.fields.index(k) for k in key_fields]
        label = "、".join(parsed.kind.column_for_field(k).header for k in key_fields)
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            key = (parsed.kind.key, *(_key_value(rec[i]) for i in pos))
            first = seen.get(key)
            if first is None:
                seen[key] = (parsed.file, parsed.raw.name, row_no)
                continue
            where = first[1] if first[0] == parsed.file else f"{first[0]} {first[1]}"
            plan.errors.append(
                ImportIssue(
                    parsed.file,
                    parsed.raw.name,
                    row_no,
                    "",
                    "",
                    f"与工作表“{where}”第{first[2]}行重复（{label}相同）",
                )
            )


def _check_value_pairs(plan: Plan) -> None:
    """The campaign's ``value_checks`` (a numerator never above its denominator, never without
    it) on the values as they will stand after the import: the file's over the database's."""
    from xunzhi.ledgers.models import ReportedValue

    checks = plan.campaign.spec.value_checks
    sheets = [p for p in plan.sheets if p.kind.key == "values"]
    if not checks or not sheets:
        return
    items = {c.numerator for c in checks} | {c.denominator for c in checks}
    state: dict[tuple[str, str], dict[str, Decimal]] = {}
    where: dict[tuple[str, str, str], tuple[ParsedSheet, int]] = {}
    for parsed in sheets:
        f = parsed.fields
        i_org, i_period, i_item, i_value = (f.index(k) for k in ("org", "period", "item", "value"))
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            if rec[i_item] in items:
                group = (rec[i_org].code, rec[i_period])
                state.setdefault(group, {})[rec[i_item]] = rec[i_value]
                where[(*group, rec[i_item])] = (parsed, row_no)
    if not state:
        return
    stored = ReportedValue.objects.filter(
        campaign=plan.campaign, item__in=items, org__code__in={g[0] for g in state}
    ).values_list("org__code", "period", "item", "value")
    for code, period, item, value in stored:
        group = state.get((code, period))
        if group is not None:
            group.setdefault(item, value)
    for (code, period), values in state.items():
        for check in checks:
            num, den = values.get(check.numerator), values.get(check.denominator)
            if num is None:
                continue
            if den is None:
                reason = f"填写了“{check.numerator}”时必须同时填写“{check.denominator}”"
            elif num > den:
                reason = (
                    f"“{check.numerator}”（{decimal_text(num)}）不能大于"
                    f"“{check.denominator}”（{decimal_text(den)}）"
                )
            else:
                continue
            spot = where.get((code, period, check.numerator)) or where.get(
                (code, period, check.denominator)
            )
            if spot is None:
                continue
            parsed, row_no = spot
            c, header = parsed.table.columns["数值"]
            plan.errors.append(
                ImportIssue(parsed.file, parsed.raw.name, row_no, header, "", reason, c)
            )


def _check_locked_values(plan: Plan) -> None:
    """Reported values of a unit and period that are submitted or approved are locked: an
    import may not change them behind the reviewer's back (return or un-approve first).
    Rows that leave a locked value as it is (re-importing the same file) are fine."""
    from xunzhi.ledgers.models import ReportedValue, ValueSubmission
    from xunzhi.ledgers.services import LOCKED_STATUSES

    sheets = [p for p in plan.sheets if p.kind.key == "values"]
    if not sheets:
        return
    rows: dict[tuple[str, str], list[tuple[ParsedSheet, int, str, Decimal]]] = {}
    for parsed in sheets:
        f = parsed.fields
        i_org, i_period, i_item, i_value = (f.index(k) for k in ("org", "period", "item", "value"))
        for rec, row_no in zip(parsed.records, parsed.rows, strict=True):
            group = (rec[i_org].code, rec[i_period])
            rows.setdefault(group, []).append((parsed, row_no, rec[i_item], rec[i_value]))
    locked = {
        (code, period): status
        for code, period, status in ValueSubmission.objects.filter(
            campaign=plan.campaign,
            status__in=LOCKED_STATUSES,
            org__code__in={code for code, _ in rows},
            period__in={period for _, period in rows},
        ).values_list("org__code", "period", "status")
        if (code, period) in rows
    }
    if not locked:
        return
    stored = {
        (code, period, item): value
        for code, period, item, value in ReportedValue.objects.filter(
            campaign=plan.campaign,
            org__code__in={code for code, _ in locked},
            period__in={period for _, period in locked},
        ).values_list("org__code", "period", "item", "value")
    }
    for (code, period), status in sorted(locked.items()):
        for parsed, row_no, item, value in rows[(code, period)]:
            if stored.get((code, period, item)) == value:
                continue
            plan.errors.append(
                ImportIssue(
                    parsed.file,
                    parsed.raw.name,
                    row_no,
                    "",
                    "",
                    f"该单位 {period} 的填报数据{status}，已锁定，不能通过导入修改"
                    "（请审核人先退回或撤销审核）",
                )
            )


# ====================================================================== phase two


def plan_write(
    plan: Plan, *, user=None, dry_run: bool = False, progress: Progress | None = None
) -> list[int]:
    """Diff every sheet against the database and (unless ``dry_run``) write it, atomically."""
    if dry_run:
        _diff_all(plan, write=False, batches={}, progress=None)
        plan.errors.extend(plan.stale)
        return []
    try:
        return _write_all(plan, user=user, progress=progress)
    except _StaleRows:
        plan.errors.extend(plan.stale)
        return []


class _StaleRows(Exception):
    """Raised inside the write transaction to roll it back when rows were found stale."""


def _write_all(plan: Plan, *, user, progress: Progress | None) -> list[int]:
    with transaction.atomic():
        now = timezone.now()
        batches: dict[str, ImportBatch] = {}
        for raw, data in plan.files:
            kinds = sorted({s.kind.key for s in plan.sheets if s.file == raw.name})
            batches[raw.name] = ImportBatch.objects.create(
                file_name=raw.name[-255:],
                file_sha256=hashlib.sha256(data).hexdigest(),
                kind=kinds[0] if len(kinds) == 1 else "mixed",
                user=user if getattr(user, "pk", None) else None,
            )
        _diff_all(plan, write=True, batches=batches, progress=progress, now=now)
        if plan.stale:
            raise _StaleRows
        for name, batch in batches.items():
            sheets = [s.summary for s in plan.sheets if s.file == name]
            batch.added = sum(s.added for s in sheets)
            batch.updated = sum(s.updated for s in sheets)
            batch.unchanged = sum(s.unchanged for s in sheets)
            batch.summary = {
                "sheets": [s.as_dict() for s in sheets],
                "warnings": [w.as_dict() for w in plan.warnings if w.file == name][:200],
            }
            batch.save(update_fields=["added", "updated", "unchanged", "summary"])
        return [b.pk for b in batches.values()]


def _diff_all(plan, *, write, batches, progress, now=None) -> None:
    total = plan.total_rows or 1
    state = {"done": 0}

    def tick(n: int) -> None:
        state["done"] += n
        if progress:
            progress(state["done"], total)

    for parsed in plan.sheets:
        batch = batches.get(parsed.file)
        name = parsed.kind.key
        if name == "orgs":
            _write_orgs(plan, parsed, write=write, batch=batch)
        elif name == "leaders":
            _write_leaders(plan, parsed, write=write)
        else:
            _write_ledger(plan, parsed, write=write, batch=batch, now=now, tick=tick)
            continue
        tick(len(parsed.records))


def _write_orgs(plan: Plan, parsed: ParsedSheet, *, write: bool, batch) -> None:
    orgs = plan.orgs
    f = parsed.fields
    values = [k for k in ("name", "kind", "member_count", "is_leading_body") if k in f]
    existing = {
        o.code: o
        for o in Org.objects.filter(code__in=[rec[f.index("code")] for rec in parsed.records])
    }
    new: list[list] = []
    for rec in parsed.records:
        code = rec[f.index("code")]
        data = {k: rec[f.index(k)] for k in values}
        data = {k: (v if v is not None else _org_default(k)) for k, v in data.items()}
        org = existing.get(code)
        if org is None:
            new.append(rec)
            parsed.summary.added += 1
            continue
        if all(getattr(org, k) == v for k, v in data.items()):
            parsed.summary.unchanged += 1
            continue
        parsed.summary.updated += 1
        if write:
            Org.objects.filter(pk=org.pk).update(**data, version=F("version") + 1)
    if not write or not new:
        return
    # Parents before children: depth of each new unit among the new ones.
    refs = {rec[f.index("code")]: orgs.by_code[to_key(rec[f.index("code")])] for rec in new}

    def depth(ref: OrgRef) -> int:
        d = 0
        while ref.parent is not None and ref.parent.id is None:
            ref, d = ref.parent, d + 1
        return d

    new.sort(key=lambda rec: depth(refs[rec[f.index("code")]]))
    for rec in new:
        ref = refs[rec[f.index("code")]]
        data = {k: rec[f.index(k)] for k in values}
        data = {k: (v if v is not None else _org_default(k)) for k, v in data.items()}
        data["code"] = ref.code
        if ref.parent is None:
            node = Org.objects.add_root(data)
        else:
            parent = Org.objects.get(pk=ref.parent.id)
            node = Org.objects.add_child(parent, data)
        ref.id, ref.path = node.pk, node.path
        orgs.by_path[node.path] = ref


def _org_default(field_name: str):
    return Org._meta.get_field(field_name).get_default()


def _write_leaders(plan: Plan, parsed: ParsedSheet, *, write: bool) -> None:
    f = parsed.fields
    i_name, i_org = f.index("name"), f.index("org")
    values = [k for k in ("title", "rank", "is_principal") if k in f]
    existing = {
        (lid_org, name): (pk, title, rank, principal)
        for pk, lid_org, name, title, rank, principal in Leader.objects.values_list(
            "id", "org_id", "name", "title", "rank", "is_principal"
        )
    }
    creates, updates = [], []
    for rec in parsed.records:
        org: OrgRef = rec[i_org]
        data = {k: rec[f.index(k)] for k in values}
        if "rank" in data and not data["rank"]:
            data["rank"] = Rank.OTHER
        data = {
            k: (v if v is not None else Leader._meta.get_field(k).get_default())
            for k, v in data.items()
        }
        old = existing.get((org.id, rec[i_name])) if org.id else None
        if old is None:
            parsed.summary.added += 1
            creates.append(Leader(name=rec[i_name], org_id=org.id, **data))
            continue
        current = dict(zip(("title", "rank", "is_principal"), old[1:], strict=True))
        if all(current[k] == v for k, v in data.items()):
            parsed.summary.unchanged += 1
            continue
        parsed.summary.updated += 1
        updates.append((old[0], data))
    if not write:
        return
    Leader.objects.bulk_create(creates, batch_size=1000)
    for pk, data in updates:
        Leader.objects.filter(pk=pk).update(**data, version=F("version") + 1)
    # Leaders added here may be named by the ledgers of this same import.
    ids = {
        (org_id, name): pk
        for pk, org_id, name in Leader.objects.values_list("id", "org_id", "name")
    }
    for bucket in plan.leaders.by_name.values():  # type: ignore[union-attr]
        for ref in bucket:
            if ref.id is None and ref.org.id is not None:
                ref.id = ids.get((ref.org.id, ref.name))


def _adapters(model, fields: list[str]):
    """Per-column conversion to what the database driver takes (SQLite wants text dates)."""
    sqlite = connection.vendor == "sqlite"
    out = []
    for name in fields:
        fld = model._meta.get_field(name)
        internal = fld.get_internal_type()
        if sqlite and internal == "DateField":
            out.append(lambda v: v.isoformat() if v is not None else None)
        elif sqlite and internal == "DecimalField":
            out.append(lambda v: str(v) if v is not None else None)
        else:
            out.append(None)
    return out


def _split_versions(parsed: ParsedSheet) -> tuple[list[str], list[list], list[int | None] | None]:
    """(fields, records, versions): the 版本 column, when the sheet has one, taken out of the
    records (it is checked, never written)."""
    if "version" not in parsed.fields:
        return parsed.fields, parsed.records, None
    at = parsed.fields.index("version")
    fields = parsed.fields[:at] + parsed.fields[at + 1 :]
    records = [rec[:at] + rec[at + 1 :] for rec in parsed.records]
    return fields, records, [rec[at] for rec in parsed.records]


def _stale(plan: Plan, parsed: ParsedSheet, row_no: int, reason: str) -> None:
    c, header = parsed.table.columns.get("版本", (None, "版本"))
    plan.stale.append(ImportIssue(parsed.file, parsed.raw.name, row_no, header, "", reason, c))


def _write_ledger(plan: Plan, parsed: ParsedSheet, *, write: bool, batch, now, tick) -> None:
    model = parsed.kind.model
    fields, records, versions = _split_versions(parsed)
    key_fields = parsed.kind.natural_key
    key_pos = [fields.index(k) for k in key_fields]
    value_pos = [i for i, k in enumerate(fields) if k not in key_fields]
    attnames = [model._meta.get_field(k).attname for k in fields]
    org_ids = {ref.code: ref.id for ref in plan.orgs.by_code.values()}  # type: ignore[union-attr]
    conv: list[Callable | None] = []
    for k in fields:
        internal = model._meta.get_field(k).get_internal_type()
        if k == "org":
            conv.append(lambda ref: org_ids.get(ref.code))
        elif internal == "ForeignKey":  # a leader
            conv.append(lambda ref: ref.id if ref is not None else None)
        else:
            conv.append(None)
    # Cells the sheet leaves blank take the model's default.
    defaults = {i: model._meta.get_field(k).get_default() for i, k in enumerate(fields)}
    defaults = {i: v for i, v in defaults.items() if v is not None}
    campaign_id = plan.campaign.pk
    org_filter = {v for v in org_ids.values() if v is not None}
    involved = {org_ids.get(rec[fields.index("org")].code) for rec in records}
    qs = model.objects.filter(campaign_id=campaign_id)
    if len(involved) < 500 and None not in involved:
        qs = qs.filter(org_id__in=involved)
    elif not org_filter:
        qs = qs.none()
    existing: dict[tuple, tuple] = {}
    key_att = [attnames[i] for i in key_pos]
    val_att = [attnames[i] for i in value_pos]
    nk = len(key_att)
    if versions is None:
        for row in qs.values_list("id", *key_att, *val_att).iterator(chunk_size=10000):
            existing[row[1 : 1 + nk]] = (row[0], row[1 + nk :])
    else:
        current: dict[int, int] = {}
        for row in qs.values_list("id", "version", *key_att, *val_att).iterator(chunk_size=10000):
            existing[row[2 : 2 + nk]] = (row[0], row[2 + nk :])
            current[row[0]] = row[1]
    inserts: list[tuple] = []
    updates: list[tuple] = []
    insert_rows: list[int] = []
    update_rows: list[int] = []
    summary = parsed.summary
    changed_keys: list[tuple] = []
    for n, (rec, row_no) in enumerate(zip(records, parsed.rows, strict=True)):
        out = list(rec)
        for i, fn in enumerate(conv):
            if fn is not None and out[i] is not None:
                out[i] = fn(out[i])
        for i, default in defaults.items():
            if out[i] is None:
                out[i] = default
        key = tuple(out[i] for i in key_pos)
        vals = tuple(out[i] for i in value_pos)
        old = existing.get(key) if None not in key[:1] else None
        seen = versions[n] if versions is not None else None
        if seen is not None and old is not None and old[1] != vals and current[old[0]] != seen:
            # changed here and, since the export, there too: the import must not overwrite it
            _stale(
                plan,
                parsed,
                row_no,
                f"该行导出后已被他人修改（导出时第 {seen} 版，现为第 {current[old[0]]} 版），"
                "为免覆盖他人的修改，本次未导入任何数据。请重新导出最新数据后再修改",
            )
            continue
        if old is None:
            summary.added += 1
            inserts.append(tuple(out))
            insert_rows.append(row_no)
            changed_keys.append(key)
        elif old[1] == vals:
            summary.unchanged += 1
        else:
            summary.updated += 1
            updates.append((*vals, old[0]))
            update_rows.append(row_no)
            changed_keys.append(key)
    if not write or plan.stale:
        return
    if parsed.kind.key == "values" and changed_keys:
        org_at, period_at = key_fields.index("org"), key_fields.index("period")
        _bump_submissions(campaign_id, {(k[org_at], k[period_at]) for k in changed_keys})
    if inserts:
        # In natural-key order the unique index grows at its end instead of at random
        # places: fewer B-tree pages touched (about a quarter faster on SQLite).
        order = sorted(range(len(inserts)), key=lambda i: _sortable(inserts[i], key_pos))
        inserts = [inserts[i] for i in order]
        insert_rows = [insert_rows[i] for i in order]
    _insert(model, attnames, inserts, insert_rows, campaign_id, batch, parsed.raw.name, now, tick)
    _update(
        model,
        [attnames[i] for i in value_pos],
        updates,
        update_rows,
        batch,
        parsed.raw.name,
        now,
        tick,
    )
    tick(summary.unchanged)


def _bump_submissions(campaign_id: int, pairs: set[tuple[int, str]]) -> None:
    """Reported values an import changed move their period's submission to a new version, so
    that a values form opened before the import is refused on save (never overwrites them)."""
    from xunzhi.ledgers.models import ValueSubmission

    existing = set()
    by_org: dict[int, set[str]] = {}
    for org_id, period in pairs:
        by_org.setdefault(org_id, set()).add(period)
    for org_id, periods in by_org.items():
        qs = ValueSubmission.objects.filter(
            campaign_id=campaign_id, org_id=org_id, period__in=periods
        )
        existing |= {(org_id, p) for p in qs.values_list("period", flat=True)}
        qs.update(version=F("version") + 1)
    ValueSubmission.objects.bulk_create(
        [
            ValueSubmission(campaign_id=campaign_id, org_id=org_id, period=period)
            for org_id, period in sorted(pairs - existing)
        ],
        batch_size=1000,
    )


def _sortable(rec: tuple, key_pos: list[int]) -> tuple:
    return tuple((v is None, v if v is not None else 0) for v in (rec[i] for i in key_pos))


def _insert(model, attnames, rows, row_nos, campaign_id, batch, sheet, now, tick) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    adapters = _adapters(model, [model._meta.get_field(a).name for a in attnames])
    stamp = connection.ops.adapt_datetimefield_value(now)
    # Columns the sheet does not have at all take the model's default on insert.
    skip = {*attnames, "id", "campaign_id", "version", "created_at", "updated_at"}
    skip |= {"source_batch_id", "source_sheet", "source_row"}
    absent = [f for f in model._meta.concrete_fields if f.attname not in skip]
    absent_values = tuple(f.get_db_prep_save(f.get_default(), connection) for f in absent)
    cols = [*attnames, *(f.attname for f in absent), "campaign_id", "version"]
    cols += ["created_at", "updated_at", "source_batch_id", "source_sheet", "source_row"]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 identifiers quoted; values are parameters
        qn(model._meta.db_table), ", ".join(qn(c) for c in cols), ", ".join(["%s"] * len(cols))
    )
    tail = (*absent_values, campaign_id, 1, stamp, stamp, batch.pk, sheet[:100])
    active = [(i, a) for i, a in enumerate(adapters) if a is not None]
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: about three times faster than executemany here.
        copy_sql = "COPY {} ({}) FROM STDIN".format(
            qn(model._meta.db_table), ", ".join(qn(c) for c in cols)
        )
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for rec, row_no in zip(rows, row_nos, strict=True):
                copy.write_row((*rec, *tail, row_no))
        # Progress only once COPY is closed: a progress callback may query the database,
        # which would wait forever on the connection the open COPY holds.
        tick(len(rows))
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            chunk = []
            for rec, row_no in zip(
                rows[start : start + WRITE_BATCH], row_nos[start : start + WRITE_BATCH], strict=True
            ):
                if active:
                    rec = list(rec)
                    for i, a in active:
                        rec[i] = a(rec[i])
                chunk.append((*rec, *tail, row_no))
            cursor.executemany(sql, chunk)
            tick(len(chunk))


def _update(model, attnames, rows, row_nos, batch, sheet, now, tick) -> None:
    if not rows:
        return
    qn = connection.ops.quote_name
    adapters = _adapters(model, [model._meta.get_field(a).name for a in attnames])
    stamp = connection.ops.adapt_datetimefield_value(now)
    sets = [f"{qn(a)} = %s" for a in attnames]
    sets += [f"{qn('version')} = {qn('version')} + 1", f"{qn('updated_at')} = %s"]
    sets += [
        f"{qn('source_batch_id')} = %s",
        f"{qn('source_sheet')} = %s",
        f"{qn('source_row')} = %s",
    ]
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608 identifiers quoted; values are parameters
        qn(model._meta.db_table), ", ".join(sets), qn("id")
    )
    n = len(attnames)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), WRITE_BATCH):
            chunk = []
            for rec, row_no in zip(
                rows[start : start + WRITE_BATCH], row_nos[start : start + WRITE_BATCH], strict=True
            ):
                vals = [a(v) if a else v for a, v in zip(adapters, rec[:n], strict=True)]
                chunk.append((*vals, stamp, batch.pk, sheet[:100], row_no, rec[n]))
            cursor.executemany(sql, chunk)
            tick(len(chunk))
