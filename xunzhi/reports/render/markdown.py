"""The Markdown renderer: a stable, diff-friendly text of the report.

One block per paragraph, separated by one empty line; the title as ``#``, 一、 headings as
``##``, （一） as ``###``, 1． as ``####``, （1） as ``#####``; figures as plain text. The output
depends only on the document (no dates, no paths), so two versions of a report diff cleanly.
Characters Markdown would read as markup are escaped with a backslash.
"""

from __future__ import annotations

import re

from xunzhi.reports.document import ReportDocument
from xunzhi.reports.render.layout import Blank, layout

_PREFIX = {
    "title": "# ",
    "heading1": "## ",
    "heading2": "### ",
    "heading3": "#### ",
    "heading4": "##### ",
}
_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_LEADING_MARK = re.compile(r"^([#+\-=])")
_LEADING_NUMBER = re.compile(r"^(\d+)([.)])")


def _escape(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    text = _LEADING_MARK.sub(r"\\\1", text)
    return _LEADING_NUMBER.sub(r"\1\\\2", text)


def render_markdown(doc: ReportDocument) -> str:
    """The report as Markdown text (ends with one newline)."""
    paragraphs: list[str] = []
    for item in layout(doc):
        if isinstance(item, Blank):
            continue
        paragraphs.append(_PREFIX.get(item.kind, "") + _escape(item.text))
    for annex in doc.annexes:
        paragraphs += [_escape(annex.label), "# " + _escape(annex.title)]
        lines = ["| " + " | ".join(_escape(h.replace("\n", "")) for h in annex.header) + " |"]
        lines.append("|" + "---|" * len(annex.header))
        for row in annex.rows:
            cells = row if len(row) > 1 else [row[0]] + [""] * (len(annex.header) - 1)
            lines.append("| " + " | ".join(_escape(c) for c in cells) + " |")
        paragraphs.append("\n".join(lines))
        if annex.note:
            paragraphs.append(_escape(annex.note))
    return "\n\n".join(paragraphs) + "\n"
