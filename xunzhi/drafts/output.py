"""A draft's output: its blocks as a ReportDocument for the same renderers as a generated report
(GB/T 9704 .docx, PDF, HTML), and its check sheet with every override beside the computed value."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from xunzhi.drafts.models import Draft, FigureOverride
from xunzhi.drafts.tokens import document_of, figure_code, tokens_in
from xunzhi.lib.errors import UserError
from xunzhi.lib.sheets import safe_row
from xunzhi.reports.document import ReportDocument

FORMATS = ("docx", "pdf", "html", "xlsx")


def printed_texts(
    draft: Draft, overrides: Iterable[FigureOverride] | None = None
) -> dict[str, str]:
    """Figure key → the text the document prints (the override, else the computed text)."""
    texts = {key: fig["text"] for key, fig in draft.figures.items()}
    for o in draft.overrides.all() if overrides is None else overrides:
        texts[o.key] = o.value
    return texts


def draft_document(draft: Draft) -> ReportDocument:
    blocks = [(b.kind, b.text) for b in draft.blocks.order_by("position")]
    return document_of(
        draft.title,
        blocks,
        printed_texts(draft),
        {"unit": draft.unit.code, "cutoff": draft.cutoff.isoformat(), "draft": str(draft.pk)},
    )


def draft_file(draft: Draft, fmt: str) -> bytes:
    """One file of the draft: the report (.docx/.pdf/.html) or the check sheet (.xlsx)."""
    if fmt == "xlsx":
        return draft_check_sheet(draft)
    if fmt not in FORMATS:
        raise UserError(f"不支持的格式“{fmt}”，可选：{'、'.join(FORMATS)}。")
    from xunzhi.reports.services import render

    return render(draft_document(draft), fmt)


def file_name(draft: Draft, fmt: str) -> str:
    label = "数据核对表" if fmt == "xlsx" else "评估报告"
    return f"{draft.unit.name}{label}（{draft.get_state_display()}第{draft.pk}号）.{fmt}"


CHECK_HEADERS = (
    "代码",
    "名称",
    "定义",
    "计算值",
    "计算所得文字",
    "来源记录数",
    "报告中印出的文字",
    "是否写入报告",
    "人工修订",
    "修订理由",
    "修订人",
    "修订时间",
)


def draft_check_sheet(draft: Draft) -> bytes:
    """The 数据核对表 of a draft: every figure of its snapshot, the text the edited report prints,
    and each 人工修订 beside the computed value (the document itself never marks them)."""
    overrides = {o.key: o for o in draft.overrides.select_related("created_by")}
    printed = printed_texts(draft, overrides.values())
    used: set[str] = set()
    for text in draft.blocks.values_list("text", flat=True):
        used.update(tokens_in(text))
    wb = Workbook()
    ws = wb.active
    ws.title = "数据项"
    state = draft.get_state_display()
    if draft.approved_at:
        state += f"，{_who(draft.approved_by)}于 {draft.approved_at:%Y-%m-%d %H:%M} 审定"
    ws.append(
        safe_row(
            [
                f"{draft.unit.name} 数据核对表（{state}；统计截至 {draft.cutoff.isoformat()}；"
                f"数据计算于 {draft.figures_at:%Y-%m-%d %H:%M}）"
            ]
        )
    )
    ws.append(list(CHECK_HEADERS))
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for key in sorted(draft.figures, key=lambda k: (figure_code(k), k)):
        fig = draft.figures[key]
        o = overrides.get(key)
        ws.append(
            safe_row(
                [
                    key,
                    fig.get("name", ""),
                    fig.get("definition", ""),
                    fig.get("value", ""),
                    fig["text"],
                    fig.get("sources", 0),
                    printed[key],
                    "是" if key in used else "否（所在句子已删去）",
                    o.value if o else "",
                    o.reason if o else "",
                    _who(o.created_by) if o else "",
                    f"{o.created_at:%Y-%m-%d %H:%M}" if o else "",
                ]
            )
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _who(user: Any) -> str:
    if user is None:
        return ""
    profile = getattr(user, "xz_profile", None)
    return getattr(profile, "display_name", "") or user.get_username()
