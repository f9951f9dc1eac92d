"""Views over background work: uploads (dry run, confirm, progress), reports, figure pages."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xunzhi.ledgers.selectors import KINDS
from xunzhi.ledgers.services import KIND_NAMES
from xunzhi.lib.errors import UserError
from xunzhi.web.forms import UploadForm
from xunzhi.web.jobs import job_create_import, job_dir
from xunzhi.web.models import Job, JobKind
from xunzhi.web.scope import get_scoped_or_404, require, user_scope
from xunzhi.web.views import _campaign, _ctx, _download, _unit_param

MAX_FILES = 20


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    require(request.user, "upload")
    form = UploadForm(request.POST or None, initial={"kind": request.GET.get("kind", "")})
    if request.method == "POST" and form.is_valid():
        files = request.FILES.getlist("files")
        try:
            if not files:
                raise UserError("请选择要导入的文件（Excel 或 CSV）。")
            if len(files) > MAX_FILES:
                raise UserError(f"一次最多导入 {MAX_FILES} 个文件。")
            job = job_create_import(
                user=request.user,
                scope=user_scope(request.user),
                files=[(f.name, f.read()) for f in files],
                kind=form.cleaned_data["kind"],
                dry_run=True,
            )
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            _enqueue_import(job)
            return redirect("job", pk=job.pk)
    recent = Job.objects.filter(kind=JobKind.IMPORT, user=request.user).order_by("-id")[:10]
    return render(request, "web/upload.html", _ctx(request, form=form, recent=recent, nav="upload"))


def _enqueue_import(job: Job) -> None:
    from xunzhi.web.tasks import import_task

    import_task.enqueue(job.pk)


def _job(request: HttpRequest, pk: int) -> Job:
    return get_scoped_or_404(Job.objects.all(), request.user, field="scope", pk=pk)


@login_required
def upload_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404("没有这种台账。")
    from xunzhi.intake.services import ledger_template

    data = ledger_template(kind=kind, campaign=_campaign(request), scope=user_scope(request.user))
    return _download(
        data,
        f"{KIND_NAMES[kind]}模板.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.kind == JobKind.REPORT and job.finished and job.result.get("version"):
        return redirect("report_preview", pk=job.result["version"])
    return render(request, "web/job.html", _ctx(request, job=job, nav="upload"))


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment the job page polls; once finished it tells htmx to reload the page."""
    job = _job(request, pk)
    response = render(request, "web/_job_progress.html", {"job": job})
    if job.finished:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, "upload")
    job = _job(request, pk)
    if not (job.kind == JobKind.IMPORT and job.finished and job.params.get("dry_run")):
        messages.error(request, "只有检查完成的导入才能确认。")
        return redirect("job", pk=job.pk)
    if not job.result.get("ok"):
        messages.error(request, "检查发现错误，不能导入。请修改文件后重新上传。")
        return redirect("job", pk=job.pk)
    new = job_create_import(
        user=request.user,
        scope=user_scope(request.user),
        files=[],
        kind=job.params.get("kind", ""),
        dry_run=False,
        source_job=job,
    )
    new.params["original_names"] = job.params.get("original_names", [])
    new.save(update_fields=["params"])
    _enqueue_import(new)
    return redirect("job", pk=new.pk)


@login_required
def job_annotated(request: HttpRequest, pk: int, index: int) -> HttpResponse:
    job = _job(request, pk)
    items = job.result.get("annotated") or []
    if not 0 <= index < len(items):
        raise Http404("没有这个文件。")
    path = job_dir(job) / items[index]["path"]
    if not path.is_file():
        raise Http404("文件已不存在。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=items[index]["name"])


# --- figures -----------------------------------------------------------------------------


def _until(request: HttpRequest) -> dt.date | None:
    raw = request.GET.get("until", "")
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
def figure_page(request: HttpRequest, code: str) -> HttpResponse:
    """One figure: its definition, its value for the unit and cut-off, and its source records."""
    from xunzhi.figures.selectors import figure_sources
    from xunzhi.figures.services import figures_compute

    campaign = _campaign(request)
    unit = _unit_param(request, user_scope(request.user))
    until = _until(request)
    figures = figures_compute(campaign=campaign, unit=unit, until=until)
    if code not in figures:
        raise Http404("没有这个数据项。")
    figure = figures[code]
    try:
        sources = figure_sources(campaign=campaign, unit=unit, until=until, code=code)
    except UserError:
        sources = []
    tables = []
    for qs in sources:
        model = qs.model
        kind = next((k for k, c in KINDS.items() if _model(k) is model), None)
        conf = KINDS.get(kind) if kind else None
        columns = conf.columns if conf else (("org__name", "组织"),)
        rows = list(qs.order_by("id")[:100])
        tables.append(
            {
                "title": conf.title if conf else model._meta.verbose_name,
                "kind": kind,
                "count": qs.count(),
                "columns": columns,
                "rows": [{"obj": r, "cells": [_cell(r, p) for p, _ in columns]} for r in rows],
            }
        )
    return render(
        request,
        "web/figure.html",
        _ctx(request, figure=figure, unit=unit, until=until, tables=tables, nav="reports"),
    )


def _model(kind: str):
    from xunzhi.ledgers.services import ledger_model

    return ledger_model(kind)


def _cell(obj, path: str):
    from xunzhi.web.views import _cell as cell

    return cell(obj, path)


# --- reports (wired to xunzhi.reports once it lands) ---------------------------------------


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    return render(request, "web/reports.html", _ctx(request, nav="reports"))


@login_required
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("报告功能尚未启用。")


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    raise Http404("报告功能尚未启用。")


def _reverse_job(job: Job) -> str:
    return reverse("job", args=[job.pk])
