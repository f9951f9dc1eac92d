"""The audit log in the web app: browse with filters, export to .xlsx (the user's scope only)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from xunzhi.audit.forms import AuditFilterForm
from xunzhi.audit.models import AuditEntry
from xunzhi.audit.selectors import (
    AuditFilters,
    audit_changes,
    audit_changes_text,
    audit_entries,
    audit_type_label,
)
from xunzhi.web.scope import require, user_scope
from xunzhi.web.views.common import download_response, page_context, unit_choices, unit_param

#: Most rows one export writes: a year of a county's writes; narrow the dates beyond it.
EXPORT_LIMIT = 100_000
HEADERS = ["时间", "操作人", "途径", "操作", "对象类型", "对象", "所属单位", "变更内容", "地址"]


def _filters(request: HttpRequest) -> tuple[AuditFilterForm, AuditFilters | None]:
    scope = user_scope(request.user)
    unit = unit_param(request, scope)
    form = AuditFilterForm(request.GET or None, scope=scope)
    if request.GET and not form.is_valid():
        return form, None
    cd = form.cleaned_data if form.is_bound else {}
    return form, AuditFilters(
        unit=unit,
        actor=cd.get("actor") or "",
        model=cd.get("model") or "",
        what=cd.get("what") or "",
        date_from=cd.get("date_from"),
        date_to=cd.get("date_to"),
    )


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit")
    scope = user_scope(request.user)
    form, filters = _filters(request)
    entries = audit_entries(scope=scope, filters=filters) if filters else None
    page = Paginator(entries, 50).get_page(request.GET.get("page")) if entries is not None else None
    rows = [
        {"e": e, "type": audit_type_label(e), "changes": audit_changes(e)}
        for e in (page.object_list if page else [])
    ]
    params = request.GET.copy()
    params.pop("page", None)
    current = filters.unit if filters else scope
    return render(
        request,
        "audit/list.html",
        page_context(
            request,
            form=form,
            page=page,
            rows=rows,
            query=params.urlencode(),
            units=unit_choices(request, scope, current),
            current_unit=current.code,
            nav="audit",
        ),
    )


@login_required
def audit_export(request: HttpRequest) -> HttpResponse:
    require(request.user, "audit")
    scope = user_scope(request.user)
    form, filters = _filters(request)
    back = f"{reverse('audit')}?{request.GET.urlencode()}"
    if filters is None:
        messages.error(request, "筛选条件无效，未导出。")
        return redirect(back)
    entries = audit_entries(scope=scope, filters=filters)
    count = entries.count()
    if count > EXPORT_LIMIT:
        messages.error(
            request,
            f"符合条件的操作日志有 {count} 条，超过一次导出的上限 {EXPORT_LIMIT} 条，"
            "请缩小日期范围后分次导出。",
        )
        return redirect(back)
    data = audit_workbook(entries)
    name = f"操作日志-{filters.unit.name}-{timezone.localdate():%Y%m%d}.xlsx"
    return download_response(
        data, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def audit_workbook(entries: QuerySet[AuditEntry]) -> bytes:
    """The entries as one sheet; text from users is neutralised against formula injection."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from xunzhi.lib.sheets import safe_row

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("操作日志")
    bold = Font(bold=True)
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for e in entries.iterator(chunk_size=2000):
        row = [
            timezone.localtime(e.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor_name,
            e.get_via_display(),
            e.what,
            audit_type_label(e),
            e.object_repr,
            e.unit_name,
            audit_changes_text(e),
            e.remote_addr or "",
        ]
        ws.append(safe_row(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
