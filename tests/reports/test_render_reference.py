"""Realistic content for the renderer tests: the reference report split into blocks.

``reference_document()`` reads ``/work/shared/reference/000_*.txt`` (falling back to a short
excerpt when the shared folder is absent), turns every ``x`` into a figure run with a code and a
made-up value, and adds the parts a filed report has around the text (title, 主送机关, signature,
date). The tests here check that helper and the shared layout (blank lines, date form).
"""

from __future__ import annotations

import re
from pathlib import Path

from xunzhi.reports.document import Block, ReportDocument, Run
from xunzhi.reports.render.layout import Blank, layout

REFERENCE_DIR = Path("/work/shared/reference")
_FALLBACK = """根据市委关于党史学习教育部署安排，市委第x巡回指导组于3月17日入驻x县开展巡回指导工作。现将评估情况报告如下：
一、取得的成效
县委常委班子累计开展x个专题学习研讨，引导全县党员干部开展专题学习研讨x多场次、主题党日活动x场次。
二、主要的做法
集中梳理x件为群众办实事实践项目，目前全部完成。
三、存在的问题
一是一些基层单位学习研讨效果不够明显。
四、工作建议
一是持续强化理论武装。"""
_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^（[一二三四五六七八九十]+）")


def reference_text() -> str:
    files = sorted(REFERENCE_DIR.glob("000_*.txt")) if REFERENCE_DIR.is_dir() else []
    return files[0].read_text(encoding="utf-8") if files else _FALLBACK


def _runs(text: str, counter: list[int]) -> list[Run]:
    runs: list[Run] = []
    for i, piece in enumerate(text.split("x")):
        if i:
            counter[0] += 1
            code = f"F{counter[0]:02d}"
            runs.append(Run(str(3 + counter[0] * 7), figure=code))
        if piece:
            runs.append(Run(piece))
    return runs


def reference_document(*, extra_levels: bool = True) -> ReportDocument:
    """The reference report as a ReportDocument with figure runs F01, F02, …"""
    counter = [0]
    blocks = [
        Block(
            "title",
            [Run("关于"), Run("青山", figure="F00"), Run("县党史学习教育开展情况的评估报告")],
        ),
        Block("addressee", [Run("市委党史学习教育领导小组：")]),
    ]
    for line in reference_text().splitlines():
        line = line.strip()
        if not line:
            continue
        if _HEADING1.match(line) and len(line) <= 20:
            kind = "heading1"
        elif _HEADING2.match(line) and len(line) <= 30:
            kind = "heading2"
        else:
            kind = "body"
        blocks.append(Block(kind, _runs(line, counter)))
    if extra_levels:
        # The reference has no lower levels; a report may (GB/T 9704 §7.3.3).
        at = next(i for i, b in enumerate(blocks) if b.kind == "heading1") + 1
        blocks[at:at] = [
            Block("heading2", [Run("（一）理论学习")]),
            Block("heading3", [Run("1．专题研讨")]),
            Block("heading4", [Run("（1）县委常委会")]),
        ]
    blocks += [
        Block("signature", [Run("市委第二巡回指导组")]),
        Block("date", [Run("2021年06月30日")]),
    ]
    return ReportDocument(title="关于青山县党史学习教育开展情况的评估报告", blocks=blocks)


_FILLER = (
    "坚持把学习贯彻习近平新时代中国特色社会主义思想作为首要政治任务引导广大党员干部学史明理学史增信"
    "学史崇德学史力行推动理论学习往深里走往心里走往实里走实现理论学习有新收获新体会新成效"
)


def long_body_document(paragraphs: int = 40) -> ReportDocument:
    """Many body paragraphs of CJK characters without punctuation inside (full pages of text)."""
    blocks = [Block("title", [Run("关于党史学习教育的评估报告")])]
    for i in range(paragraphs):
        length = 90 + (i * 37) % 120
        text = (_FILLER * 4)[i % 50 : i % 50 + length] + "。"
        blocks.append(Block("body", [Run(text)]))
    return ReportDocument(title="关于党史学习教育的评估报告", blocks=blocks)


def test_reference_document_has_every_part():
    doc = reference_document()
    kinds = [b.kind for b in doc.blocks]
    assert kinds[0] == "title" and kinds[1] == "addressee"
    assert kinds[-2:] == ["signature", "date"]
    assert [b.text for b in doc.blocks if b.kind == "heading1"][:1] == ["一、取得的成效"]
    assert {"heading2", "heading3", "heading4", "body"} <= set(kinds)
    # every x became a figure run; no x left in the text
    assert "x" not in doc.text
    figures = [r for b in doc.blocks for r in b.runs if r.figure]
    assert len(figures) == reference_text().count("x") + 1


def test_layout_puts_blank_lines_where_gbt9704_wants_them():
    items = list(layout(reference_document()))
    kinds = ["blank" if isinstance(i, Blank) else i.kind for i in items]
    assert kinds[:3] == ["title", "blank", "addressee"]
    assert kinds[-4:] == ["body", "blank", "signature", "date"]
    assert kinds.count("blank") == 2


def test_layout_uses_doc_title_when_no_title_block_and_unpads_the_date():
    doc = ReportDocument(
        title="关于某县的评估报告",
        blocks=[
            Block("body", [Run("正文\n第一段。 ")]),
            Block("date", [Run(" 2021年06月05日")]),
            Block("body", [Run("")]),
        ],
    )
    items = list(layout(doc))
    kinds = ["blank" if isinstance(i, Blank) else i.kind for i in items]
    assert kinds == ["title", "blank", "body", "blank", "date"]
    assert items[0].text == "关于某县的评估报告"
    assert items[2].text == "正文第一段。"
    assert items[-1].text == "2021年6月5日"
