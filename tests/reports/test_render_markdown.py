"""The Markdown rendering: stable, one block per paragraph, headings by level, figures plain."""

from __future__ import annotations

import difflib
import re
from dataclasses import replace

from tests.reports.test_render_reference import reference_document
from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.render.markdown import render_markdown

PREFIX = {
    "title": "# ",
    "heading1": "## ",
    "heading2": "### ",
    "heading3": "#### ",
    "heading4": "##### ",
}


def test_one_paragraph_per_block_with_heading_levels():
    doc = reference_document()
    text = render_markdown(doc)
    assert text.endswith("\n") and not text.endswith("\n\n")
    paragraphs = text.rstrip("\n").split("\n\n")
    blocks = [b for b in doc.blocks if b.text]
    assert len(paragraphs) == len(blocks)
    for paragraph, block in zip(paragraphs, blocks, strict=True):
        assert "\n" not in paragraph
        prefix = PREFIX.get(block.kind, "")
        assert paragraph.startswith(prefix)
        if not prefix:
            assert not paragraph.startswith("#")
        body = paragraph[len(prefix) :]
        expected = block.text if block.kind != "date" else "2021年6月30日"
        assert body.replace("\\", "") == expected.replace("\\", "")


def test_stable_and_figures_plain():
    doc = reference_document()
    first = render_markdown(doc)
    assert first == render_markdown(reference_document())
    for run in (r for b in doc.blocks for r in b.runs if r.figure):
        assert run.text in first
    assert "F01" not in first and "data-figure" not in first


def test_changing_one_figure_changes_one_line():
    doc = reference_document()
    before = render_markdown(doc).splitlines()
    target = next(i for i, b in enumerate(doc.blocks) if any(r.figure == "F05" for r in b.runs))
    block = doc.blocks[target]
    runs = [Run("999", r.figure) if r.figure == "F05" else r for r in block.runs]
    blocks = list(doc.blocks)
    blocks[target] = replace(block, runs=runs)
    after = render_markdown(replace(doc, blocks=blocks)).splitlines()
    changed = [
        line
        for line in difflib.unified_diff(before, after, lineterm="", n=0)
        if re.match(r"^[+-](?![+-])", line)
    ]
    assert len(changed) == 2  # one line out, one line in


def test_markup_characters_are_escaped():
    doc = ReportDocument(
        title="标题",
        blocks=[
            Block("body", [Run("1. 不是列表 *也不是强调* [链接](x) <b>")]),
            Block("body", [Run("# 不是标题")]),
            Block("body", [Run("- 不是列表")]),
        ],
    )
    lines = render_markdown(doc).rstrip("\n").split("\n\n")
    assert lines[1] == r"1\. 不是列表 \*也不是强调\* \[链接\](x) \<b\>"
    assert lines[2] == r"\# 不是标题"
    assert lines[3] == r"\- 不是列表"
