"""The two phases of an import, stage by stage.

Phase one (:func:`plan_files`) touches nothing and collects every fault with its file, sheet,
row, column and value:

1. reading each file into grids (:mod:`~xunzhi.intake.readers`, limits first);
2. locating each sheet's table, its kind and columns (:mod:`~xunzhi.intake.table`);
3. parsing each row through its column classes (:mod:`~xunzhi.intake.sheet`,
   :mod:`~xunzhi.intake.columns`), rosters before ledgers;
4. resolving units and leaders, those the files add included (:mod:`~xunzhi.intake.resolve`,
   :mod:`~xunzhi.intake.rosters`);
5. checks over all rows at once (:mod:`~xunzhi.intake.checks`).

Phase two (:func:`plan_write`, :mod:`~xunzhi.intake.write`) runs only when phase one found no
error: in one transaction it writes units, then leaders, then the ledgers, upserting by each
kind's natural key with provenance (:mod:`~xunzhi.intake.ledger_write`), ledger rows by
``executemany`` or ``COPY`` (:mod:`~xunzhi.intake.bulk`). Everything is gathered in a
:class:`~xunzhi.intake.plan.Plan`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xunzhi.intake.checks import checks_run
from xunzhi.intake.kinds import kind_get
from xunzhi.intake.plan import ImportIssue, ParsedSheet, Plan, Progress, SheetSummary
from xunzhi.intake.readers import RawFile, RawSheet, file_read
from xunzhi.intake.resolve import LeaderIndex, OrgIndex
from xunzhi.intake.rosters import leaders_register, orgs_settle
from xunzhi.intake.sheet import SheetParser, fill_merged
from xunzhi.intake.table import AUX_SHEETS, Table, table_find
from xunzhi.intake.values import is_blank
from xunzhi.intake.write import plan_write
from xunzhi.ledgers import registry
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

__all__ = ["ImportIssue", "ParsedSheet", "Plan", "SheetSummary", "plan_files", "plan_write"]

Found = tuple[RawFile, RawSheet, Table]


def plan_files(
    *,
    files: list[tuple[str, bytes]],
    campaign: Campaign,
    kind: str | None,
    scope: Org | None,
    progress: Progress | None = None,
) -> Plan:
    """Phase one over ``files`` (name, bytes): what to write and every fault, nothing written."""
    plan = Plan(campaign=campaign, scope=scope, files=[])
    found: list[Found] = []
    for name, data in files:
        found += _tables_of(plan, name, data, kind)
    plan.orgs = OrgIndex(scope=scope)
    total = sum(len(sheet.rows) for _r, sheet, _t in found) or 1
    done = 0
    order = {k.key: i for i, k in enumerate(registry.importable())}
    found.sort(key=lambda item: order[item[2].kind.key])
    for raw, sheet, table in found:
        if table.kind.key != "orgs" and plan.leaders is None:
            plan.leaders = LeaderIndex(plan.orgs)
        parsed = SheetParser(plan, raw.name, sheet, table).parse(progress, done, total)
        plan.sheets.append(parsed)
        done += len(sheet.rows)
        if table.kind.key == "orgs":
            orgs_settle(plan, parsed)
        elif table.kind.key == "leaders":
            leaders_register(plan, parsed)
    if plan.leaders is None:
        plan.leaders = LeaderIndex(plan.orgs)
    checks_run(plan)
    for parsed in plan.sheets:
        parsed.summary.warnings = sum(
            1 for w in plan.warnings if w.file == parsed.file and w.sheet == parsed.raw.name
        )
    if progress:
        progress(total, total)
    return plan


def _tables_of(plan: Plan, name: str, data: bytes, kind: str | None) -> list[Found]:
    """Read one file and locate the table of each of its sheets (stages 1 and 2)."""
    try:
        raw = file_read(name, data)
    except UserError as exc:
        plan.errors.append(ImportIssue(name, "", None, "", "", str(exc).rstrip("。")))
        return []
    plan.files.append((raw, data))
    found: list[Found] = []
    for sheet in raw.sheets:
        if sheet.name in AUX_SHEETS:
            continue
        table = table_find(sheet.rows, merged=sheet.merged, kind_name=kind)
        if table is None:
            if any(any(not is_blank(v) for v in row) for row in sheet.rows[:50]):
                reason = "未找到可识别的表头，已跳过该工作表"
                plan.warnings.append(ImportIssue(name, sheet.name, None, "", "", reason))
            continue
        fill_merged(sheet, table)
        found.append((raw, sheet, table))
    if not found:
        wanted = kind_get(kind).label if kind else "任何台账"
        reason = f"没有找到{wanted}的表头（至少需要列：{_signatures(kind)}）"
        plan.errors.append(ImportIssue(name, "", None, "", "", reason))
    return found


def _signatures(kind: str | None) -> str:
    kinds = [kind_get(kind)] if kind else registry.importable()
    return "；".join(f"{k.label}：{'、'.join(k.signature)}" for k in kinds)
