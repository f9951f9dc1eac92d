"""Intake services: import ledgers and rosters from messy files, export them, write templates.

Every interface (the ``import``/``export``/``template`` commands, the web upload page,
background tasks) calls these functions and nothing else:

- :func:`ledger_import` — two phases, all or nothing (see :mod:`xunzhi.intake.engine`);
- :func:`ledger_export` — the same columns the importer reads, .xlsx or .csv;
- :func:`ledger_template` — a blank workbook with drop-down lists and the unit list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from xunzhi.audit.services import audit_import_batches, audit_suppressed
from xunzhi.intake.blanks import annotated_workbook, template_workbook
from xunzhi.intake.engine import ImportIssue, Plan, SheetSummary, plan_files, plan_write
from xunzhi.intake.exporters import exporter_for
from xunzhi.intake.kinds import kind_get
from xunzhi.ledgers import registry
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

__all__ = [
    "ImportIssue",
    "ImportResult",
    "SheetSummary",
    "ledger_export",
    "ledger_import",
    "ledger_template",
]


@dataclass
class ImportResult:
    """What an import did (or, when refused, why not)."""

    ok: bool
    dry_run: bool
    errors: list[ImportIssue]
    warnings: list[ImportIssue]
    sheets: list[SheetSummary]
    batch_ids: list[int] = field(default_factory=list)
    _plan: Plan | None = field(default=None, repr=False)

    @property
    def added(self) -> int:
        return sum(s.added for s in self.sheets)

    @property
    def updated(self) -> int:
        return sum(s.updated for s in self.sheets)

    @property
    def unchanged(self) -> int:
        return sum(s.unchanged for s in self.sheets)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.sheets)

    def annotated_workbook(self, file_name: str) -> bytes | None:
        """The file back as .xlsx with its faulty cells highlighted and commented (None when
        the file had no error or is not part of this import)."""
        if self._plan is None:
            return None
        issues = [e for e in self.errors if e.file == file_name]
        if not issues:
            return None
        for raw, data in self._plan.files:
            if raw.name == file_name:
                return annotated_workbook(raw=raw, data=data, issues=issues)
        return None


def _load_files(files: Sequence[tuple[str, bytes] | Path | str]) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for item in files:
        if isinstance(item, tuple):
            name, data = item
            out.append((str(name), bytes(data)))
            continue
        path = Path(item)
        if not path.is_file():
            raise UserError(f"找不到文件：{path}")
        out.append((path.name, path.read_bytes()))
    if not out:
        raise UserError("没有要导入的文件。")
    return out


def ledger_import(
    *,
    files: Sequence[tuple[str, bytes] | Path | str],
    campaign: Campaign,
    kind: str | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    scope: Org | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import ledgers (or the organisation and leader rosters) from .xlsx/.xls/.csv files.

    Phase one reads and checks every row of every file; if anything is wrong nothing is
    written and ``ok`` is False with every error listed. Otherwise phase two writes it all
    in one transaction, upserting by natural key. ``scope`` limits the units rows may name
    to one subtree; ``dry_run`` stops after phase one (the counts are still computed).
    """
    if kind is not None:
        kind_get(kind)
    loaded = _load_files(files)
    parse_progress = (lambda done, total: progress(done, total * 2)) if progress else None
    plan = plan_files(
        files=loaded, campaign=campaign, kind=kind, scope=scope, progress=parse_progress
    )
    result = ImportResult(
        ok=not plan.errors,
        dry_run=dry_run,
        errors=plan.errors,
        warnings=plan.warnings,
        sheets=[s.summary for s in plan.sheets],
        _plan=plan,
    )
    if plan.errors:
        return result
    write_progress = None
    if progress:
        total = plan.total_rows or 1
        write_progress = lambda done, _t: progress(total + done, total * 2)  # noqa: E731
    # One audit entry per file, none per row: the rows record their batch.
    with audit_suppressed():
        result.batch_ids = plan_write(plan, user=user, dry_run=dry_run, progress=write_progress)
    if result.batch_ids:
        from xunzhi.audit.units import unit_of

        person = user if isinstance(user, AbstractBaseUser) else None
        audit_import_batches(batch_ids=result.batch_ids, unit=scope or unit_of(person))
    result.ok = not plan.errors  # rows changed on the web since their export are refused
    return result


def ledger_export(
    *,
    kind: str,
    campaign: Campaign | None,
    unit: Org | None = None,
    queryset: QuerySet[Any] | None = None,
    fmt: str = "xlsx",
) -> bytes:
    """One ledger (or roster) as .xlsx or .csv with the import columns; ``unit`` keeps its
    subtree, ``queryset`` exports an already filtered set of that kind."""
    exporter = exporter_for(kind_get(kind), campaign=campaign, unit=unit, queryset=queryset)
    return exporter.render(fmt)


def ledger_template(*, kind: str, campaign: Campaign | None, scope: Org | None = None) -> bytes:
    """A blank .xlsx to fill in: header, drop-down lists of the campaign's types, the
    unit list (of ``scope`` when given) and an example row the importer skips."""
    return template_workbook(kind=kind_get(kind), campaign=campaign, scope=scope)


def kind_choices() -> list[tuple[str, str]]:
    """(kind, Chinese label) pairs for forms."""
    return [(k.key, k.label) for k in registry.importable()]
