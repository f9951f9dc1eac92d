"""Views over background work: uploads (dry run, confirm, progress), reports, figure pages."""

from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from xunzhi.intake.limits import MB, megabytes
from xunzhi.ledgers.selectors import KINDS
from xunzhi.ledgers.services import KIND_NAMES
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.reports.services import EVALUATION_FIELDS
from xunzhi.web.forms import UploadForm
from xunzhi.web.jobs import job_create_import, job_dir, job_progress_apply
from xunzhi.web.models import Job, JobKind
from xunzhi.web.scope import can, get_scoped_or_404, require, scoped, user_scope
from xunzhi.web.views import _campaign, _ctx, _download, _unit_param, id_param

MAX_FILES = 20


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: a file beyond the per-file limit is skipped as it streams
    in (never stored), and its name is noted so that the view refuses the whole upload."""

    def __init__(self, request=None, *, max_file_bytes: int):
        super().__init__(request)
        self.max_file_bytes = max_file_bytes
        self.too_big: list[str] = []
        self._size = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._size = 0

    def receive_data_chunk(self, raw_data, start):
        self._size += len(raw_data)
        if self._size > self.max_file_bytes:
            self.too_big.append(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def upload_limits() -> tuple[int, int]:
    """(per file, per request) in bytes."""
    return settings.UPLOAD_MAX_FILE_MB * MB, settings.UPLOAD_MAX_REQUEST_MB * MB


def _limit_text() -> str:
    return (
        f"单个文件不超过 {settings.UPLOAD_MAX_FILE_MB} MB，"
        f"每次上传合计不超过 {settings.UPLOAD_MAX_REQUEST_MB} MB，最多 {MAX_FILES} 个文件"
    )


@csrf_exempt  # the CSRF check reads the body: it runs below, once the size is known
@login_required
def upload(request: HttpRequest) -> HttpResponse:
    """Uploads are refused before their body is read when the request is over the limit, and
    a file over the per-file limit is dropped as it streams in; only then is CSRF checked."""
    require(request.user, "upload")
    handler = None
    if request.method == "POST":
        max_file, max_request = upload_limits()
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_request:
            message = (
                f"本次上传共 {megabytes(length)}，超过每次上传合计 "
                f"{settings.UPLOAD_MAX_REQUEST_MB} MB 的上限，文件未保存。请分批上传。"
            )
            return _upload_page(request, UploadForm(rosters=False), error=message, status=413)
        handler = LimitedUploadHandler(request, max_file_bytes=max_file)
        request.upload_handlers.insert(0, handler)
    return _upload_checked(request, handler)


@csrf_protect
def _upload_checked(request: HttpRequest, handler: LimitedUploadHandler | None) -> HttpResponse:
    form = UploadForm(
        request.POST or None,
        initial={"kind": request.GET.get("kind", "")},
        rosters=can(request.user, "manage"),
    )
    if request.method == "POST" and handler is not None and handler.too_big:
        names = "、".join(f"“{n}”" for n in handler.too_big[:5])
        message = (
            f"文件{names}超过单个文件 {settings.UPLOAD_MAX_FILE_MB} MB 的上限，未保存，"
            "本次上传的文件都没有导入。请拆分后分批上传。"
        )
        return _upload_page(request, form, error=message, status=413)
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
                files=[(f.name, f) for f in files],
                kind=form.cleaned_data["kind"],
                dry_run=True,
            )
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return _upload_page(request, form, status=status)


def _upload_page(request: HttpRequest, form, *, error: str = "", status: int = 200):
    recent = Job.objects.filter(kind=JobKind.IMPORT, user=request.user).order_by("-id")[:10]
    return render(
        request,
        "web/upload.html",
        _ctx(request, form=form, recent=recent, nav="upload", limits=_limit_text(), refused=error),
        status=status,
    )


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
    job = job_progress_apply(job)
    return render(request, "web/job.html", _ctx(request, job=job, nav="upload"))


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The htmx fragment the job page polls; once finished it tells htmx to reload the page."""
    job = job_progress_apply(_job(request, pk))
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
    roster = [s for s in job.result.get("sheets", []) if s.get("kind") not in KINDS]
    if roster and not can(request.user, "manage"):
        messages.error(request, "组织和领导名册只能由县学习教育办导入。")
        return redirect("job", pk=job.pk)
    try:
        new = job_create_import(
            user=request.user,
            scope=user_scope(request.user),
            files=[],
            kind=job.params.get("kind", ""),
            dry_run=False,
            source_job=job,
        )
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("job", pk=job.pk)
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


# --- reports ----------------------------------------------------------------------------

# The evaluation settings the report form edits; the cut-off date has its own field.
SETTING_FIELDS = tuple(f for f in EVALUATION_FIELDS if f != "until")


def _versions(request: HttpRequest):
    from xunzhi.reports.models import ReportVersion

    return scoped(
        ReportVersion.objects.select_related("evaluation__unit", "created_by"),
        request.user,
        field="evaluation__unit",
    )


@login_required
def reports(request: HttpRequest) -> HttpResponse:
    """Pick unit, cut-off and settings; generate in the background; earlier versions listed."""
    from xunzhi.reports.render.pdf import pdf_available
    from xunzhi.reports.services import evaluation_for, evaluation_save
    from xunzhi.web.forms import ReportForm

    campaign = _campaign(request)
    scope = user_scope(request.user)
    unit = _unit_param(request, scope)
    if request.method == "POST":
        require(request.user, "report")
        unit = get_scoped_or_404(
            Org.objects.all(), request.user, field="", pk=id_param(request.POST, "unit", "组织")
        )
    evaluation = evaluation_for(campaign=campaign, unit=unit)
    form = ReportForm(
        request.POST or None,
        user=request.user,
        initial={"unit": unit, "until": evaluation.until}
        | {name: getattr(evaluation, name) for name in SETTING_FIELDS},
        pdf=pdf_available(),
        can_settings=can(request.user, "manage") or can(request.user, "report"),
    )
    if request.method == "POST" and form.is_valid():
        cd = form.cleaned_data
        overrides = {"until": cd["until"]}
        overrides |= {name: cd.get(name) for name in SETTING_FIELDS if name in cd}
        try:
            evaluation = evaluation_for(campaign=campaign, unit=cd["unit"])
            for name, value in overrides.items():
                setattr(evaluation, name, value)
            evaluation_save(evaluation=evaluation)
        except (UserError, ValidationError) as exc:
            form.add_error(None, _err(exc))
        else:
            formats = ["docx", "html"] + (["pdf"] if cd.get("pdf") else [])
            from xunzhi.web.tasks import report_task

            with transaction.atomic():  # a job row always has its task
                job = Job.objects.create(
                    kind=JobKind.REPORT,
                    user=request.user,
                    scope=cd["unit"],
                    params={
                        "evaluation": evaluation.pk,
                        "formats": formats,
                        "annex": bool(cd.get("annex")),
                    },
                    message="排队中…",
                    total=3,
                )
                report_task.enqueue(job.pk)
            return redirect("job", pk=job.pk)
    versions = _versions(request).order_by("-created_at", "-pk")[:30]
    return render(
        request,
        "web/reports.html",
        _ctx(request, form=form, versions=versions, unit=unit, nav="reports"),
    )


def _err(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc)


_FIGURE_SPAN = re.compile(r'<span class="figure" data-figure="([A-Za-z0-9_]+)">(.*?)</span>', re.S)


@login_required
def report_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The generated version as HTML; every figure links to its definition and sources."""
    version = get_scoped_or_404(_versions(request), request.user, field="evaluation__unit", pk=pk)
    html, recomposed = _preview_html(version)
    others = (
        _versions(request).filter(evaluation=version.evaluation).order_by("-created_at", "-pk")[:20]
    )
    return render(
        request,
        "web/report_preview.html",
        _ctx(
            request,
            version=version,
            report_html=mark_safe(html),  # noqa: S308 - the renderer escapes all text
            files=version.paths(),
            others=others,
            recomposed=recomposed,
            report_css_version=_report_css_version(),
            nav="reports",
        ),
    )


_PREVIEWS: dict[tuple, str] = {}
# The renderer puts its stylesheet inline; the page links it instead (report_css), as the
# Content-Security-Policy allows no inline style.
_INLINE_STYLE = re.compile(r"<style>.*?</style>", re.S)


def _report_css_version() -> str:
    import hashlib

    from xunzhi.reports.render.html import REPORT_CSS

    return hashlib.sha256(REPORT_CSS.encode()).hexdigest()[:12]


def report_css(request: HttpRequest) -> HttpResponse:
    """The report preview's stylesheet (the HTML renderer's own), cached for a year under
    its version."""
    from xunzhi.reports.render.html import REPORT_CSS

    response = HttpResponse(REPORT_CSS, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == _report_css_version():
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response


def _preview_html(version) -> tuple[str, bool]:
    """The version's HTML with every figure linked to its page (memoised per process: a
    version's file never changes)."""
    path = Path(version.html_path) if version.html_path else None
    recomposed = path is None or not path.is_file()
    if recomposed:
        from xunzhi.web.selectors import data_stamp

        key = (version.pk, "recomposed", data_stamp())
    else:
        key = (version.pk, str(path), path.stat().st_mtime_ns)
    html = _PREVIEWS.get(key)
    if html is None:
        # Written without an HTML rendering (e.g. by the command line): lay the report out
        # again from the current data with the version's cut-off, and say so on the page.
        raw = _recomposed_html(version) if recomposed else path.read_text(encoding="utf-8")
        unit = version.evaluation.unit
        query = {"unit": unit.code}
        if version.until:
            query["until"] = version.until.isoformat()
        suffix = "?" + urlencode(query)
        base = reverse("figure", args=["F00"]).replace("F00/", "")

        def link(m: re.Match) -> str:
            href = escape(f"{base}{m[1]}/{suffix}", quote=True)
            return f'<a class="figure" data-figure="{m[1]}" href="{href}">{m[2]}</a>'

        html = _FIGURE_SPAN.sub(link, _INLINE_STYLE.sub("", raw, count=1))
        if len(_PREVIEWS) > 64:
            _PREVIEWS.clear()
        _PREVIEWS[key] = html
    return html, recomposed


def _recomposed_html(version) -> str:
    from xunzhi.reports.render.html import render_html
    from xunzhi.reports.services import report_compose
    from xunzhi.web.selectors import data_stamp, figure_cache

    cache = figure_cache()
    key = f"xz:recomposed:{version.pk}:{data_stamp()}"
    html = cache.get(key)
    if html is None:
        evaluation = version.evaluation
        evaluation.until = version.until  # the version's cut-off; not saved
        try:
            html = render_html(report_compose(evaluation=evaluation).document)
        except UserError as exc:
            html = f'<div class="alert alert-danger">{escape(str(exc))}</div>'
        cache.set(key, html, 3600)
    return html


CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}


@login_required
def report_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = get_scoped_or_404(_versions(request), request.user, field="evaluation__unit", pk=pk)
    path = version.paths().get(fmt)
    if not path or fmt not in CONTENT_TYPES:
        raise Http404("该版本没有这种格式的文件。")
    file = Path(path).resolve()
    root = Path(settings.DATA_DIR).resolve()
    if not file.is_file() or root not in file.parents:
        raise Http404("文件已不存在。")
    response = FileResponse(file.open("rb"), as_attachment=True, filename=file.name)
    response["Content-Type"] = CONTENT_TYPES[fmt]
    return response


@login_required
def rule_page(request: HttpRequest, code: str) -> HttpResponse:
    """One problem rule for a unit: whether it fires (and whether the report shows it), its
    thresholds and the units short of them."""
    from xunzhi.figures.services import rules_evaluate
    from xunzhi.reports.compose import problems_select

    campaign = _campaign(request)
    unit = _unit_param(request, user_scope(request.user))
    until = _until(request)
    evaluated = rules_evaluate(campaign=campaign, unit=unit, until=until)
    problems_select(evaluated, spec=campaign.spec)
    results = {r.code: r for r in evaluated}
    rule = results.get(code)
    if rule is None:
        raise Http404("没有这条规则。")
    labels = list(rule.units[0].measures) if rule.units else []
    rows = sorted(rule.units, key=lambda u: (not u.short, u.code))
    return render(
        request,
        "web/rule.html",
        _ctx(
            request,
            rule=rule,
            unit=unit,
            until=until,
            labels=labels,
            rows=[{"u": u, "values": [u.measures.get(label) for label in labels]} for u in rows],
            nav="reports",
        ),
    )
