"""The HTML renderer: the report as an ``<article class="report">`` fragment for preview.

The same blocks and blank lines as the .docx, styled to look like the filed document (serif CJK
faces, a text block 28 characters wide, two-character indents, right-set signature). Every run that
prints a figure is wrapped in ``<a class="figure" data-figure="F02" href="…">`` when the caller
gives ``figure_url``, so a reader can jump from a number to its definition and source records;
without it the run is a ``<span class="figure" data-figure="F02">``. All text is escaped.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from xunzhi.reports.document import Annex, Block, ReportDocument, Run
from xunzhi.reports.render.layout import Blank, layout

#: The stylesheet of the preview; scoped to ``article.report`` so a page can include it as is.
REPORT_CSS = """
article.report { box-sizing: content-box; max-width: calc(28em + 2px); margin: 0 auto;
  padding: 3em 2.6em 3.2em 2.8em;
  background: #fff; color: #111; font-size: 16pt; line-height: 1.81;
  font-family: "FangSong_GB2312", "仿宋_GB2312", "FangSong", "仿宋", "FandolFang", "STFangsong",
    "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", serif; text-align: justify; }
article.report p, article.report h1, article.report h2, article.report h3,
article.report h4, article.report h5 { margin: 0; font-size: 1em; font-weight: normal; }
article.report .title { font-size: 22pt; text-align: center; line-height: 1.32;
  font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", "Source Han Serif SC",
    "Songti SC", serif; font-weight: 700; }
article.report .blank { height: 1.81em; }
article.report .body, article.report .heading1, article.report .heading2,
article.report .heading3, article.report .heading4 { text-indent: 2em; }
article.report .heading1 { font-family: "黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC",
  "PingFang SC", sans-serif; }
article.report .heading2 { font-family: "楷体_GB2312", "KaiTi_GB2312", "楷体", "KaiTi",
  "AR PL KaitiM GB", "STKaiti", serif; }
article.report .addressee { text-indent: 0; }
article.report .signature, article.report .date { text-align: right; padding-right: 2em; }
article.report .figure { display: inline; }  /* host pages may style .figure (Bootstrap: inline-block, which inherits the 2em indent) */
article.report a.figure { color: inherit; text-decoration: underline dotted #b22; }
article.report a.figure:hover { background: #fdecea; }
article.report .annex { margin-top: 3em; border-top: 1px dashed #bbb; padding-top: 1.5em; }
article.report .annex-label { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif; }
article.report table.annex-table { width: 100%; border-collapse: collapse; font-size: 12pt;
  line-height: 1.5; margin-top: 1em; }
article.report table.annex-table th, article.report table.annex-table td {
  border: 1px solid #111; padding: .15em .3em; text-align: center; }
article.report table.annex-table th { font-family: "黑体", "SimHei", "Noto Sans CJK SC", sans-serif;
  font-weight: normal; }
article.report table.annex-table td.group { text-align: left; font-weight: 700; }
article.report .annex-note { font-size: 12pt; margin-top: .5em; }
""".strip()

_TAG = {
    "title": "h1",
    "heading1": "h2",
    "heading2": "h3",
    "heading3": "h4",
    "heading4": "h5",
}


def _run_html(run: Run, figure_url: Callable[[str], str] | None) -> str:
    text = escape(run.text, quote=False)
    if run.figure is None:
        return text
    code = escape(run.figure, quote=True)
    if figure_url is None:
        return f'<span class="figure" data-figure="{code}">{text}</span>'
    href = escape(figure_url(run.figure), quote=True)
    return f'<a class="figure" data-figure="{code}" href="{href}">{text}</a>'


def _block_html(block: Block, figure_url: Callable[[str], str] | None) -> str:
    tag = _TAG.get(block.kind, "p")
    inner = "".join(_run_html(run, figure_url) for run in block.runs)
    return f'<{tag} class="{block.kind}">{inner}</{tag}>'


def _annex_html(annex: Annex) -> str:
    """An attachment: its label, title and table (every cell escaped)."""
    head = "".join(
        f"<th>{escape(h, quote=False).replace(chr(10), '<br>')}</th>" for h in annex.header
    )
    rows = []
    for row in annex.rows:
        if len(row) == 1:
            cells = f'<td class="group" colspan="{len(annex.header)}">{escape(row[0], quote=False)}</td>'
        else:
            cells = "".join(f"<td>{escape(c, quote=False)}</td>" for c in row)
        rows.append(f"<tr>{cells}</tr>")
    note = f'<p class="annex-note">{escape(annex.note, quote=False)}</p>' if annex.note else ""
    return (
        f'<section class="annex"><p class="annex-label">{escape(annex.label, quote=False)}</p>'
        f'<div class="blank" aria-hidden="true"></div>'
        f'<h1 class="title">{escape(annex.title, quote=False)}</h1>'
        f'<table class="annex-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
        f"</table>{note}</section>"
    )


def render_html(doc: ReportDocument, *, figure_url: Callable[[str], str] | None = None) -> str:
    """The report as an HTML fragment (``<article class="report">…</article>``)."""
    parts = [f'<article class="report" lang="zh-CN">\n<style>\n{REPORT_CSS}\n</style>']
    for item in layout(doc):
        if isinstance(item, Blank):
            parts.append('<div class="blank" aria-hidden="true"></div>')
        else:
            parts.append(_block_html(item, figure_url))
    parts.extend(_annex_html(annex) for annex in doc.annexes)
    parts.append("</article>")
    return "\n".join(parts) + "\n"
