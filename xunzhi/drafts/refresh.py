"""更新数据: recompute a draft's figures and merge the new generated text with the user's edits.

The old generated blocks are aligned with the new ones (difflib over the generated texts, in
which figures are tokens, so a block whose only change is its numbers matches itself). Then:

- generated text unchanged → the user's text is kept (its figures print the new values);
- generated text changed, block not edited → the new text is taken;
- generated text changed (or gone) under an edit → a conflict, settled by the user side by
  side: keep the edit (``mine``) or take the new text (``theirs``);
- new generated blocks are added in place; paragraphs the user inserted stay after the block
  they followed.

Nothing is written until every conflict has a decision. A 定稿 is never refreshed.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xunzhi.audit.services import audit_log_update
from xunzhi.drafts.models import EDITABLE, Action, Draft, DraftBlock
from xunzhi.drafts.services import Actor, ConflictError, _event
from xunzhi.drafts.tokens import Snapshot, plain, snapshot

#: ('keep', block, new index) | ('add', None, new index) | ('drop', block, None)
Step = tuple[str, DraftBlock | None, int | None]


@dataclass
class Conflict:
    block: DraftBlock
    new_text: str  # the new generated text ('' when the block is no longer generated)
    old_plain: str = ""
    new_plain: str = ""
    mine_plain: str = ""


@dataclass
class RefreshPlan:
    draft: Draft
    snap: Snapshot
    #: (key, name, old text, new text) of every figure whose printed text changed
    figures: list[tuple[str, str, str, str]]
    #: ('keep', block, new index) | ('add', None, new index) | ('drop', block, None)
    steps: list[Step] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    applied: bool = False

    @property
    def text_changes(self) -> int:
        return sum(
            1
            for op, block, j in self.steps
            if op != "keep"
            or (block and j is not None and block.generated != self.snap.blocks[j][1])
        )


def draft_recompose(draft: Draft) -> Snapshot:
    from xunzhi.reports.services import report_compose

    evaluation = draft.evaluation
    evaluation.until = draft.until  # the draft's cut-off; not saved
    composed = report_compose(evaluation=evaluation)
    return snapshot(composed.document, composed.figures)


def figure_changes(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
) -> list[tuple[str, str, str, str]]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key, {}), new.get(key, {})
        if a.get("text") != b.get("text"):
            name = b.get("name") or a.get("name", "")
            out.append((key, name, a.get("text", "（无）"), b.get("text", "（无）")))
    return out


def _steps(blocks: list[DraftBlock], new: list[tuple[str, str]]) -> list[Step]:
    generated = [b for b in blocks if b.generated]
    followers: dict[int | None, list[DraftBlock]] = {}
    anchor: int | None = None
    for b in blocks:
        if b.generated:
            anchor = b.pk
        else:
            followers.setdefault(anchor, []).append(b)
    steps: list[Step] = [("keep", b, None) for b in followers.get(None, [])]

    def old(b: DraftBlock, op: str, j: int | None) -> None:
        steps.append((op, b, j))
        steps.extend(("keep", f, None) for f in followers.get(b.pk, []))

    matcher = difflib.SequenceMatcher(
        None, [b.generated for b in generated], [t for _, t in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        pairs = min(i2 - i1, j2 - j1) if tag in ("equal", "replace") else 0
        for k in range(pairs):
            old(generated[i1 + k], "keep", j1 + k)
        for k in range(i1 + pairs, i2):
            old(generated[k], "drop", None)
        steps.extend(("add", None, k) for k in range(j1 + pairs, j2))
    return steps


def refresh_plan(draft: Draft, snap: Snapshot | None = None) -> RefreshPlan:
    snap = snap or draft_recompose(draft)
    blocks = list(draft.blocks.order_by("position"))
    plan = RefreshPlan(draft=draft, snap=snap, figures=figure_changes(draft.figures, snap.figures))
    removed = set(draft.removed)
    plan.steps = [
        step
        for step in _steps(blocks, snap.blocks)
        if not (step[0] == "add" and step[2] is not None and snap.blocks[step[2]][1] in removed)
    ]
    old_printed = {k: f["text"] for k, f in draft.figures.items()}
    new_printed = {k: f["text"] for k, f in snap.figures.items()}
    for _op, block, j in plan.steps:
        if block is None or not block.generated or not block.edited:
            continue
        new_text = snap.blocks[j][1] if j is not None else ""
        if new_text != block.generated:
            plan.conflicts.append(
                Conflict(
                    block=block,
                    new_text=new_text,
                    old_plain=plain(block.generated, old_printed),
                    new_plain=plain(new_text, new_printed),
                    mine_plain=plain(block.text, new_printed | {}),
                )
            )
    return plan


@transaction.atomic
def draft_refresh(
    *, draft_id: int, user: Actor = None, decisions: dict[int, str] | None = None
) -> RefreshPlan:
    """更新数据. With a conflict lacking a decision nothing is written and the plan (with its
    conflicts) is returned for the settle page; otherwise the merge is applied."""
    draft = Draft.objects.get(pk=draft_id)
    if draft.state not in EDITABLE:
        raise ConflictError(f"该报告处于“{draft.get_state_display()}”状态，不能更新数据。")
    plan = refresh_plan(draft)
    decisions = decisions or {}
    if any(decisions.get(c.block.pk) not in ("mine", "theirs") for c in plan.conflicts):
        return plan
    conflict_of = {c.block.pk: c for c in plan.conflicts}
    order: list[int] = []
    for op, block, j in plan.steps:
        kind, new_text = plan.snap.blocks[j] if j is not None else ("", "")
        if op == "add":
            created = DraftBlock.objects.create(
                draft=draft, position=len(order), kind=kind, text=new_text, generated=new_text
            )
            order.append(created.pk)
            continue
        if block is None:  # pragma: no cover - only "add" steps have no block
            continue
        decision = decisions.get(block.pk) if block.pk in conflict_of else None
        if op == "drop" and (not block.edited or decision == "theirs"):
            _event(
                draft, user, Action.REFRESH, before=block.text, note="生成的文字已不再有此段，删去"
            )
            block.delete()
            continue
        if op == "drop" or j is None:  # kept: a paragraph the user inserted, or an edit they keep
            fields = {"generated": ""} if op == "drop" else {}
        elif not block.edited or decision == "theirs":
            fields = {"kind": kind, "text": new_text, "generated": new_text}
        else:
            fields = {"kind": kind, "generated": new_text}
        if fields and any(getattr(block, k) != v for k, v in fields.items()):
            if fields.get("text", block.text) != block.text:
                _event(
                    draft,
                    user,
                    Action.REFRESH,
                    block=block,
                    before=block.text,
                    after=fields["text"],
                )
            DraftBlock.objects.filter(pk=block.pk).update(version=F("version") + 1, **fields)
            after = copy.copy(block)
            for name, value in fields.items():
                setattr(after, name, value)
            audit_log_update(before=block, after=after)
        order.append(block.pk)
    for position, pk in enumerate(order):
        DraftBlock.objects.filter(pk=pk).update(position=position)
    for o in draft.overrides.all():
        new = plan.snap.figures.get(o.key)
        if new and new["text"] != o.computed:
            o.computed = new["text"]
            o.save(update_fields=["computed"])
    figures = dict(draft.figures) | plan.snap.figures  # a kept edit may print a figure now gone
    Draft.objects.filter(pk=draft.pk).update(
        figures=figures, figures_at=timezone.now(), version=F("version") + 1
    )
    changed = "；".join(f"{k} {a}→{b}" for k, _, a, b in plan.figures) or "数据无变化"
    _event(draft, user, Action.REFRESH, note=f"{changed}；处理冲突 {len(plan.conflicts)} 处")
    plan.applied = True
    return plan
