"""Draft services, one per user action. Every write is in the audit log (django-auditlog signals,
or :func:`~xunzhi.audit.services.audit_log_update` for compare-and-set updates) and in the
draft's own history (:class:`~xunzhi.drafts.models.DraftEvent`).

Edits carry the version the user saw: a block's text is written with one
``UPDATE … WHERE version = seen`` (compare-and-set), so of two people saving the same paragraph
from the same version exactly one succeeds and the other gets :class:`ConflictError`.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from xunzhi.audit.services import audit_log_update
from xunzhi.drafts.models import (
    EDITABLE,
    Action,
    Draft,
    DraftBlock,
    DraftComment,
    DraftEvent,
    FigureOverride,
    State,
)
from xunzhi.drafts.tokens import (
    BRACKETS,
    CONTROL,
    TOKEN,
    renumber,
    section_of,
    snapshot,
    tokens_in,
)
from xunzhi.lib.errors import UserError

MAX_TEXT = 5000
MAX_REASON = 200
MAX_VALUE = 50
MAX_COMMENT = 1000
#: Blocks that keep the document's frame: never deleted, moved or followed by an insertion.
FRAME = ("title", "signature", "date")


#: the person acting (a user; ``None`` from the command line)
Actor = Any


class ConflictError(UserError):
    """Someone else changed the record since the user read it (HTTP 409)."""


def _clean(text: str, limit: int, what: str, *, required: bool = True) -> str:
    text = CONTROL.sub("", str(text or "")).strip(" \u3000")
    if required and not text:
        raise UserError(f"{what}不能为空。")
    if len(text) > limit:
        raise UserError(f"{what}太长：{len(text)} 个字，最多 {limit} 个字。")
    return text


def _event(
    draft: Draft,
    user: Actor,
    action: str,
    *,
    block: DraftBlock | None = None,
    before: str = "",
    after: str = "",
    note: str = "",
) -> None:
    DraftEvent.objects.create(
        draft=draft,
        actor=user if getattr(user, "pk", None) else None,
        action=action,
        block=block,
        before=before,
        after=after,
        note=note,
    )


def _editable(draft_id: int) -> Draft:
    # with its unit: the audit log names a block's draft by its unit (``str(draft)``)
    draft = Draft.objects.select_related("unit").get(pk=draft_id)
    if draft.state not in EDITABLE:
        raise ConflictError(
            f"该报告处于“{draft.get_state_display()}”状态，不能修改"
            + ("；如需修改请先解锁为新草稿。" if draft.state == State.FINAL else "。")
        )
    return draft


def _renumber(draft: Draft) -> int:
    """Headings and 一是、二是… follow the blocks' order (after an insertion, deletion or move);
    the number of blocks renumbered."""
    blocks = list(draft.blocks.order_by("position"))
    changed = 0
    for block, text in zip(blocks, renumber([(b.kind, b.text) for b in blocks]), strict=True):
        if text != block.text:
            DraftBlock.objects.filter(pk=block.pk).update(text=text, version=F("version") + 1)
            changed += 1
    return changed


def _reposition(draft: Draft, order: list[int]) -> None:
    for position, pk in enumerate(order):
        DraftBlock.objects.filter(pk=pk).exclude(position=position).update(position=position)


# --- create ------------------------------------------------------------------------------------


@transaction.atomic
def draft_create(*, evaluation: Any = None, version: Any = None, user: Actor = None) -> Draft:
    """A new draft of the report of ``evaluation`` (or of report ``version``, with its cut-off):
    the composed document's blocks, figures as tokens, and the figure snapshot."""
    from xunzhi.reports.services import report_compose

    if version is not None:
        evaluation = version.evaluation
        evaluation.until = version.until  # the version's cut-off; not saved
    if evaluation is None:
        raise UserError("请指定评估报告。")
    composed = report_compose(evaluation=evaluation)
    snap = snapshot(composed.document, composed.figures)
    draft = Draft.objects.create(
        evaluation=evaluation,
        unit=evaluation.unit,
        source_version=version,
        title=composed.document.title,
        until=evaluation.until,
        cutoff=composed.figures.cutoff,
        figures=snap.figures,
        figures_at=timezone.now(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    DraftBlock.objects.bulk_create(
        DraftBlock(draft=draft, position=i, kind=kind, text=text, generated=text)
        for i, (kind, text) in enumerate(snap.blocks)
    )
    _event(draft, user, Action.CREATE, note=f"共 {len(snap.blocks)} 段，数据截至 {draft.cutoff}")
    return draft


# --- text ---------------------------------------------------------------------------------------


def _checked_text(old: str, new: str, *, allow_figures: bool = True) -> tuple[str, list[str]]:
    """The cleaned new text, and the figure keys it drops; refuse a figure typed or altered."""
    new = _clean(new, MAX_TEXT, "段落文字", required=False)
    before, after = tokens_in(old), tokens_in(new)
    added = after - before
    rest = TOKEN.sub("", new)
    if added or any(b in rest for b in BRACKETS):
        raise UserError("数据不能直接输入或改写：请点击数据，填写修订值和修订理由。")
    if not allow_figures and after:
        raise UserError("新插入的段落不能含有数据标记。")
    return new, sorted((before - after).elements())


@transaction.atomic
def block_update(
    *, block_id: int, text: str, version: int, user: Actor = None, draft_id: int | None = None
) -> DraftBlock:
    """Save one block's text if nobody changed it since ``version`` (``draft_id``: the block
    must belong to that draft)."""
    block = DraftBlock.objects.filter(pk=block_id).order_by("pk").first()
    if block is None or (draft_id is not None and block.draft_id != draft_id):
        raise UserError("该段落已被删除，请刷新页面。")
    draft = block.draft = _editable(block.draft_id)
    new, dropped = _checked_text(block.text, text)
    if block.version != version or not DraftBlock.objects.filter(
        pk=block.pk, version=version
    ).update(text=new, version=F("version") + 1):
        raise ConflictError(
            f"保存失败：该段落已被其他用户修改（您看到的是第 {version} 版，当前是第 "
            f"{DraftBlock.objects.get(pk=block.pk).version} 版）。您的修改未保存，"
            "请复制您的文字，刷新页面后重新修改。"
        )
    after = copy.copy(block)
    after.text, after.version = new, version + 1
    audit_log_update(before=block, after=after)
    _event(draft, user, Action.EDIT, block=after, before=block.text, after=new)
    for key in dropped:
        _event(draft, user, Action.FIGURE_REMOVED, block=after, note=key)
    return after


@transaction.atomic
def figure_override(
    *, draft_id: int, key: str, value: str, reason: str, seen: str, user: Actor = None
) -> FigureOverride | None:
    """Print ``value`` for figure ``key`` instead of the computed one, with the reason.

    ``seen`` is the text the user saw (computed or an earlier override): a stale one is refused.
    An empty ``value`` withdraws the override.
    """
    draft = _editable(draft_id)
    if key not in draft.figures:
        raise UserError(f"该报告没有数据项“{key}”。")
    computed = draft.figures[key]["text"]
    current = draft.overrides.filter(key=key).first()
    shown = current.value if current else computed
    if seen != shown:
        raise ConflictError(
            f"保存失败：数据“{key}”已被其他用户修订为“{shown}”。请刷新页面后重新修订。"
        )
    value = _clean(value, MAX_VALUE, "修订值", required=False)
    if not value or value == computed:
        if current:
            current.delete()
            _event(
                draft, user, Action.OVERRIDE, before=shown, after=computed, note=f"{key} 撤销修订"
            )
        return None
    if any(b in value for b in BRACKETS):
        raise UserError("修订值不能含有“⟦”“⟧”。")
    reason = _clean(reason, MAX_REASON, "修订理由")
    override = current or FigureOverride(draft=draft, key=key, computed=computed)
    override.value, override.reason = value, reason
    override.created_by = user if getattr(user, "pk", None) else None
    override.save()
    _event(draft, user, Action.OVERRIDE, before=shown, after=value, note=f"{key}：{reason}")
    return override


# --- structure ----------------------------------------------------------------------------------


@transaction.atomic
def block_insert(*, after_id: int, text: str, user: Actor = None) -> DraftBlock:
    """A new paragraph of free text after block ``after_id``."""
    anchor = DraftBlock.objects.filter(pk=after_id).first()
    if anchor is None:
        raise UserError("该段落已被删除，请刷新页面。")
    draft = _editable(anchor.draft_id)
    if anchor.kind in ("signature", "date"):
        raise UserError("不能在署名和成文日期之后插入段落。")
    new, _ = _checked_text("", text, allow_figures=False)
    if not new:
        raise UserError("新段落的文字不能为空。")
    order = list(draft.blocks.order_by("position").values_list("pk", flat=True))
    top = draft.blocks.aggregate(m=Max("position"))["m"] or 0
    block = DraftBlock.objects.create(draft=draft, position=top + 1, kind="body", text=new)
    order.insert(order.index(anchor.pk) + 1, block.pk)
    _reposition(draft, order)
    _event(
        draft,
        user,
        Action.INSERT,
        block=block,
        after=new,
        note=f"插入在第 {anchor.position + 1} 段之后",
    )
    _renumber(draft)
    block.refresh_from_db()
    return block


@transaction.atomic
def block_delete(*, block_id: int, version: int, user: Actor = None) -> None:
    """Delete one block (not the title, signature or date) if it is still at ``version``."""
    block = DraftBlock.objects.filter(pk=block_id).first()
    if block is None:
        return
    draft = _editable(block.draft_id)
    if block.kind in FRAME:
        raise UserError("标题、署名和成文日期不能删除。")
    if not DraftBlock.objects.filter(pk=block.pk, version=version).exists():
        raise ConflictError("删除失败：该段落已被其他用户修改，请刷新页面查看后再决定。")
    figures = sorted(tokens_in(block.text))
    _event(
        draft,
        user,
        Action.DELETE,
        before=block.text,
        note=f"第 {block.position + 1} 段" + (f"，含数据 {'、'.join(figures)}" if figures else ""),
    )
    if block.generated and block.generated not in draft.removed:
        Draft.objects.filter(pk=draft.pk).update(removed=[*draft.removed, block.generated])
    block.delete()
    _reposition(draft, list(draft.blocks.order_by("position").values_list("pk", flat=True)))
    _renumber(draft)


@transaction.atomic
def block_move(*, block_id: int, direction: str, user: Actor = None) -> DraftBlock:
    """Move a paragraph one place up or down within its section."""
    block = DraftBlock.objects.filter(pk=block_id).first()
    if block is None:
        raise UserError("该段落已被删除，请刷新页面。")
    draft = _editable(block.draft_id)
    if direction not in ("up", "down"):
        raise UserError("移动方向只能是上移或下移。")
    blocks = list(draft.blocks.order_by("position"))
    sections = section_of([b.kind for b in blocks])
    i = next(n for n, b in enumerate(blocks) if b.pk == block.pk)
    j = i - 1 if direction == "up" else i + 1
    if (
        block.kind != "body"
        or not 0 <= j < len(blocks)
        or blocks[j].kind != "body"
        or sections[j] != sections[i]
    ):
        raise UserError("段落只能在本部分内移动（不能越过标题、主送机关、署名和日期）。")
    blocks[i], blocks[j] = blocks[j], blocks[i]
    _reposition(draft, [b.pk for b in blocks])
    _event(draft, user, Action.MOVE, block=block, note=f"第 {i + 1} 段移到第 {j + 1} 段")
    _renumber(draft)
    block.refresh_from_db()
    return block


# --- review -------------------------------------------------------------------------------------


def _transition(draft: Draft, *, version: int, states: tuple[str, ...], **fields: Any) -> None:
    """Change the draft's state if it is still at ``version`` and in one of ``states``."""
    if draft.state not in states or draft.version != version:
        raise ConflictError(
            f"操作失败：该报告已被其他用户处理（当前状态：{draft.get_state_display()}），请刷新页面。"
        )
    before = copy.copy(draft)
    if not Draft.objects.filter(pk=draft.pk, version=version, state__in=states).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields
    ):
        raise ConflictError("操作失败：该报告已被其他用户处理，请刷新页面。")
    draft.refresh_from_db()
    audit_log_update(before=before, after=draft)


@transaction.atomic
def draft_submit(*, draft_id: int, version: int, user: Actor = None) -> Draft:
    """提交审核: the draft goes to the reviewer; nobody edits it meanwhile."""
    draft = Draft.objects.get(pk=draft_id)
    _transition(
        draft,
        version=version,
        states=EDITABLE,
        state=State.REVIEW,
        submitted_by=user if getattr(user, "pk", None) else None,
        submitted_at=timezone.now(),
    )
    _event(draft, user, Action.SUBMIT)
    return draft


@transaction.atomic
def draft_review(
    *,
    draft_id: int,
    action: str,
    user: Actor = None,
    text: str = "",
    block_id: int | None = None,
    version: int | None = None,
) -> Draft:
    """The reviewer's actions: ``comment`` (on a paragraph or the whole draft), ``return`` (with
    a reason) or ``approve`` (定稿: locked, with who approved it and when). The person who
    submitted a draft cannot approve it."""
    draft = Draft.objects.get(pk=draft_id)
    if action == "comment":
        if draft.state == State.FINAL:
            raise UserError("定稿不能再提意见；如需修改请先解锁为新草稿。")
        block = draft.blocks.filter(pk=block_id).first() if block_id else None
        text = _clean(text, MAX_COMMENT, "审核意见")
        DraftComment.objects.create(
            draft=draft, block=block, author=user if getattr(user, "pk", None) else None, text=text
        )
        _event(draft, user, Action.COMMENT, block=block, after=text)
        return draft
    if version is None:
        raise UserError("缺少报告的版本号，请刷新页面后重试。")
    if action == "return":
        text = _clean(text, MAX_COMMENT, "退回理由")
        _transition(
            draft, version=version, states=(State.REVIEW,), state=State.RETURNED, return_reason=text
        )
        _event(draft, user, Action.RETURN, after=text)
        return draft
    if action == "approve":
        if draft.submitted_by_id and getattr(user, "pk", None) == draft.submitted_by_id:
            raise UserError("提交审核的人不能审定自己提交的报告，请由另一位有审定权限的同志审定。")
        _transition(
            draft,
            version=version,
            states=(State.REVIEW,),
            state=State.FINAL,
            approved_by=user if getattr(user, "pk", None) else None,
            approved_at=timezone.now(),
        )
        _event(draft, user, Action.APPROVE)
        return draft
    raise UserError("审核操作只能是提意见、退回或审定。")


@transaction.atomic
def draft_unlock(*, draft_id: int, user: Actor = None) -> Draft:
    """A new draft with the text and overrides of a 定稿; the 定稿 stays as it was."""
    final = Draft.objects.get(pk=draft_id)
    if final.state != State.FINAL:
        raise UserError("只有定稿需要解锁；草稿可以直接修改。")
    draft = Draft.objects.create(
        evaluation=final.evaluation,
        unit=final.unit,
        source_version=final.source_version,
        parent=final,
        title=final.title,
        until=final.until,
        cutoff=final.cutoff,
        figures=final.figures,
        figures_at=final.figures_at,
        removed=final.removed,
        created_by=user if getattr(user, "pk", None) else None,
    )
    DraftBlock.objects.bulk_create(
        DraftBlock(
            draft=draft, position=b.position, kind=b.kind, text=b.text, generated=b.generated
        )
        for b in final.blocks.order_by("position")
    )
    for o in final.overrides.all():
        FigureOverride.objects.create(
            draft=draft,
            key=o.key,
            computed=o.computed,
            value=o.value,
            reason=o.reason,
            created_by=o.created_by,
        )
    _event(draft, user, Action.UNLOCK, note=f"由定稿（第 {final.pk} 号）解锁")
    _event(final, user, Action.UNLOCK, note=f"解锁为新草稿（第 {draft.pk} 号），本定稿不变")
    return draft
