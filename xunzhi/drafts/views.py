"""Draft pages: the editor (per-paragraph saves as JSON, everything else as plain forms), review,
更新数据 with its settle page, downloads. Thin layers over :mod:`xunzhi.drafts.services`."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xunzhi.drafts import services
from xunzhi.drafts.editor_html import blocks_html, figures_html
from xunzhi.drafts.models import Draft, State
from xunzhi.drafts.output import FORMATS, draft_file, file_name, printed_texts
from xunzhi.drafts.rights import (
    can_approve,
    can_draft,
    draft_or_404,
    require_approve,
    require_draft,
)
from xunzhi.drafts.selectors import (
    block_html,
    draft_figure_changes,
    editor_content,
)
from xunzhi.drafts.tokens import plain
from xunzhi.drafts.webglue import (
    download_response,
    get_scoped_or_404,
    id_param,
    page_context,
    text_param,
)
from xunzhi.lib.errors import UserError

MAX_JSON = 64 * 1024
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _editor(draft: Draft, anchor: str = "") -> HttpResponse:
    return redirect(reverse("drafts:editor", args=[draft.pk]) + (f"#{anchor}" if anchor else ""))


def _run(
    request: HttpRequest,
    draft: Draft,
    action: Callable[[], object],
    *,
    anchor: str = "",
    ok: str = "",
) -> HttpResponse:
    """Call a service for a form post; its refusal becomes a message on the editor."""
    try:
        result = action()
    except UserError as exc:
        messages.error(request, str(exc))
        return _editor(draft, anchor)
    if ok:
        messages.success(request, ok)
    if isinstance(result, Draft) and result.pk != draft.pk:
        return _editor(result)
    return _editor(draft, anchor)


@login_required
@require_POST
def draft_new(request: HttpRequest) -> HttpResponse:
    """生成草稿 from a generated report version."""
    from xunzhi.reports.models import ReportVersion

    require_draft(request.user)
    version = get_scoped_or_404(
        ReportVersion.objects.select_related("evaluation__unit"),
        request.user,
        pk=id_param(request.POST, "version", "报告版本"),
    )
    try:
        draft = services.draft_create(version=version, user=request.user)
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("reports")
    messages.success(request, "已生成草稿：每段可直接修改，数字是锁定的数据，点击数字可修订。")
    return _editor(draft)


@login_required
def editor(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_or_404(request.user, pk)
    may_edit = draft.editable and can_draft(request.user)
    may_review = draft.state == State.REVIEW and can_approve(request.user)
    base = reverse("drafts:editor", args=[draft.pk])
    # one plain string for the page's hundred forms ({% csrf_token %} is a lazy object)
    csrf = get_token(request)
    content = editor_content(draft)
    return render(
        request,
        "drafts/editor.html",
        page_context(
            request,
            draft=draft,
            blocks_html=blocks_html(
                content.blocks,
                base=base,
                csrf=csrf,
                may_edit=may_edit,
                may_review=may_review,
            ),
            figures_html=figures_html(content.figures, base=base, csrf=csrf, may_edit=may_edit),
            figures=content.figures,
            changes=draft_figure_changes(draft) if may_edit else [],
            comments=content.comments,
            events=draft.events.select_related("actor").order_by("-created_at", "-pk")[:10],
            base=base,
            csrf=csrf,
            may_edit=may_edit,
            may_review=may_review,
            may_unlock=draft.state == State.FINAL and can_draft(request.user),
            children=draft.children.all(),
            nav="reports",
        ),
    )


def _json_body(request: HttpRequest) -> dict[str, Any]:
    if len(request.body) > MAX_JSON:
        raise UserError("提交的内容太长。")
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise UserError("提交的内容格式有误。") from exc
    if not isinstance(data, dict):
        raise UserError("提交的内容格式有误。")
    return data


@login_required
@require_POST
def block_save(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    """Save one paragraph: JSON ``{text, version}`` → ``{version, html}``; 409 on a stale version."""
    draft = draft_or_404(request.user, pk)
    require_draft(request.user)
    try:
        data = _json_body(request)
        version, text = data.get("version"), data.get("text")
        if not isinstance(version, int) or not isinstance(text, str):
            raise UserError("缺少段落的文字或版本号，请刷新页面后重试。")
        block = services.block_update(
            block_id=block_pk, text=text, version=version, user=request.user, draft_id=draft.pk
        )
    except services.ConflictError as exc:
        current = draft.blocks.filter(pk=block_pk).values_list("version", flat=True).first()
        return JsonResponse({"error": str(exc), "version": current}, status=409)
    except UserError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    overrides = list(draft.overrides.all())
    html = block_html(
        block.text,
        printed_texts(draft, overrides),
        {o.key for o in overrides},
        {k: f"{k} {f.get('name', '')}" for k, f in draft.figures.items()},
    )
    return JsonResponse({"version": block.version, "html": html})


def _block_of(request: HttpRequest, pk: int) -> Draft:
    draft = draft_or_404(request.user, pk)
    require_draft(request.user)
    return draft


@login_required
@require_POST
def block_insert(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    draft = _block_of(request, pk)
    text = request.POST.get("text", "")
    return _run(
        request,
        draft,
        lambda: services.block_insert(after_id=_own(draft, block_pk), text=text, user=request.user),
        anchor=f"b{block_pk}",
        ok="已插入段落。",
    )


def _own(draft: Draft, block_pk: int) -> int:
    if not draft.blocks.filter(pk=block_pk).exists():
        raise UserError("该段落已被删除，请刷新页面。")
    return block_pk


@login_required
@require_POST
def block_delete(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    draft = _block_of(request, pk)
    version = id_param(request.POST, "version", "版本")
    return _run(
        request,
        draft,
        lambda: services.block_delete(
            block_id=_own(draft, block_pk), version=version, user=request.user
        ),
        ok="已删除段落（可在修改记录中查看原文）。",
    )


@login_required
@require_POST
def block_move(request: HttpRequest, pk: int, block_pk: int) -> HttpResponse:
    draft = _block_of(request, pk)
    direction = text_param(request.POST, "direction")
    return _run(
        request,
        draft,
        lambda: services.block_move(
            block_id=_own(draft, block_pk), direction=direction, user=request.user
        ),
        anchor=f"b{block_pk}",
    )


@login_required
@require_POST
def figure_override(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    draft = _block_of(request, pk)
    post = request.POST
    return _run(
        request,
        draft,
        lambda: services.figure_override(
            draft_id=draft.pk,
            key=key,
            value=post.get("value", ""),
            reason=post.get("reason", ""),
            seen=post.get("seen", ""),
            user=request.user,
        ),
        anchor=f"fig-{key}",
        ok=f"已修订数据 {key}。",
    )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _block_of(request, pk)
    version = id_param(request.POST, "version", "版本")
    return _run(
        request,
        draft,
        lambda: services.draft_submit(draft_id=draft.pk, version=version, user=request.user),
        ok="已提交审核。",
    )


@login_required
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    draft = draft_or_404(request.user, pk)
    action = text_param(request.POST, "action")
    if action == "comment":
        if not (can_approve(request.user) or can_draft(request.user)):
            raise PermissionDenied("您的角色不能提审核意见。")
    else:
        require_approve(request.user)
    block = request.POST.get("block")
    version = request.POST.get("version")
    ok = {"comment": "已记录意见。", "return": "已退回修改。", "approve": "已审定为定稿。"}.get(
        action, ""
    )
    return _run(
        request,
        draft,
        lambda: services.draft_review(
            draft_id=draft.pk,
            action=action,
            text=request.POST.get("text", ""),
            block_id=id_param(request.POST, "block", "段落") if block else None,
            version=id_param(request.POST, "version", "版本") if version else None,
            user=request.user,
        ),
        anchor=f"b{block}" if block else "",
        ok=ok,
    )


@login_required
@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _block_of(request, pk)
    return _run(
        request,
        draft,
        lambda: services.draft_unlock(draft_id=draft.pk, user=request.user),
        ok="已解锁为新草稿；原定稿保持不变。",
    )


@login_required
def history(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft's whole history (the latest 2 000 entries)."""
    draft = draft_or_404(request.user, pk)
    events = draft.events.select_related("actor").order_by("-created_at", "-pk")
    shown = list(events[:2000])
    printed = printed_texts(draft)
    for e in shown:  # figures as the draft prints them now (in memory only)
        e.before, e.after = plain(e.before, printed), plain(e.after, printed)
    return render(
        request,
        "drafts/history.html",
        page_context(request, draft=draft, events=shown, total=events.count(), nav="reports"),
    )


@login_required
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    draft = draft_or_404(request.user, pk)
    if fmt not in FORMATS:
        from django.http import Http404

        raise Http404("没有这种格式。")
    try:
        data = draft_file(draft, fmt)
    except UserError as exc:
        messages.error(request, str(exc))
        return _editor(draft)
    return download_response(data, file_name(draft, fmt), CONTENT_TYPES[fmt])
