"""更新数据 (with the side-by-side settle page) and the comparison of two versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from xunzhi.drafts.compare import (
    Side,
    collapsed,
    comparison_docx,
    draft_side,
    parse_ref,
    version_side,
    versions_compare,
)
from xunzhi.drafts.refresh import draft_refresh, refresh_plan
from xunzhi.drafts.rights import draft_or_404, drafts_visible, require_draft
from xunzhi.drafts.services import ConflictError
from xunzhi.drafts.webglue import download_response, get_scoped_or_404, page_context, text_param
from xunzhi.lib.errors import UserError


@login_required
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what 更新数据 would change, conflicts side by side; POST: apply with the decisions."""
    draft = draft_or_404(request.user, pk)
    require_draft(request.user)
    editor = reverse("drafts:editor", args=[draft.pk])
    try:
        if request.method == "POST":
            decisions = {
                int(name[2:]): value
                for name, value in request.POST.items()
                if name.startswith("c-") and name[2:].isdigit() and value in ("mine", "theirs")
            }
            plan = draft_refresh(draft_id=draft.pk, user=request.user, decisions=decisions)
            if plan.applied:
                messages.success(
                    request,
                    f"已更新数据：{len(plan.figures)} 项数据有变化，保留了您的修改"
                    + (f"，处理冲突 {len(plan.conflicts)} 处。" if plan.conflicts else "。"),
                )
                return redirect(editor)
            messages.error(request, "请为每一处冲突选择保留哪一种文字。")
        else:
            if not draft.editable:
                raise ConflictError(f"该报告处于“{draft.get_state_display()}”状态，不能更新数据。")
            plan = refresh_plan(draft)
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect(editor)
    return render(
        request, "drafts/refresh.html", page_context(request, draft=draft, plan=plan, nav="reports")
    )


def _side(request: HttpRequest, ref: str) -> Side:
    from xunzhi.reports.models import ReportVersion

    kind, pk = parse_ref(ref)
    if kind == "draft":
        return draft_side(draft_or_404(request.user, pk))
    version = get_scoped_or_404(
        ReportVersion.objects.select_related("evaluation__unit"),
        request.user,
        pk=pk,
    )
    return version_side(version)


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two versions side by side (``?a=12&b=13``; ``V5`` for a generated version), or the
    .docx with the changes marked (``&format=docx``)."""
    a, b = text_param(request.GET, "a"), text_param(request.GET, "b")
    cmp = error = None
    if a and b:
        try:
            cmp = versions_compare(a=_side(request, a), b=_side(request, b))
        except UserError as exc:
            error = str(exc)
    if cmp is not None and request.GET.get("format") == "docx":
        return download_response(
            comparison_docx(cmp),
            "报告版本比较.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    if request.GET.get("format") not in (None, "", "docx"):
        raise Http404("没有这种格式。")
    choices = drafts_visible(request.user).order_by("-pk")[:100]
    show_all = request.GET.get("all") == "1"
    rows = (cmp.rows if show_all else collapsed(cmp.rows)) if cmp else []
    return render(
        request,
        "drafts/compare.html",
        page_context(
            request,
            cmp=cmp,
            rows=rows,
            show_all=show_all,
            error=error,
            a=a,
            b=b,
            choices=choices,
            nav="reports",
        ),
    )
