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
class ReportDocument:
    title: str
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Plain text of the whole document, one block per line (what the self-check reads)."""
        return "\n".join(block.text for block in self.blocks)
