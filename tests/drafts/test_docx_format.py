"""An edited draft's .docx passes the same GB/T 9704 checks as a generated one: the checks of
tests/reports/test_render_docx.py, run on the Word file of a draft with a rewritten sentence,
an inserted paragraph, a deleted heading and an overridden figure."""

from __future__ import annotations

import io

import pytest
from docx import Document

from tests.reports import test_render_docx as gbt
from xunzhi.drafts.output import draft_document, draft_file
from xunzhi.drafts.services import (
    block_delete,
    block_insert,
    block_update,
    draft_create,
    figure_override,
)
from xunzhi.drafts.tokens import TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(evaluation):
    draft = draft_create(evaluation=evaluation)
    blocks = list(draft.blocks.order_by("position"))
    body = next(b for b in blocks if b.kind == "body" and TOKEN.search(b.text))
    block_update(block_id=body.pk, text="经认真研判，" + body.text, version=body.version)
    block_insert(after_id=body.pk, text="红星村建成党史教育展馆，全县组织参观学习1200人次。")
    heading = [b for b in blocks if b.kind == "heading1"][-1]
    block_delete(block_id=heading.pk, version=heading.version)
    key, fig = next(iter(draft.figures.items()))
    figure_override(
        draft_id=draft.pk, key=key, value="1300多", reason="含未入台账的活动", seen=fig["text"]
    )
    doc = draft_document(draft)
    data = draft_file(draft, "docx")
    document = Document(io.BytesIO(data))
    return doc, data, document, gbt.Resolver(document)


def test_page_grid_lines_indents_footers(edited):
    gbt.test_paper_margins_and_grid(edited)
    gbt.test_every_paragraph_has_exact_lines_and_no_space_around(edited)
    gbt.test_indents_and_alignment_per_block_kind(edited)
    gbt.test_odd_and_even_page_number_footers(edited)
    gbt.test_language_and_defaults(edited)
    gbt.test_no_trace_of_the_python_docx_template_styles(edited)
    gbt.test_headings_carry_outline_levels_and_keep_with_next(edited)
    gbt.test_font_table_names_every_face_used_with_a_chinese_charset(edited)


def test_fonts_per_block_kind(edited):
    doc, _, document, res = edited
    for block, p in gbt._kind_paragraphs(doc, document):
        for r in p.findall(f"{gbt.W}r"):
            if gbt._text(r):
                assert res.rpr(p, r, "rFonts", "eastAsia") == gbt.EXPECTED_FONT[block.kind]
                assert res.rpr(p, r, "sz") == ("44" if block.kind == "title" else "32")


def test_blank_lines_and_edits_read_back(edited):
    doc, _, document, _ = edited
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == doc.blocks[0].text and texts[1] == ""
    signature = next(i for i, b in enumerate(texts) if b == doc.blocks[-2].text)
    assert texts[signature - 1] == "" and texts[signature - 2] != ""
    assert sum(1 for t in texts if not t) == 2
    joined = "\n".join(texts)
    assert "经认真研判，" in joined and "红星村建成党史教育展馆" in joined and "1300多" in joined
    assert "四、工作建议" not in joined  # the last heading deleted, the others renumbered
    assert [t[:2] for t in texts if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、",
        "二、",
        "三、",
    ]
