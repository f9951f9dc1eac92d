"""Reads for the draft pages: the editor's blocks as HTML with locked figure marks, the figures
that changed since the draft was computed, the report page's list of drafts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape
from itertools import groupby
from typing import Any

from xunzhi.drafts.models import Draft, DraftBlock, DraftComment, FigureOverride, State
from xunzhi.drafts.output import printed_texts
from xunzhi.drafts.tokens import TOKEN, section_of
from xunzhi.drafts.webglue import data_stamp, figure_cache
from xunzhi.lib.errors import UserError


def block_html(
    text: str, printed: dict[str, str], overridden: set[str], names: dict[str, str]
) -> str:
    """Block text for the editor: words escaped, each figure a locked, clickable mark."""
    parts: list[str] = []
    pos = 0
    for match in TOKEN.finditer(text):
        parts.append(escape(text[pos : match.start()], quote=False))
        key = match[1]
        cls = "xz-fig xz-fig-override" if key in overridden else "xz-fig"
        parts.append(
            f'<span class="{cls}" contenteditable="false" data-key="{escape(key)}" '
            f'title="{escape(names.get(key, key))}（点击修订）">{escape(printed.get(key, ""), quote=False)}</span>'
        )
        pos = match.end()
    parts.append(escape(text[pos:], quote=False))
    return "".join(parts)


@dataclass
class EditorBlock:
    block: DraftBlock
    html: str
    movable_up: bool = False
    movable_down: bool = False
    comments: list[DraftComment] = field(default_factory=list)


@dataclass
class EditorContent:
    """What the editor shows of a draft, read in four queries."""

    blocks: list[EditorBlock]
    figures: list[dict[str, Any]]
    comments: list[DraftComment]  # newest first (the side panel)


def editor_content(draft: Draft) -> EditorContent:
    overrides = list(draft.overrides.select_related("created_by"))
    blocks = list(draft.blocks.order_by("position"))
    comments = list(draft.comments.select_related("author", "block").order_by("created_at", "pk"))
    return EditorContent(
        blocks=editor_blocks(draft, blocks, overrides, comments),
        figures=figure_rows(draft, blocks, overrides),
        comments=comments[::-1],
    )


def editor_blocks(
    draft: Draft,
    blocks: list[DraftBlock],
    overrides: list[FigureOverride],
    comments: list[DraftComment],
) -> list[EditorBlock]:
    """The blocks (in order) as HTML, each with its comments (oldest first) and whether it may
    move up or down within its section."""
    printed = printed_texts(draft, overrides)
    names = {k: f"{k} {f.get('name', '')}" for k, f in draft.figures.items()}
    overridden = {o.key for o in overrides}
    sections = section_of([b.kind for b in blocks])
    by_block: dict[int, list[DraftComment]] = {}
    for c in comments:
        if c.block_id is not None:
            by_block.setdefault(c.block_id, []).append(c)
    out = []
    for i, b in enumerate(blocks):
        item = EditorBlock(
            b, block_html(b.text, printed, overridden, names), comments=by_block.get(b.pk, [])
        )
        if b.kind == "body":
            item.movable_up = (
                i > 0 and blocks[i - 1].kind == "body" and sections[i - 1] == sections[i]
            )
            item.movable_down = (
                i + 1 < len(blocks)
                and blocks[i + 1].kind == "body"
                and sections[i + 1] == sections[i]
            )
        out.append(item)
    return out


def figure_rows(
    draft: Draft, blocks: list[DraftBlock], overrides: list[FigureOverride]
) -> list[dict[str, Any]]:
    """The draft's figures by key, each with its override and whether any block still prints it."""
    by_key = {o.key: o for o in overrides}
    used: set[str] = set()
    for b in blocks:
        used.update(TOKEN.findall(b.text))
    return [
        {"key": key, "fig": fig, "override": by_key.get(key), "used": key in used}
        for key, fig in sorted(draft.figures.items())
    ]


def draft_figure_changes(draft: Draft) -> list[tuple[str, str, str, str]]:
    """Figures of an open draft whose value differs in the data now (old → new); cached on the
    data stamp, so a page pays the recomputation once per change of the ledgers."""
    if draft.state == State.FINAL:
        return []
    from xunzhi.drafts.refresh import draft_recompose, figure_changes

    key = f"xz:draftfigs:{draft.pk}:{draft.figures_at.timestamp()}:{data_stamp()}"
    cache = figure_cache()
    changes: list[tuple[str, str, str, str]] | None = cache.get(key)
    if changes is None:
        try:
            changes = figure_changes(draft.figures, draft_recompose(draft).figures)
        except UserError:
            changes = []
        cache.set(key, changes, 3600)
    return changes


def drafts_grouped(qs: Iterable[Draft]) -> list[tuple[tuple[str, Any], list[Draft]]]:
    """Drafts by unit and cut-off; within a group the open drafts first, then 定稿, newest first."""
    order: dict[str, int] = {State.REVIEW: 0, State.RETURNED: 1, State.DRAFT: 2, State.FINAL: 3}
    rows = sorted(qs, key=lambda d: (d.unit.path, d.cutoff, order[d.state], -d.pk))
    return [(k, list(g)) for k, g in groupby(rows, key=lambda d: (d.unit.name, d.cutoff))]
