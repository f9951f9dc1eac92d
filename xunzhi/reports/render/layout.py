"""The block sequence every renderer lays out: the document's blocks plus the format's blank lines.

GB/T 9704-2012 puts one blank line under the title (the 主送机关 or the body follows it) and one
blank line between the body and the signature block (§7.3.5). The composer does not emit those
blank lines; every renderer asks this module for them so all renderings agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from xunzhi.reports.document import Block, ReportDocument, Run

_PADDED_DATE = re.compile(r"(\d{4})年0?(\d{1,2})月0?(\d{1,2})日")


@dataclass(frozen=True)
class Blank:
    """An empty body line (one 28.95 pt line in the .docx)."""


Item = Block | Blank


def clean_text(text: str) -> str:
    """One line of text: no line breaks or tabs inside a block, no surrounding spaces."""
    return re.sub(r"[\r\n\t]+", "", text).strip(" \u3000")


def clean_runs(block: Block) -> list[Run]:
    """The block's runs with line breaks removed, empty runs dropped, edges trimmed.

    A date block is written without zero padding (``2021年6月30日``, GB/T 9704 §7.3.5).
    """
    runs = [Run(re.sub(r"[\r\n\t]+", "", run.text), run.figure) for run in block.runs]
    runs = [run for run in runs if run.text]
    if runs:
        runs[0] = Run(runs[0].text.lstrip(" \u3000"), runs[0].figure)
        runs[-1] = Run(runs[-1].text.rstrip(" \u3000"), runs[-1].figure)
        runs = [run for run in runs if run.text]
    if block.kind == "date" and all(run.figure is None for run in runs):
        text = _PADDED_DATE.sub(
            lambda m: f"{m[1]}年{int(m[2])}月{int(m[3])}日", "".join(r.text for r in runs)
        )
        runs = [Run(text)] if text else []
    return runs


def layout(doc: ReportDocument) -> Iterator[Item]:
    """Yield the blocks to render, in order, with the blank lines the format requires.

    When the blocks carry no ``title`` block, ``doc.title`` is used as the title.
    """
    blocks = [Block(b.kind, clean_runs(b)) for b in doc.blocks]
    blocks = [b for b in blocks if b.runs]
    if not any(b.kind == "title" for b in blocks) and clean_text(doc.title):
        blocks.insert(0, Block("title", [Run(clean_text(doc.title))]))
    closing = ("signature", "date")
    previous: Block | None = None
    for block in blocks:
        if previous is not None:
            under_title = previous.kind == "title" and block.kind != "title"
            before_signature = block.kind in closing and previous.kind not in closing
            # 附件说明: one blank line under the body (GB/T 9704 §7.3.4)
            before_note = block.kind == "annex_note" and previous.kind != "annex_note"
            if under_title or before_signature or before_note:
                yield Blank()
        yield block
        previous = block
