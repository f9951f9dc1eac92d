"""The 评估打分表 as the report's 附件: read back from the .docx, checked against GB/T 9704 like the
rest of the document, and against the scores it prints."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from docx import Document
from docx.oxml.ns import qn

from tests.figures.ledger_fill import fill
from tests.reports.test_render_docx import EXPECTED_FONT, Resolver
from xunzhi.evaluation.selectors import unit_scores
from xunzhi.reports.services import evaluation_for, render, report_compose

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def filled(county, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    fill(county)
    return county


def _text(el) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def test_the_annex_read_back_from_the_docx(filled):
    evaluation = evaluation_for(campaign=filled.campaign, unit=filled.county)
    composed = report_compose(evaluation=evaluation, annex=True)
    document = Document(io.BytesIO(render(composed.document, "docx")))
    res = Resolver(document)
    body = document.element.body
    paragraphs = [p._p for p in document.paragraphs]
    texts = [_text(p) for p in paragraphs]
    title = "测试县乡镇和部门党史学习教育评估打分表"
    # 附件说明 under the body: one blank line above, body style (indented two characters), then
    # a blank line and the signature
    note = texts.index(f"附件：{title}")
    assert texts[note - 1] == "" and texts[note + 1] == ""
    assert res.ppr(paragraphs[note], "ind", "firstLine") == "640"
    signature = next(b.text for b in composed.document.blocks if b.kind == "signature")
    assert texts[note + 2] == signature
    # the attachment: a new page, 附件 in 3号黑体 flush left, a blank line, the title centred
    label = texts.index("附件")
    assert label > note + 2
    p = paragraphs[label]
    assert p.find(f"{W}pPr/{W}pageBreakBefore") is not None
    run = p.find(f"{W}r")
    assert res.rpr(p, run, "rFonts", "eastAsia") == "黑体" and res.rpr(p, run, "sz") == "32"
    assert (
        int(res.ppr(p, "ind", "firstLine") or 0) == 0 and int(res.ppr(p, "ind", "left") or 0) == 0
    )
    assert texts[label + 1] == "" and texts[label + 2] == title
    t = paragraphs[label + 2]
    assert res.ppr(t, "jc", "val") == "center"
    assert res.rpr(t, t.find(f"{W}r"), "rFonts", "eastAsia") == EXPECTED_FONT["title"]
    assert res.rpr(t, t.find(f"{W}r"), "sz") == "44"
    # every paragraph outside the table keeps the document's exact 28.95 pt lines
    for q in paragraphs:
        assert (
            res.ppr(q, "spacing", "line") == "579" and res.ppr(q, "spacing", "lineRule") == "exact"
        )
    # one table, after the title, as wide as the text block, header repeated, rules on
    tables = body.findall(f"{W}tbl")
    assert len(tables) == 1
    table = tables[0]
    assert list(body).index(table) > list(body).index(t)
    assert table.find(f"{W}tblPr/{W}tblW").get(qn("w:w")) == "8845"
    assert sum(int(c.get(qn("w:w"))) for c in table.findall(f"{W}tblGrid/{W}gridCol")) == 8845
    borders = table.find(f"{W}tblPr/{W}tblBorders")
    assert {b.get(qn("w:val")) for b in borders} == {"single"}
    rows = table.findall(f"{W}tr")
    assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
    cells = [[_text(c) for c in r.findall(f"{W}tc")] for r in rows]
    assert cells[0] == [
        "单位",
        "组织领导（20分）",
        "学习教育（30分）",
        "办实事（30分）",
        "问题整改（20分）",
        "总分",
        "等次",
        "排名",
    ]
    # an area's name and its points on two lines of the header cell
    assert len(rows[0].findall(f"{W}tc")[1].findall(f".//{W}br")) == 1
    for r in table.iter(f"{W}r"):
        fonts = r.find(f"{W}rPr/{W}rFonts")
        assert fonts.get(qn("w:eastAsia")) in ("仿宋_GB2312", "黑体")
        assert fonts.get(qn("w:ascii")) == "Times New Roman"
    # the rows print the scores: townships, then departments, each ranked
    scores = {r.name: r for r in unit_scores(campaign=filled.campaign, unit=filled.county).rows}
    assert cells[1] == ["乡镇（2个）"]
    printed = [row for row in cells[1:] if len(row) == 8]
    assert {row[0] for row in printed} == set(scores)
    for row in printed:
        want = scores[row[0]]
        assert Decimal(row[5]) == want.total and row[6] == want.grade and row[7] == str(want.rank)
        assert sum(Decimal(x) for x in row[1:5]) == want.total
    assert cells[-1][0].startswith("注：满分100分")


def test_the_report_without_annex_is_unchanged(filled):
    evaluation = evaluation_for(campaign=filled.campaign, unit=filled.county)
    plain = report_compose(evaluation=evaluation).document
    assert not plain.annexes and all(b.kind != "annex_note" for b in plain.blocks)
    with_annex = report_compose(evaluation=evaluation, annex=True).document
    assert [b.text for b in with_annex.blocks if b.kind != "annex_note"] == [
        b.text for b in plain.blocks
    ]
    md = render(with_annex, "md").decode()
    assert "附件：测试县乡镇和部门党史学习教育评估打分表" in md and "| 单位 |" in md
    html = render(with_annex, "html").decode()
    assert '<table class="annex-table">' in html and "<th>总分</th>" in html
    assert "<th>组织领导<br>（20分）</th>" in html and "| 组织领导（20分） |" in md


def test_report_command_with_annex(filled, tmp_path):
    out = tmp_path / "r.docx"
    call_command("report", "-o", str(out), "--annex", stdout=io.StringIO())
    document = Document(str(out))
    assert len(document.tables) == 1
    assert any(p.text == "附件" for p in document.paragraphs)


def test_evaluate_command_writes_the_workbook(filled, tmp_path):
    from django.core.management import CommandError
    from openpyxl import load_workbook

    out = io.StringIO()
    path = tmp_path / "评分表.xlsx"
    call_command("evaluate", "--unit", "测试县", "--level", "township", "-o", str(path), stdout=out)
    assert "评估打分表" in out.getvalue() and "（2个单位）" in out.getvalue()
    rows = list(load_workbook(path)["评估打分表"].iter_rows(values_only=True))[2:]
    assert sorted(r[1] for r in rows) == sorted(t.name for t in filled.townships)
    assert sorted(r[0] for r in rows) in ([1, 2], [1, 1])
    with pytest.raises(CommandError, match="层级“镇”无效"):
        call_command("evaluate", "--level", "镇", stdout=io.StringIO())
