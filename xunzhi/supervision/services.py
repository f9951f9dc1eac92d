"""The supervision loop's writes, one function per action a person takes.

- :func:`finding_record` — the guidance group records a finding of a visit: a problem of the
  visited unit with source 督导发现, a deadline, linked to the visit (state 待整改);
- :func:`rectification_submit` — the unit's clerk reports the rectification (text and files):
  待整改/已退回 → 已提交;
- :func:`rectification_close` — the guidance group checks it and closes it (销号): 已提交 → 已销号;
- :func:`rectification_return` — or returns it with a reason: 已提交 → 已退回.

Every action names the ``version`` of the rectification the person saw (0 for a problem the loop
has not touched yet) and is refused when someone acted in between. Every action checks that the
problem lies in the caller's scope and leaves a :class:`ProblemStep`; the records are audited
through django-auditlog's signals. The problem's 整改状态 follows the state (``LEDGER_STATUS``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xunzhi.ledgers.models import Problem, ProblemStatus, SupervisionVisit
from xunzhi.ledgers.services import ledger_changed, ledger_create
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.supervision import files as attachments
from xunzhi.supervision.models import (
    LEDGER_STATUS,
    Action,
    ProblemStep,
    Rectification,
    RectificationFile,
    State,
)

#: The 问题来源 of a finding (a word of the campaign's ``problem_sources``).
FINDING_SOURCE = "督导发现"
#: The version a person saw of a problem the loop has not touched (no rectification yet).
UNTOUCHED_VERSION = 0
TEXT_LIMIT = 5000


def _check_scope(org: Org, scope: Org | None, doing: str) -> None:
    if scope is not None and not org.path.startswith(scope.path):
        raise UserError(f"“{org.name}”不在您的管理范围（{scope.name}）内，不能{doing}。")


def _text(value: str | None, label: str, *, required: bool) -> str:
    text = (value or "").replace("\x00", "").strip()
    if required and not text:
        raise UserError(f"请填写{label}。")
    if len(text) > TEXT_LIMIT:
        raise UserError(f"{label}不能超过 {TEXT_LIMIT} 字（现为 {len(text)} 字）。")
    return text


def _actor_name(user: Any) -> str:
    if user is None or not getattr(user, "pk", None):
        return "系统"
    full = (user.get_full_name() or "").strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _step(problem: Problem, action: str, state: str, text: str, user: Any) -> ProblemStep:
    return ProblemStep.objects.create(
        problem=problem,
        action=action,
        state=state,
        text=text,
        actor=user if getattr(user, "pk", None) else None,
        actor_name=_actor_name(user),
        at=timezone.now(),
    )


@transaction.atomic
def finding_record(
    *,
    visit: SupervisionVisit,
    description: str,
    deadline: dt.date | None,
    category: str = "",
    measures: str = "",
    scope: Org | None,
    user: Any = None,
) -> Problem:
    """A finding of ``visit`` becomes a problem of the visited unit, 待整改 by ``deadline``."""
    _check_scope(visit.org, scope, "记录督导发现的问题")
    description = _text(description, "问题描述", required=True)
    if deadline is None:
        raise UserError("请填写整改时限。")
    if deadline < visit.date:
        raise UserError(f"整改时限（{deadline}）不能早于督导日期（{visit.date}）。")
    problem = ledger_create(
        kind="problems",
        campaign=visit.campaign,
        data={
            "org": visit.org,
            "source": FINDING_SOURCE,
            "description": description,
            "category": category,
            "measures": _text(measures, "整改要求", required=False),
            "deadline": deadline,
            "found_date": visit.date,
            "visit": visit,
        },
        scope=scope,
        user=user,
    )
    problem = cast(Problem, problem)
    Rectification.objects.create(problem=problem, state=State.PENDING)
    _step(
        problem, Action.FOUND, State.PENDING, f"{visit.date} {visit.group_name}{visit.method}", user
    )
    return problem


def _locked(problem: Problem, version: int) -> Rectification:
    """The problem's rectification, locked, if still at ``version``; created when untouched."""
    Problem.objects.select_for_update().filter(pk=problem.pk).first()  # serialise the first act
    rect = Rectification.objects.select_for_update().filter(problem=problem).first()
    if rect is None:
        if problem.status == ProblemStatus.DONE:
            raise UserError(
                "该问题在问题清单中已是“已整改”，不在督导整改流程中，无需再提交或销号。"
            )
        rect = Rectification(problem=problem, state=State.PENDING, version=UNTOUCHED_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or rect.version != version:
        raise UserError(
            f"操作失败：该问题的整改情况已被其他用户改变（当前：{rect.state}，第 {rect.version} 版；"
            f"您看到的是第 {version} 版）。请刷新页面查看最新情况后再操作。"
        )
    return rect


def _expect(rect: Rectification, states: tuple[str, ...], doing: str) -> None:
    if rect.state not in states:
        allowed = "、".join(states)
        raise UserError(f"该问题当前为“{rect.state}”，不能{doing}（只有{allowed}的问题可以）。")


def _save(rect: Rectification, problem: Problem, *, done: dt.date | None) -> None:
    """Write the rectification (a new version) and move the problem's 整改状态 with it."""
    rect.version += 1
    rect.save()
    problem.refresh_from_db()
    problem.status = LEDGER_STATUS[State(rect.state)]
    problem.done_date = done
    problem.version = F("version") + 1
    problem.save(update_fields=["status", "done_date", "version", "updated_at"])
    problem.refresh_from_db()
    ledger_changed.send(sender=None, kind="problems")


def rectification_submit(
    *,
    problem: Problem,
    text: str,
    uploads: Sequence[attachments.Upload] = (),
    version: int,
    scope: Org | None,
    user: Any = None,
) -> Rectification:
    """The unit reports its rectification: 待整改/已退回 → 已提交, with text and files.

    The files are checked before anything is written and stored before the records; if any
    write or the commit fails, the files this call stored are removed again."""
    _check_scope(problem.org, scope, "提交其整改情况")
    text = _text(text, "整改情况", required=True)
    checked = attachments.check_uploads(uploads)
    stored: list[attachments.Stored] = []
    try:
        with transaction.atomic():
            rect = _locked(problem, version)
            _expect(rect, (State.PENDING, State.RETURNED), "提交整改情况")
            stored = attachments.store(problem.pk, checked)
            rect.state = State.SUBMITTED
            rect.text = text
            rect.submitted_at = timezone.now()
            _save(rect, problem, done=None)
            step = _step(problem, Action.SUBMIT, State.SUBMITTED, text, user)
            for s in stored:
                RectificationFile.objects.create(
                    step=step,
                    name=s.name,
                    path=s.path,
                    kind=s.kind,
                    mime=s.mime,
                    size=s.size,
                    sha256=s.sha256,
                )
    except BaseException:
        attachments.remove(attachments.absolute_unchecked(s.path) for s in stored)
        raise
    return rect


@transaction.atomic
def rectification_close(
    *, problem: Problem, version: int, note: str = "", scope: Org | None, user: Any = None
) -> Rectification:
    """The guidance group closes (销号) a submitted rectification: 已提交 → 已销号."""
    _check_scope(problem.org, scope, "为其问题销号")
    note = _text(note, "销号意见", required=False)
    rect = _locked(problem, version)
    _expect(rect, (State.SUBMITTED,), "销号")
    rect.state = State.CLOSED
    rect.closed_at = timezone.now()
    rect.return_reason = ""
    _save(rect, problem, done=timezone.localdate(rect.closed_at))
    _step(problem, Action.CLOSE, State.CLOSED, note, user)
    return rect


@transaction.atomic
def rectification_return(
    *, problem: Problem, version: int, reason: str, scope: Org | None, user: Any = None
) -> Rectification:
    """The guidance group returns a submitted rectification with a reason: 已提交 → 已退回."""
    _check_scope(problem.org, scope, "退回其整改情况")
    reason = _text(reason, "退回理由", required=True)
    rect = _locked(problem, version)
    _expect(rect, (State.SUBMITTED,), "退回")
    rect.state = State.RETURNED
    rect.return_reason = reason
    _save(rect, problem, done=None)
    _step(problem, Action.RETURN, State.RETURNED, reason, user)
    return rect
