"""The document model: what a report *says*, independent of how it is rendered.

The template engine (:mod:`xunzhi.reports.compose`) turns a campaign's report
template and the computed figures into a :class:`ReportDocument`; renderers turn
that into .docx (GB/T 9704), HTML (preview, with figure links), Markdown (diffs)
and PDF. A run that prints a figure carries the figure's code so that every
rendering can link it back to its definition and source records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal[
    "title",  # 2号方正小标宋简体, centred
    "addressee",  # 主送机关, flush left, ends with ：
    "heading1",  # 一、 3号黑体
    "heading2",  # （一） 3号楷体_GB2312
    "heading3",  # 1． 3号仿宋_GB2312
    "heading4",  # （1） 3号仿宋_GB2312
    "body",  # 3号仿宋_GB2312, first line indented two characters
    "annex_note",  # 附件说明 (附件：…) under the body, like body text
    "signature",  # organ name, right, two characters in
    "date",  # 2021年6月30日
]


@dataclass(frozen=True)
class Run:
    """A stretch of text; ``figure`` is the figure code (``F02``) when the text prints a figure."""

    text: str
    figure: str | None = None


@dataclass
class Block:
    kind: BlockKind
    runs: list[Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class Annex:
    """An attachment (附件) set on its own page after the report (GB/T 9704 §8): the label
    (附件, 附件1) top left, the title centred, then one table. A row of one cell is a group row
    spanning the table (乡镇, 部门); a line break in a header cell breaks the line there."""

    label: str
    title: str
    header: list[str]
    rows: list[list[str]]
    widths: list[int]  # relative column widths
    note: str = ""  # a line under the table (注：…)


@dataclass
class ReportDocument:
    title: str
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    annexes: list[Annex] = field(default_factory=list)

    @property
    def text(self) -> str:
        """Plain text of the whole document, one block per line (what the self-check reads)."""
        return "\n".join(block.text for block in self.blocks)
