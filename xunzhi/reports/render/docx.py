"""The .docx renderer: a ReportDocument laid out per GB/T 9704-2012 (``/work/shared/spec/gbt9704.md``).

Built with python-docx from its default package, whose styles are thrown away: the renderer
writes its own ``styles.xml`` (document defaults, one style per block kind, footer) so nothing of
the built-in template (10 pt space after, theme fonts, blue headings) survives. Every value of
the national format is written explicitly, so the file needs no font installed to be produced and
reads the same in Word, WPS and LibreOffice:

- A4, margins 37/28/26/35 mm, a lines-only document grid of 579 twips (22 lines per page);
- exact 28.95 pt line spacing, no space before/after, widow control off (full pages of 22 lines),
  punctuation allowed to hang at the line end (``w:overflowPunct``);
- 3号 runs condensed by 0.25 pt (``w:spacing w:val="-5"``) so 28 characters fit a line;
- East Asian fonts in ``w:rFonts w:eastAsia``, digits and Latin in Times New Roman;
- odd/even footers with ``— N —`` in 4号 宋体, odd pages right, even pages left, one character in.
"""

from __future__ import annotations

import io
import itertools
import unicodedata
from typing import Any  # python-docx has no type information

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from xunzhi.reports.document import Block, ReportDocument
from xunzhi.reports.render.layout import Blank, layout

# --- the format, in twips (1/20 pt) and half-points -------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = 11906, 16838  # A4
MARGIN_TOP, MARGIN_LEFT, MARGIN_RIGHT, MARGIN_BOTTOM = 2098, 1587, 1474, 1984  # 37/28/26/35 mm
HEADER_DISTANCE = 851  # 15 mm; the header stays empty
# The page number's em-dash line sits 7 mm under the text block (GB/T 9704 §7.5): its top is
# 35 - 7 = 28 mm above the page edge; a 4号 line is about 6 mm high, so the footer ends 22 mm up.
FOOTER_DISTANCE = 1247
LINE_PITCH = 579  # 28.95 pt: 22 lines fill the 225 mm text block
BODY_SIZE = 32  # half-points: 3号 = 16 pt
TITLE_SIZE = 44  # 2号 = 22 pt
PAGE_NUMBER_SIZE = 28  # 4号 = 14 pt
CONDENSE = -5  # twips per character: 16 pt - 0.25 pt = 15.75 pt, 28 × 15.75 ≤ 442 pt
CHAR = BODY_SIZE * 10  # one 3号 character, 320 twips
INDENT = 2 * CHAR  # two characters
PAGE_NUMBER_CHAR = PAGE_NUMBER_SIZE * 10  # one 4号 character, 280 twips
# Word and LibreOffice put a small space between CJK characters and digits or Latin letters
# (LibreOffice ignores w:autoSpaceDE/DN and always does; measured 3.4 pt at 3号).
AUTOSPACE = 68

LATIN_FONT = "Times New Roman"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONGTI = "宋体"

#: The official faces the .docx names, per block kind (the East Asian slot).
EAST_ASIAN_FONT = {
    "title": XIAOBIAOSONG,
    "addressee": FANGSONG,
    "heading1": HEITI,
    "heading2": KAITI,
    "heading3": FANGSONG,
    "heading4": FANGSONG,
    "body": FANGSONG,
    "annex_note": FANGSONG,
    "annex_label": HEITI,
    "signature": FANGSONG,
    "date": FANGSONG,
}

#: Style id and the Chinese name Word/WPS users see, per block kind.
STYLE = {
    "body": ("XzBody", "公文正文"),
    "title": ("XzTitle", "公文标题"),
    "addressee": ("XzAddressee", "主送机关"),
    "heading1": ("XzHeading1", "一级标题"),
    "heading2": ("XzHeading2", "二级标题"),
    "heading3": ("XzHeading3", "三级标题"),
    "heading4": ("XzHeading4", "四级标题"),
    "annex_note": ("XzAnnexNote", "附件说明"),
    "annex_label": ("XzAnnexLabel", "附件标识"),
    "signature": ("XzSignature", "发文机关署名"),
    "date": ("XzDate", "成文日期"),
}
FOOTER_STYLE = ("XzPageNumber", "页码")


# --- XML snippets --------------------------------------------------------------------------------


def _fonts_xml(east_asian: str, latin: str = LATIN_FONT) -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asian}" w:cs="{latin}"/>'
    )


def _rpr_inner(kind: str) -> str:
    """Run properties of a block kind (used in its style and on each of its runs)."""
    if kind == "title":
        return (
            _fonts_xml(XIAOBIAOSONG)
            + '<w:b w:val="0"/><w:bCs w:val="0"/><w:spacing w:val="0"/>'
            + f'<w:sz w:val="{TITLE_SIZE}"/><w:szCs w:val="{TITLE_SIZE}"/>'
        )
    return (
        _fonts_xml(EAST_ASIAN_FONT[kind])
        + '<w:b w:val="0"/><w:bCs w:val="0"/>'
        + f'<w:spacing w:val="{CONDENSE}"/>'
        + f'<w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/>'
    )


def _ppr_inner(kind: str) -> str:
    """Paragraph properties of a block kind's style (order per the OOXML schema)."""
    keep_next = "<w:keepNext/>" if kind.startswith("heading") or kind == "title" else ""
    snap = '<w:snapToGrid w:val="0"/>' if kind == "title" else ""
    spacing = f'<w:spacing w:before="0" w:after="0" w:line="{LINE_PITCH}" w:lineRule="exact"/>'
    if kind in ("body", "annex_note", "heading1", "heading2", "heading3", "heading4"):
        ind = f'<w:ind w:left="0" w:right="0" w:firstLine="{INDENT}"/>'
        jc = "both"
    elif kind in ("signature", "date"):
        ind = f'<w:ind w:left="0" w:right="{INDENT}" w:firstLine="0"/>'
        jc = "right"
    elif kind == "title":
        ind = '<w:ind w:left="0" w:right="0" w:firstLine="0"/>'
        jc = "center"
    else:  # addressee: flush left
        ind = '<w:ind w:left="0" w:right="0" w:firstLine="0"/>'
        jc = "both"
    outline = ""
    if kind.startswith("heading"):
        outline = f'<w:outlineLvl w:val="{int(kind[-1]) - 1}"/>'
    return (
        f'{keep_next}<w:widowControl w:val="0"/>{snap}{spacing}{ind}<w:jc w:val="{jc}"/>{outline}'
    )


def _styles_xml() -> str:
    styles = [
        # Document defaults: what any paragraph or run without a style gets.
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        + _fonts_xml(FANGSONG)
        + f'<w:sz w:val="{BODY_SIZE}"/><w:szCs w:val="{BODY_SIZE}"/>'
        + '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
        + "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
        + '<w:widowControl w:val="0"/>'
        # Word: punctuation may hang past the right edge (its default for Chinese). LibreOffice
        # reads this flag inverted (1 = no hanging); with its hanging on, it drops a 、 or ， that
        # falls at the end of a full, condensed, justified line. 1 keeps every character in both.
        + '<w:overflowPunct w:val="1"/>'
        + f'<w:spacing w:before="0" w:after="0" w:line="{LINE_PITCH}" w:lineRule="exact"/>'
        + '<w:jc w:val="both"/>'
        + "</w:pPr></w:pPrDefault></w:docDefaults>",
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal">'
        '<w:name w:val="Normal"/><w:qFormat/>'
        f"<w:pPr>{_ppr_inner('addressee')}</w:pPr><w:rPr>{_rpr_inner('body')}</w:rPr></w:style>",
        '<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont">'
        '<w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/>'
        "<w:unhideWhenUsed/></w:style>",
    ]
    for kind, (style_id, name) in STYLE.items():
        styles.append(
            f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
            f'<w:next w:val="{STYLE["body"][0]}"/><w:qFormat/>'
            f"<w:pPr>{_ppr_inner(kind)}</w:pPr><w:rPr>{_rpr_inner(kind)}</w:rPr></w:style>"
        )
    style_id, name = FOOTER_STYLE
    styles.append(
        f'<w:style w:type="paragraph" w:customStyle="1" w:styleId="{style_id}">'
        f'<w:name w:val="{name}"/><w:basedOn w:val="Normal"/>'
        '<w:pPr><w:widowControl w:val="0"/><w:snapToGrid w:val="0"/>'
        '<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
        '<w:ind w:left="0" w:right="0" w:firstLine="0"/></w:pPr>'
        f"<w:rPr>{_fonts_xml(SONGTI, SONGTI)}"
        f'<w:sz w:val="{PAGE_NUMBER_SIZE}"/><w:szCs w:val="{PAGE_NUMBER_SIZE}"/></w:rPr></w:style>'
    )
    return f"<w:styles {nsdecls('w')}>{''.join(styles)}</w:styles>"


# --- building the document -----------------------------------------------------------------------


def _is_full(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _text_width(text: str) -> int:
    """Width in twips of 3号 condensed text: full-width characters one em, the rest half an em,
    plus the automatic space where a CJK character meets a digit or a Latin letter."""
    width = sum((CHAR if _is_full(ch) else CHAR // 2) + CONDENSE for ch in text)
    for a, b in itertools.pairwise(text):
        if (_is_full(a) and b.isascii() and b.isalnum()) or (
            _is_full(b) and a.isascii() and a.isalnum()
        ):
            width += AUTOSPACE
    return width


def _signature_indents(items: list[Block | Blank]) -> dict[int, int]:
    """Right indents (twips) of the signature and date paragraphs, per GB/T 9704 §7.3.5.

    The signature is set 右空二字; the date goes on the next line, its first character two
    characters right of the signature's first character; when the date is longer than that
    allows, the date is set 右空二字 and the signature moves left to keep the offset.
    """
    indents: dict[int, int] = {}
    for i, item in enumerate(items):
        if not (isinstance(item, Block) and item.kind == "date"):
            continue
        signature = items[i - 1] if i else None
        date_width = _text_width(item.text)
        if not (isinstance(signature, Block) and signature.kind == "signature"):
            indents[i] = INDENT
            continue
        sig_width = _text_width(signature.text)
        date_right = INDENT + sig_width - 2 * (CHAR + CONDENSE) - date_width
        if date_right >= INDENT:
            indents[i - 1], indents[i] = INDENT, date_right
        else:
            indents[i - 1] = INDENT + date_width + 2 * (CHAR + CONDENSE) - sig_width
            indents[i] = INDENT
    return indents


def _add_run(paragraph: Any, text: str, kind: str) -> None:
    run = paragraph.add_run(text)
    run._r.insert(0, parse_xml(f"<w:rPr {nsdecls('w')}>{_rpr_inner(kind)}</w:rPr>"))


def _page_number_paragraph(footer: Any, style: Any, *, odd: bool) -> None:
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = style
    ppr = paragraph._p.get_or_add_pPr()
    side = "right" if odd else "left"
    ppr.append(parse_xml(f'<w:ind {nsdecls("w")} w:{side}="{PAGE_NUMBER_CHAR}" w:firstLine="0"/>'))
    ppr.append(parse_xml(f'<w:jc {nsdecls("w")} w:val="{side}"/>'))
    rpr = (
        f"<w:rPr>{_fonts_xml(SONGTI, SONGTI)}"
        f'<w:sz w:val="{PAGE_NUMBER_SIZE}"/><w:szCs w:val="{PAGE_NUMBER_SIZE}"/></w:rPr>'
    )
    for xml in (
        f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>',
        f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>',
        f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
        f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>',
        f"<w:r>{rpr}<w:t>1</w:t></w:r>",
        f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>',
        f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r>',
    ):
        paragraph._p.append(parse_xml(xml.replace("<w:r>", f"<w:r {nsdecls('w')}>", 1)))


#: The font table: the faces the document names, with the GB2312 character set, and the stock
#: Windows names as ``w:altName`` (Windows 10 and later ship 仿宋 and 楷体, not the _GB2312 faces)
#: so Word substitutes a Chinese face, not a Latin one, where the official face is missing.
_FONTS = (
    ("Times New Roman", "", "00", "roman", "variable", "02020603050405020304"),
    (FANGSONG, "仿宋", "86", "modern", "fixed", "02010609030101010101"),
    (KAITI, "楷体", "86", "modern", "fixed", "02010609030101010101"),
    (HEITI, "SimHei", "86", "modern", "fixed", "02010609060101010101"),
    (SONGTI, "SimSun", "86", "auto", "variable", "02010600030101010101"),
    (XIAOBIAOSONG, "宋体", "86", "script", "fixed", "02000000000000000000"),
)


def _font_table_xml() -> bytes:
    fonts = []
    for name, alt, charset, family, pitch, panose in _FONTS:
        alt_xml = f'<w:altName w:val="{alt}"/>' if alt else ""
        fonts.append(
            f'<w:font w:name="{name}">{alt_xml}<w:panose1 w:val="{panose}"/>'
            f'<w:charset w:val="{charset}"/><w:family w:val="{family}"/>'
            f'<w:pitch w:val="{pitch}"/></w:font>'
        )
    xml = f"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<w:fonts {nsdecls('w')}>"
    return (xml + "".join(fonts) + "</w:fonts>").encode("utf-8")


def _clean_package(document: Any) -> None:
    """Replace the built-in styles and font table; drop the template's leftovers."""
    styles_part = document.part.part_related_by(RT.STYLES)
    styles_part._element = parse_xml(_styles_xml())
    document.part.part_related_by(RT.FONT_TABLE)._blob = _font_table_xml()
    for rel_id, rel in list(document.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            document.part.drop_rel(rel_id)
    package_rels = document.part.package.rels
    for rel_id, rel in list(package_rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package_rels[rel_id]  # python-docx's picture of its own template
    document.settings.odd_and_even_pages_header_footer = True
    settings = document.settings.element
    for lang in settings.findall(qn("w:themeFontLang")):
        lang.set(qn("w:eastAsia"), "zh-CN")


def _set_section(document: Any) -> None:
    section = document.sections[0]
    sect_pr = section._sectPr
    section.page_width, section.page_height = PAGE_WIDTH * 635, PAGE_HEIGHT * 635  # EMU
    section.top_margin = MARGIN_TOP * 635
    section.bottom_margin = MARGIN_BOTTOM * 635
    section.left_margin = MARGIN_LEFT * 635
    section.right_margin = MARGIN_RIGHT * 635
    section.header_distance = HEADER_DISTANCE * 635
    section.footer_distance = FOOTER_DISTANCE * 635
    section.gutter = 0
    for grid in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(grid)
    sect_pr.append(
        parse_xml(f'<w:docGrid {nsdecls("w")} w:type="lines" w:linePitch="{LINE_PITCH}"/>')
    )
    style = document.styles[FOOTER_STYLE[1]]
    _page_number_paragraph(section.footer, style, odd=True)
    _page_number_paragraph(section.even_page_footer, style, odd=False)


def render_docx(doc: ReportDocument) -> bytes:
    """The report as a GB/T 9704-2012 .docx file (bytes)."""
    document = Document()
    _clean_package(document)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    _set_section(document)
    core = document.core_properties
    core.title = doc.title
    core.author = doc.meta.get("author", "巡指")
    core.comments = ""
    core.keywords = ""
    core.subject = ""
    core.last_modified_by = core.author
    core.language = "zh-CN"

    items = list(layout(doc))
    indents = _signature_indents(items)
    styles = document.styles
    for i, item in enumerate(items):
        if isinstance(item, Blank):
            document.add_paragraph(style=styles[STYLE["body"][1]])
            continue
        paragraph = document.add_paragraph(style=styles[STYLE[item.kind][1]])
        if i in indents:
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(
                parse_xml(
                    f'<w:ind {nsdecls("w")} w:left="0" w:right="{indents[i]}" w:firstLine="0"/>'
                )
            )
        for run in item.runs:
            _add_run(paragraph, run.text, item.kind)
    if doc.annexes:
        from xunzhi.reports.render.annex import annexes_add

        annexes_add(document, doc.annexes)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
