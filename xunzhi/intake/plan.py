"""What phase one of an import learns: the faults it found (:class:`ImportIssue`), each sheet's
parsed records (:class:`ParsedSheet`) and their summary, all gathered in one :class:`Plan`
that phase two writes (or refuses)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xunzhi.intake.kinds import Kind
from xunzhi.intake.readers import RawFile, RawSheet
from xunzhi.intake.resolve import LeaderIndex, OrgIndex
from xunzhi.intake.table import Table
from xunzhi.organisations.models import Org

if TYPE_CHECKING:
    from xunzhi.campaigns.models import Campaign

Progress = Callable[[int, int], None]


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
    records: list[list[Any]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # 1-based sheet row of each record

    @property
    def kind(self) -> Kind:
        return self.table.kind


@dataclass
class Plan:
    """Everything phase one learnt: what to write, and what is wrong."""

    campaign: Campaign
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

    @property
    def org_index(self) -> OrgIndex:
        """The units known to this import (set once the files are read)."""
        if self.orgs is None:
            raise RuntimeError("the plan has no unit index yet")
        return self.orgs

    @property
    def leader_index(self) -> LeaderIndex:
        """The leaders known to this import (set once the rosters are parsed)."""
        if self.leaders is None:
            raise RuntimeError("the plan has no leader index yet")
        return self.leaders
