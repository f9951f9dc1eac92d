"""The .docx renderer, read back: every row of the GB/T 9704 table in /work/shared/spec/gbt9704.md.

Values are read from the package XML (python-docx for the structure, lxml for the properties)
and resolved the way Word does: direct formatting, then the paragraph style and its ``basedOn``
chain, then the document defaults.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

import pytest
from docx import Document
from docx.oxml.ns import qn
from lxml import etree

from tests.reports.test_render_reference import long_body_document, reference_document
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.render.docx import render_docx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MM = 1440 / 25.4  # twips per millimetre


class Resolver:
    """Effective paragraph and run properties of a python-docx Document."""

    def __init__(self, document):
        self.styles_el = document.styles.element
        self.by_id = {s.get(qn("w:styleId")): s for s in self.styles_el.findall(qn("w:style"))}
        defaults = self.styles_el.find(qn("w:docDefaults"))
        self.ppr_default = defaults.find(f"{W}pPrDefault/{W}pPr")
        self.rpr_default = defaults.find(f"{W}rPrDefault/{W}rPr")

    def _style_chain(self, style_id):
        chain = []
        while style_id and style_id in self.by_id:
            style = self.by_id[style_id]
            chain.append(style)
            based = style.find(qn("w:basedOn"))
            style_id = based.get(qn("w:val")) if based is not None else None
        return chain

    def _paragraph_style_id(self, p):
        ps = p.find(f"{W}pPr/{W}pStyle")
        if ps is not None:
            return ps.get(qn("w:val"))
        default = [
            s
            for s in self.by_id.values()
            if s.get(qn("w:type")) == "paragraph" and s.get(qn("w:default")) == "1"
        ]
        return default[0].get(qn("w:styleId")) if default else None

    def ppr(self, p, tag, attr):
        """The value of ``<w:tag w:attr>`` for paragraph element ``p``, resolved."""
        sources = [p.find(f"{W}pPr")]
        sources += [s.find(f"{W}pPr") for s in self._style_chain(self._paragraph_style_id(p))]
        sources.append(self.ppr_default)
        for pr in sources:
            if pr is None:
                continue
            el = pr.find(f"{W}{tag}")
            if el is not None and el.get(f"{W}{attr}") is not None:
                return el.get(f"{W}{attr}")
        return None

    def rpr(self, p, r, tag, attr="val"):
        sources = [r.find(f"{W}rPr")]
        sources += [s.find(f"{W}rPr") for s in self._style_chain(self._paragraph_style_id(p))]
        sources.append(self.rpr_default)
        for pr in sources:
            if pr is None:
                continue
            el = pr.find(f"{W}{tag}")
            if el is not None:
                value = el.get(f"{W}{attr}")
                if value is None and attr == "val":
                    return "1"  # toggle property present without w:val
                if value is not None:
                    return value
        return None


@pytest.fixture(scope="module")
def reference():
    doc = reference_document()
    data = render_docx(doc)
    document = Document(io.BytesIO(data))
    return doc, data, document, Resolver(document)


def _paragraphs(document):
    return [p._p for p in document.paragraphs]


def _text(p):
    return "".join(t.text or "" for t in p.iter(f"{W}t"))


def _kind_paragraphs(doc, document):
    """Pair the non-empty paragraphs with the document's blocks, in order."""
    paragraphs = [p for p in _paragraphs(document) if _text(p)]
    blocks = [b for b in doc.blocks if b.text]
    assert len(paragraphs) == len(blocks)
    return list(zip(blocks, paragraphs, strict=True))


def test_paper_margins_and_grid(reference):
    _, _, document, _ = reference
    sect = document.sections[0]._sectPr
    pg = sect.find(qn("w:pgSz"))
    assert (int(pg.get(qn("w:w"))), int(pg.get(qn("w:h")))) == (11906, 16838)
    mar = sect.find(qn("w:pgMar"))
    for side, mm in (("top", 37), ("left", 28), ("right", 26), ("bottom", 35)):
        assert abs(int(mar.get(qn(f"w:{side}"))) - mm * MM) <= MM, side
    assert [mar.get(qn(f"w:{s}")) for s in ("top", "left", "right", "bottom")] == [
        "2098",
        "1587",
        "1474",
        "1984",
    ]
    # the text block is 156 × 225 mm and 22 lines of 579 twips fill it
    width = 11906 - int(mar.get(qn("w:left"))) - int(mar.get(qn("w:right")))
    height = 16838 - int(mar.get(qn("w:top"))) - int(mar.get(qn("w:bottom")))
    assert abs(width - 156 * MM) <= MM and abs(height - 225 * MM) <= MM
    grids = sect.findall(qn("w:docGrid"))
    assert len(grids) == 1
    assert grids[0].get(qn("w:type")) == "lines"
    assert grids[0].get(qn("w:linePitch")) == "579"
    assert grids[0].get(qn("w:charSpace")) is None
    assert height // 579 == 22


def test_every_paragraph_has_exact_lines_and_no_space_around(reference):
    _, _, document, res = reference
    for p in _paragraphs(document):
        assert res.ppr(p, "spacing", "line") == "579", _text(p)
        assert res.ppr(p, "spacing", "lineRule") == "exact"
        assert res.ppr(p, "spacing", "before") in ("0", None)
        assert res.ppr(p, "spacing", "after") in ("0", None)
        assert res.ppr(p, "widowControl", "val") == "0"


EXPECTED_FONT = {
    "title": "方正小标宋简体",
    "addressee": "仿宋_GB2312",
    "heading1": "黑体",
    "heading2": "楷体_GB2312",
    "heading3": "仿宋_GB2312",
    "heading4": "仿宋_GB2312",
    "body": "仿宋_GB2312",
    "signature": "仿宋_GB2312",
    "date": "仿宋_GB2312",
}


def test_fonts_sizes_and_condensing_per_block_kind(reference):
    doc, _, document, res = reference
    seen = set()
    for block, p in _kind_paragraphs(doc, document):
        seen.add(block.kind)
        for r in p.findall(f"{W}r"):
            if not _text(r):
                continue
            # the East Asian slot is set on the run itself (font.name alone would not)
            direct = r.find(f"{W}rPr/{W}rFonts")
            assert direct is not None and direct.get(qn("w:eastAsia")) == EXPECTED_FONT[block.kind]
            assert res.rpr(p, r, "rFonts", "eastAsia") == EXPECTED_FONT[block.kind]
            assert res.rpr(p, r, "rFonts", "ascii") == "Times New Roman"
            assert res.rpr(p, r, "rFonts", "hAnsi") == "Times New Roman"
            assert res.rpr(p, r, "rFonts", "asciiTheme") is None
            assert res.rpr(p, r, "rFonts", "eastAsiaTheme") is None
            assert res.rpr(p, r, "b") in ("0", "false", None), block.kind
            if block.kind == "title":
                assert res.rpr(p, r, "sz") == "44"
                assert res.rpr(p, r, "spacing") in (None, "0")
            else:
                assert res.rpr(p, r, "sz") == "32"
                assert res.rpr(p, r, "spacing") == "-5"
    assert seen == set(EXPECTED_FONT)


def test_indents_and_alignment_per_block_kind(reference):
    doc, _, document, res = reference
    for block, p in _kind_paragraphs(doc, document):
        first = int(res.ppr(p, "ind", "firstLine") or 0)
        left = int(res.ppr(p, "ind", "left") or 0)
        jc = res.ppr(p, "jc", "val")
        if block.kind in ("body", "heading1", "heading2", "heading3", "heading4"):
            assert (first, left) == (2 * 320, 0), block.text[:10]  # two 16 pt characters
            assert jc == "both"
        elif block.kind == "title":
            assert (first, left, jc) == (0, 0, "center")
            assert res.ppr(p, "snapToGrid", "val") == "0"
        elif block.kind == "addressee":
            assert (first, left) == (0, 0)
            assert jc in ("both", "left")
            assert block.text.endswith("：")
        else:
            assert jc == "right"
            assert first == 0


def _is_blank(p):
    return not _text(p)


def test_blank_lines_after_title_and_before_signature(reference):
    doc, _, document, _ = reference
    paragraphs = _paragraphs(document)
    texts = [_text(p) for p in paragraphs]
    title = texts.index(doc.blocks[0].text)
    assert title == 0
    assert _is_blank(paragraphs[1])
    assert texts[2] == "市委党史学习教育领导小组："
    signature = texts.index("市委第二巡回指导组")
    assert _is_blank(paragraphs[signature - 1]) and not _is_blank(paragraphs[signature - 2])
    assert texts[signature + 1] == "2021年6月30日"  # no zero padding
    assert signature + 2 == len(texts)
    assert sum(1 for t in texts if not t) == 2


def _width(text):
    """Condensed 3号 width in twips: full-width one em (320), other characters half an em, and
    the automatic CJK/digit space (3.4 pt, measured in LibreOffice) at each change of script."""
    full = [unicodedata.east_asian_width(ch) in ("W", "F") for ch in text]
    changes = sum(1 for a, b in zip(full, full[1:], strict=False) if a != b)
    return sum((320 if f else 160) - 5 for f in full) + changes * 68


@pytest.mark.parametrize(
    ("signature", "date"),
    [("市委第二巡回指导组", "2021年6月30日"), ("指导组", "2021年12月31日")],
)
def test_signature_and_date_placed_per_7_3_5(signature, date):
    doc = ReportDocument(
        title="关于某县的评估报告",
        blocks=[
            Block("body", [Run("正文。")]),
            Block("signature", [Run(signature)]),
            Block("date", [Run(date)]),
        ],
    )
    document = Document(io.BytesIO(render_docx(doc)))
    res = Resolver(document)
    paragraphs = {_text(p): p for p in _paragraphs(document)}
    sig, dat = paragraphs[signature], paragraphs[date]
    assert res.ppr(sig, "jc", "val") == res.ppr(dat, "jc", "val") == "right"
    sig_right = int(res.ppr(sig, "ind", "right"))
    date_right = int(res.ppr(dat, "ind", "right"))
    # start of each line, measured from the right edge of the text block
    sig_start = sig_right + _width(signature)
    date_start = date_right + _width(date)
    assert sig_start - date_start == 2 * 315  # date starts two characters right of the signature
    assert min(sig_right, date_right) == 2 * 320  # 右空二字 for the one closer to the edge
    if _width(date) > _width(signature) - 2 * 315:
        assert date_right == 640  # long date: set 右空二字, signature moves left
    else:
        assert sig_right == 640


def test_odd_and_even_page_number_footers(reference):
    _, data, document, _ = reference
    assert document.settings.odd_and_even_pages_header_footer is True
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        settings = etree.fromstring(z.read("word/settings.xml"))
    assert settings.find(f"{W}evenAndOddHeaders") is not None
    section = document.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        assert not footer.is_linked_to_previous
        (paragraph,) = footer.paragraphs
        p = paragraph._p
        res = Resolver(document)
        assert res.ppr(p, "jc", "val") == side
        assert int(res.ppr(p, "ind", side)) == 280  # one 4号 character in from the edge
        assert int(res.ppr(p, "ind", "firstLine") or 0) == 0  # no body indent
        instr = "".join(t.text for t in p.iter(f"{W}instrText"))
        assert instr.strip() == "PAGE"
        fld = [f.get(qn("w:fldCharType")) for f in p.iter(f"{W}fldChar")]
        assert fld == ["begin", "separate", "end"]
        assert _text(p) == "— 1 —"  # em dashes, half-width digits
        for r in p.findall(f"{W}r"):
            assert res.rpr(p, r, "sz") == "28"
            assert res.rpr(p, r, "rFonts", "eastAsia") == "宋体"
            assert res.rpr(p, r, "rFonts", "ascii") == "宋体"


def test_language_and_defaults(reference):
    _, _, document, res = reference
    lang = res.rpr_default.find(f"{W}lang")
    assert lang.get(qn("w:eastAsia")) == "zh-CN"
    fonts = res.rpr_default.find(f"{W}rFonts")
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert res.rpr_default.find(f"{W}sz").get(qn("w:val")) == "32"


def test_no_trace_of_the_python_docx_template_styles(reference):
    _, data, _, _ = reference
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        styles_xml = z.read("word/styles.xml").decode()
        styles = etree.fromstring(z.read("word/styles.xml"))
    assert "word/stylesWithEffects.xml" not in names
    assert not any("thumbnail" in name for name in names)
    assert "Theme" not in styles_xml  # asciiTheme, eastAsiaTheme, …: no theme fonts
    assert styles.find(f".//{W}color") is None  # no blue headings
    for spacing in styles.iter(f"{W}spacing"):
        assert spacing.get(qn("w:after")) in (None, "0")
        assert spacing.get(qn("w:before")) in (None, "0")
    ids = {s.get(qn("w:styleId")) for s in styles.findall(f"{W}style")}
    assert not ids & {"Heading1", "Title", "Subtitle", "ListParagraph", "TableGrid"}
    # every paragraph style in use is defined with its font and size explicitly
    for style in styles.findall(f"{W}style"):
        if style.get(qn("w:type")) == "paragraph":
            assert style.find(f"{W}rPr/{W}sz") is not None, style.get(qn("w:styleId"))


def test_headings_carry_outline_levels_and_keep_with_next(reference):
    doc, _, document, res = reference
    for block, p in _kind_paragraphs(doc, document):
        if block.kind.startswith("heading"):
            assert res.ppr(p, "outlineLvl", "val") == str(int(block.kind[-1]) - 1)
        elif block.kind == "body":
            assert res.ppr(p, "outlineLvl", "val") is None


def test_text_and_figures_survive(reference):
    doc, _, document, _ = reference
    texts = [_text(p) for p in _paragraphs(document) if _text(p)]
    assert texts == [b.text if b.kind != "date" else "2021年6月30日" for b in doc.blocks]


def test_long_document_is_one_section_of_body_paragraphs():
    doc = long_body_document(30)
    document = Document(io.BytesIO(render_docx(doc)))
    assert len(document.sections) == 1
    assert len([p for p in document.paragraphs if p.text]) == 31
    styles = {p.style.name for p in document.paragraphs if p.text}
    assert styles == {"公文标题", "公文正文"}


def test_font_table_names_every_face_used_with_a_chinese_charset(reference):
    _, data, _, _ = reference
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        table = etree.fromstring(z.read("word/fontTable.xml"))
        used = set(re.findall(rb'w:(?:ascii|eastAsia)="([^"]+)"', z.read("word/document.xml")))
        used |= set(re.findall(rb'w:(?:ascii|eastAsia)="([^"]+)"', z.read("word/footer1.xml")))
    fonts = {f.get(qn("w:name")): f for f in table.findall(f"{W}font")}
    assert {u.decode() for u in used} <= set(fonts)
    for name, font in fonts.items():
        charset = font.find(f"{W}charset").get(qn("w:val"))
        assert charset == ("00" if name == "Times New Roman" else "86"), name
    # Windows ships 仿宋 and 楷体, not the _GB2312 faces: Word falls back to them
    assert fonts["仿宋_GB2312"].find(f"{W}altName").get(qn("w:val")) == "仿宋"
    assert fonts["楷体_GB2312"].find(f"{W}altName").get(qn("w:val")) == "楷体"
