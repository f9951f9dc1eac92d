"""Compare two versions of a report: drafts and 定稿 (their edited text), or generated versions
(the .docx they wrote, read back). Blocks are aligned with difflib, changed blocks compared
character by character; the result is a page and a .docx with Word's own revision marks
(``w:ins``/``w:del``), so the changes show in Word's review pane."""

from __future__ import annotations

import difflib
import io
import re
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from xunzhi.drafts.models import Draft
from xunzhi.drafts.output import printed_texts
from xunzhi.drafts.tokens import plain
from xunzhi.lib.errors import UserError

Segment = tuple[str, str]  # ('same' | 'del' | 'ins', text)


@dataclass
class Side:
    label: str
    blocks: list[tuple[str, str]]  # (kind, printed text)
    figures: dict[str, str] = field(default_factory=dict)  # key → printed text


@dataclass
class Row:
    op: str  # equal | replace | insert | delete
    kind: str
    a: list[Segment]
    b: list[Segment]


@dataclass
class Comparison:
    a: Side
    b: Side
    rows: list[Row]
    figures: list[tuple[str, str, str]]  # key, text in A, text in B

    @property
    def changes(self) -> int:
        return sum(1 for r in self.rows if r.op != "equal")


def draft_side(draft: Draft) -> Side:
    printed = printed_texts(draft)
    blocks = [(b.kind, plain(b.text, printed)) for b in draft.blocks.order_by("position")]
    label = f"{draft.get_state_display()}第{draft.pk}号（{draft.unit.name}，截至{draft.cutoff}）"
    return Side(label=label, blocks=blocks, figures=printed)


def version_side(version: Any) -> Side:
    """A generated version as its .docx printed it (kinds from the renderer's style names)."""
    from pathlib import Path

    import docx

    from xunzhi.reports.render.docx import STYLE

    kinds = {style_id: kind for kind, (style_id, _) in STYLE.items()}
    label = f"生成版本第{version.pk}号（{version.evaluation.unit.name}，{version.created_at:%Y-%m-%d %H:%M}）"
    path = Path(version.docx_path) if version.docx_path else None
    if path is None or not path.is_file():
        raise UserError(f"生成版本第 {version.pk} 号没有留下 Word 文件，无法比较。")
    blocks = []
    for p in docx.Document(str(path)).paragraphs:
        if p.text.strip():
            blocks.append((kinds.get(p.style.style_id if p.style else "", "body"), p.text))
    return Side(label=label, blocks=blocks)


def _chars(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(("same", a[i1:i2]))
            right.append(("same", b[j1:j2]))
            continue
        if i2 > i1:
            left.append(("del", a[i1:i2]))
        if j2 > j1:
            right.append(("ins", b[j1:j2]))
    return left, right


def versions_compare(*, a: Side, b: Side) -> Comparison:
    rows: list[Row] = []
    ta = [t for _, t in a.blocks]
    tb = [t for _, t in b.blocks]
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if tag == "equal":
            rows.extend(
                Row("equal", a.blocks[i][0], [("same", ta[i])], [("same", ta[i])])
                for i in range(i1, i2)
            )
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for k in range(pairs):
            left, right = _chars(ta[i1 + k], tb[j1 + k])
            rows.append(Row("replace", b.blocks[j1 + k][0], left, right))
        rows.extend(
            Row("delete", a.blocks[i][0], [("del", ta[i])], []) for i in range(i1 + pairs, i2)
        )
        rows.extend(
            Row("insert", b.blocks[j][0], [], [("ins", tb[j])]) for j in range(j1 + pairs, j2)
        )
    figures = [
        (key, a.figures.get(key, "（无）"), b.figures.get(key, "（无）"))
        for key in sorted(set(a.figures) | set(b.figures))
        if a.figures.get(key) != b.figures.get(key)
    ]
    return Comparison(a=a, b=b, rows=rows, figures=figures)


def collapsed(rows: list[Row], *, context: int = 0) -> list[Row]:
    """The changed rows, each run of unchanged blocks folded into one ``skip`` row."""
    out: list[Row] = []
    run: list[Row] = []
    for row in [*rows, None]:
        if row is not None and row.op == "equal":
            run.append(row)
            continue
        if run:
            note = f"（{len(run)} 段相同，已折叠）"
            out.append(Row("skip", "", [("same", note)], [("same", note)]))
            run = []
        if row is not None:
            out.append(row)
    return out


_REF = re.compile(r"^\s*([DdVv]?)\s*(\d{1,9})\s*$")


def parse_ref(text: str) -> tuple[str, int]:
    """``12`` or ``D12`` → a draft; ``V5`` → a generated version."""
    match = _REF.match(str(text or ""))
    if not match:
        raise UserError(
            f"版本“{text}”写法有误：草稿或定稿写编号（如 12 或 D12），生成版本写 V 加编号（如 V5）。"
        )
    return ("version" if match[1].lower() == "v" else "draft"), int(match[2])


# --- the .docx with revision marks -------------------------------------------------------------

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _run(text: str, mark: str, n: int) -> str:
    attrs = f'w:id="{n}" w:author="巡指" w:date="2000-01-01T00:00:00Z"'
    t = escape(text)
    if mark == "del":
        return f'<w:del {_W} {attrs}><w:r><w:delText xml:space="preserve">{t}</w:delText></w:r></w:del>'
    if mark == "ins":
        return f'<w:ins {_W} {attrs}><w:r><w:t xml:space="preserve">{t}</w:t></w:r></w:ins>'
    return f'<w:r {_W}><w:t xml:space="preserve">{t}</w:t></w:r>'


def comparison_docx(cmp: Comparison) -> bytes:
    """B's text with A's differences as tracked changes: deletions and insertions a reader can
    accept or reject in Word/WPS."""
    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_paragraph(f"版本比较：{cmp.a.label} → {cmp.b.label}（共 {cmp.changes} 处不同）")
    n = 1
    for row in cmp.rows:
        p = document.add_paragraph()
        segments = _merged(row.a, row.b) if row.op == "replace" else (row.b or row.a)
        for mark, text in segments:
            p._p.append(parse_xml(_run(text, mark, n)))
            n += 1
    if cmp.figures:
        document.add_paragraph("数据变化：" + "；".join(f"{k} {a}→{b}" for k, a, b in cmp.figures))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _merged(left: list[Segment], right: list[Segment]) -> list[Segment]:
    """One line from the two sides of a changed block: same text once, deletions before the
    insertions that replace them."""
    out: list[Segment] = []
    li = ri = 0
    while li < len(left) or ri < len(right):
        if li < len(left) and left[li][0] == "del":
            out.append(left[li])
            li += 1
        elif ri < len(right) and right[ri][0] == "ins":
            out.append(right[ri])
            ri += 1
        else:
            out.append(left[li] if li < len(left) else right[ri])
            li, ri = li + 1, ri + 1
    return out
