"""Attachments (附件) in the .docx, per GB/T 9704-2012 §8 (``/work/shared/spec/gbt9704.md``).

Each attachment starts a new page: 附件 (and its number) in 3号黑体 flush left on the first line,
its title in the title style (2号方正小标宋简体, centred) on the third, a blank line, then one
table as wide as the text block (156 mm): single 0.5 pt rules, the header row repeated on every
page and never split, cells in 五号 (10.5 pt) 仿宋_GB2312 (header and group rows 黑体), centred,
kept off the line grid so a row is as high as its text, digits in Times New Roman.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from xunzhi.reports.document import Annex
from xunzhi.reports.render.docx import (
    FANGSONG,
    HEITI,
    LATIN_FONT,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    PAGE_WIDTH,
    STYLE,
    _add_run,
)

TABLE_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # the text block, 156 mm
CELL_SIZE = 21  # half-points: 五号 = 10.5 pt
CELL_LINE = 300  # exact 15 pt rows of text
RULE = 4  # eighths of a point: 0.5 pt


def _cell_paragraph(text: str, *, font: str, align: str) -> str:
    fonts = f'<w:rFonts w:ascii="{LATIN_FONT}" w:hAnsi="{LATIN_FONT}" w:eastAsia="{font}" w:cs="{LATIN_FONT}"/>'
    rpr = f'<w:rPr>{fonts}<w:b w:val="0"/><w:sz w:val="{CELL_SIZE}"/><w:szCs w:val="{CELL_SIZE}"/></w:rPr>'
    ppr = (
        '<w:pPr><w:widowControl w:val="0"/><w:snapToGrid w:val="0"/>'
        f'<w:spacing w:before="0" w:after="0" w:line="{CELL_LINE}" w:lineRule="exact"/>'
        f'<w:ind w:left="0" w:right="0" w:firstLine="0"/><w:jc w:val="{align}"/></w:pPr>'
    )
    lines = [f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in text.split("\n")]
    run = f"<w:r>{rpr}{'<w:br/>'.join(lines)}</w:r>" if text else ""
    return f"<w:p>{ppr}{run}</w:p>"


def _cell(text: str, width: int, *, font: str, align: str = "center", span: int = 1) -> str:
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}<w:vAlign w:val="center"/></w:tcPr>'
        f"{_cell_paragraph(text, font=font, align=align)}</w:tc>"
    )


def table_xml(annex: Annex) -> str:
    total = sum(annex.widths)
    widths = [TABLE_WIDTH * w // total for w in annex.widths]
    widths[-1] += TABLE_WIDTH - sum(widths)
    borders = "".join(
        f'<w:{side} w:val="single" w:sz="{RULE}" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    head = "".join(_cell(h, w, font=HEITI) for h, w in zip(annex.header, widths, strict=True))
    rows = [f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{head}</w:tr>"]
    for row in annex.rows:
        if len(row) == 1:
            cells = _cell(row[0], TABLE_WIDTH, font=HEITI, align="left", span=len(widths))
        else:
            cells = "".join(_cell(c, w, font=FANGSONG) for c, w in zip(row, widths, strict=True))
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{cells}</w:tr>")
    if annex.note:
        note = _cell(annex.note, TABLE_WIDTH, font=FANGSONG, align="left", span=len(widths))
        rows.append(f"<w:tr><w:trPr><w:cantSplit/></w:trPr>{note}</w:tr>")
    return (
        f"<w:tbl {nsdecls('w')}><w:tblPr>"
        f'<w:tblW w:w="{TABLE_WIDTH}" w:type="dxa"/><w:jc w:val="center"/>'
        f"<w:tblBorders>{borders}</w:tblBorders>"
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr><w:tblGrid>"
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        + "</w:tblGrid>"
        + "".join(rows)
        + "</w:tbl>"
    )


def annexes_add(document: Any, annexes: list[Annex]) -> None:
    """Append each attachment on a new page: label, blank line, title, blank line, table (its
    note, if any, as the table's last row)."""
    styles = document.styles
    body = document.element.body
    sect_pr = body.find(qn("w:sectPr"))
    for annex in annexes:
        label = document.add_paragraph(style=styles[STYLE["annex_label"][1]])
        ppr = label._p.get_or_add_pPr()
        ppr.find(qn("w:pStyle")).addnext(parse_xml(f"<w:pageBreakBefore {nsdecls('w')}/>"))
        _add_run(label, annex.label, "annex_label")
        document.add_paragraph(style=styles[STYLE["body"][1]])
        title = document.add_paragraph(style=styles[STYLE["title"][1]])
        _add_run(title, annex.title, "title")
        document.add_paragraph(style=styles[STYLE["body"][1]])
        sect_pr.addprevious(parse_xml(table_xml(annex)))
