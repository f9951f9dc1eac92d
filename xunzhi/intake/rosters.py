"""The rosters inside an import (phase one): units a file adds are registered before the
ledgers that name them are parsed, their parents resolved once every unit is known (they may
come later in the file), cycles and units outside the importer's scope refused; leaders a
file adds become known to the ledgers of the same import."""

from __future__ import annotations

from typing import Any

from xunzhi.intake.plan import ImportIssue, ParsedSheet, Plan
from xunzhi.intake.resolve import LeaderRef, OrgRef
from xunzhi.intake.values import CellError, to_key, to_text


def orgs_settle(plan: Plan, parsed: ParsedSheet) -> None:
    """Orgs in the file: register every new unit, then resolve parents (which may come later)."""
    orgs = plan.org_index
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
    keep_records: list[list[Any]] = []
    keep_rows: list[int] = []
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
        seen: set[str] = set()
        node: OrgRef | None = ref
        while node is not None and node.id is None:
            if node.code in seen:
                break
            seen.add(node.code)
            node = node.parent
        if node is not None and node.id is None:
            ref.in_scope = False
            _org_error(
                plan, parsed, _row_of(parsed, i_code, ref.code), "上级组织", "", "上级组织关系成环"
            )
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


def _org_error(
    plan: Plan, parsed: ParsedSheet, row_no: int | None, canonical: str, value: str, reason: str
) -> None:
    c, header = parsed.table.columns.get(canonical, (None, canonical))
    plan.errors.append(ImportIssue(parsed.file, parsed.raw.name, row_no, header, value, reason, c))


def leaders_register(plan: Plan, parsed: ParsedSheet) -> None:
    f = parsed.fields
    i_name, i_org = f.index("name"), f.index("org")
    for rec in parsed.records:
        plan.leader_index.add(LeaderRef(name=rec[i_name], org=rec[i_org]))
