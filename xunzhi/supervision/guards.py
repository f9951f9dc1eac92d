"""What the ledger's own edit and delete must not do to a problem in the supervision loop."""

from __future__ import annotations

from typing import Any

from django.db import models

from xunzhi.lib.errors import UserError

#: Fields of a problem that the loop keeps; the ledger form may resend them unchanged.
LOOP_FIELDS = ("status", "done_date")


def problem_edit_check(kind: str, current: models.Model, data: dict[str, Any] | None) -> None:
    """A 销号 problem is neither edited nor deleted through the ledger; a problem in the loop
    keeps its 整改状态 and 完成日期 from the loop (the ledger cannot jump a step)."""
    if kind != "problems":
        return
    from xunzhi.supervision.models import Rectification, State

    rect = Rectification.objects.filter(problem_id=current.pk).only("state", "closed_at").first()
    if rect is None:
        return
    if rect.state == State.CLOSED:
        when = f"于 {rect.closed_at:%Y年%m月%d日} " if rect.closed_at else ""
        raise UserError(
            f"该问题已{when}销号，不能再在问题清单中修改或删除；如确需变更，请联系督导组。"
        )
    if data is None:
        raise UserError("该问题正在督导整改流程中（已有整改记录），不能删除。")
    changed = [f for f in LOOP_FIELDS if f in data and data[f] != getattr(current, f)]
    if changed:
        raise UserError(
            f"该问题正在督导整改流程中（当前：{rect.state}），整改状态和完成日期由整改提交、"
            "销号和退回确定，不能在问题清单中直接修改。"
        )


def problem_import_check(kind: str, rows: dict[int, dict[str, Any]]) -> dict[int, str]:
    """An import may not change a 销号 problem, nor the 整改状态 or 完成日期 of a problem in the
    loop (the same rule as the ledger's own edit)."""
    if kind != "problems" or not rows:
        return {}
    from xunzhi.ledgers.models import Problem
    from xunzhi.supervision.models import Rectification, State

    states = dict(
        Rectification.objects.filter(problem_id__in=list(rows)).values_list("problem_id", "state")
    )
    if not states:
        return {}
    stored = {
        pk: (status, done)
        for pk, status, done in Problem.objects.filter(pk__in=list(states)).values_list(
            "pk", *LOOP_FIELDS
        )
    }
    refused = {}
    for pk, state in states.items():
        if state == State.CLOSED:
            refused[pk] = "该问题已销号，不能通过导入修改；如确需变更，请联系督导组"
            continue
        new = rows[pk]
        if any(f in new and new[f] != old for f, old in zip(LOOP_FIELDS, stored[pk], strict=True)):
            refused[pk] = (
                f"该问题正在督导整改流程中（当前：{state}），整改状态和完成日期由整改提交、"
                "销号和退回确定，不能通过导入修改"
            )
    return refused


def connect() -> None:
    from xunzhi.ledgers.services import edit_guards, import_guards

    if problem_edit_check not in edit_guards:
        edit_guards.append(problem_edit_check)
    if problem_import_check not in import_guards:
        import_guards.append(problem_import_check)
