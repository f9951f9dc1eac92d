"""The demo county's real report through every renderer (composer → docx/HTML/Markdown/PDF).

Slow: builds the demo county (~200 000 activities) once for this module.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document

from xunzhi.campaigns.models import Campaign
from xunzhi.organisations.models import Org
from xunzhi.reports.render.docx import render_docx
from xunzhi.reports.render.html import render_html
from xunzhi.reports.render.markdown import render_markdown
from xunzhi.reports.render.pdf import render_pdf
from xunzhi.reports.services import evaluation_for, report_compose

pytestmark = [pytest.mark.slow]
PAGE_NUMBER = re.compile(r"^—(\d+)—$")


@pytest.fixture
def composed(demo_county, db):
    unit = Org.objects.get(code=demo_county.root_code)
    campaign = Campaign.objects.get(code="dangshi-2021")
    return report_compose(evaluation=evaluation_for(campaign=campaign, unit=unit))


def test_docx_holds_every_block_with_its_style(composed):
    doc = composed.document
    document = Document(io.BytesIO(render_docx(doc)))
    written = [(p.style.name, p.text) for p in document.paragraphs if p.text]
    names = {
        "title": "公文标题",
        "addressee": "主送机关",
        "heading1": "一级标题",
        "heading2": "二级标题",
        "heading3": "三级标题",
        "heading4": "四级标题",
        "body": "公文正文",
        "signature": "发文机关署名",
        "date": "成文日期",
    }
    assert [name for name, _ in written] == [names[b.kind] for b in doc.blocks]
    assert [text for _, text in written] == [b.text for b in doc.blocks]


def test_html_links_every_printed_figure(composed):
    doc = composed.document
    links: list[tuple[str, str]] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a":
                links.append((attrs["data-figure"], attrs["href"]))

    Links().feed(render_html(doc, figure_url=lambda code: f"/figures/{code}"))
    runs = [r.figure for b in doc.blocks for r in b.runs if r.figure]
    assert runs, "the demo report prints figures"
    assert links == [(code, f"/figures/{code}") for code in runs]


def test_markdown_has_one_paragraph_per_block(composed):
    doc = composed.document
    paragraphs = render_markdown(doc).rstrip("\n").split("\n\n")
    assert len(paragraphs) == len(doc.blocks)
    assert paragraphs[0] == "# " + doc.blocks[0].text
    assert [p[3:] for p in paragraphs if p.startswith("## ")] == [
        b.text for b in doc.blocks if b.kind == "heading1"
    ]


@pytest.mark.pdf
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_pdf_pages_are_full_and_nothing_is_lost(composed, tmp_path):
    pdf = tmp_path / "demo.pdf"
    pdf.write_bytes(render_pdf(render_docx(composed.document)))
    pages = _pages(pdf)
    assert len(pages) >= 3
    for number, lines in enumerate(pages, start=1):
        assert PAGE_NUMBER.match(lines[-1]) and int(PAGE_NUMBER.match(lines[-1])[1]) == number
        if number == 1:
            assert len(lines) - 1 == 22 - 1  # the blank line under the title is the 22nd
        elif number < len(pages):
            assert len(lines) - 1 == 22, f"page {number}"
    text = "".join(line for lines in pages for line in lines[:-1])
    assert Counter(text) == Counter(re.sub(r"\s", "", composed.document.text))


def _pages(pdf: Path) -> list[list[str]]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in out.split("\f"):
        lines = [re.sub(r"\s", "", line) for line in page.splitlines()]
        lines = [line for line in lines if line]
        if lines:
            pages.append(lines)
    return pages
