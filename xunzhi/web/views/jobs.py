"""Uploads (refused before the body is read when too large; checked in a dry run, then
confirmed) and the pages of background jobs with their progress."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from xunzhi.intake.limits import MB, megabytes
from xunzhi.intake.services import ledger_template
from xunzhi.ledgers.selectors import KINDS
from xunzhi.ledgers.services import KIND_NAMES
from xunzhi.lib.errors import UserError
from xunzhi.web.forms import UploadForm
from xunzhi.web.jobs import job_create_import, job_dir, job_progress_apply
from xunzhi.web.models import Job, JobKind
from xunzhi.web.scope import can, get_scoped_or_404, require, user_scope
from xunzhi.web.views.common import XLSX, download_response, page_context, request_campaign

MAX_FILES = 20


class LimitedUploadHandler(FileUploadHandler):
    """First of the upload handlers: a file beyond the per-file limit is skipped as it streams
    in (never stored), and its name is noted so that the view refuses the whole upload."""

    def __init__(self, request: HttpRequest | None = None, *, max_file_bytes: int) -> None:
        super().__init__(request)
        self.max_file_bytes = max_file_bytes
        self.too_big: list[str] = []
        self._size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._size += len(raw_data)
        if self._size > self.max_file_bytes:
            self.too_big.append(self.file_name or "")
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size: int) -> None:
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
                files=[(f.name or "", f) for f in files],
                kind=form.cleaned_data["kind"],
                dry_run=True,
                campaign_code=request_campaign(request).code,
            )
        except UserError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("job", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return _upload_page(request, form, status=status)


def _upload_page(
    request: HttpRequest, form: Form, *, error: str = "", status: int = 200
) -> HttpResponse:
    recent = Job.objects.filter(kind=JobKind.IMPORT, user_id=request.user.pk or 0).order_by("-id")[
        :10
    ]
    ctx = page_context(
        request, form=form, recent=recent, nav="upload", limits=_limit_text(), refused=error
    )
    return render(request, "web/upload.html", ctx, status=status)


def _job(request: HttpRequest, pk: int) -> Job:
    return get_scoped_or_404(Job.objects.all(), request.user, pk=pk)


@login_required
def upload_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in KINDS:
        raise Http404("没有这种台账。")
    campaign = request_campaign(request)
    data = ledger_template(kind=kind, campaign=campaign, scope=user_scope(request.user))
    return download_response(data, f"{KIND_NAMES[kind]}模板.xlsx", XLSX)


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.kind == JobKind.REPORT and job.finished and job.result.get("version"):
        return redirect("report_preview", pk=job.result["version"])
    job = job_progress_apply(job)
    return render(request, "web/job.html", page_context(request, job=job, nav="upload"))


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
            campaign_code=job.params.get("campaign", ""),
        )
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("job", pk=job.pk)
    return redirect("job", pk=new.pk)


@login_required
def job_annotated(request: HttpRequest, pk: int, index: int) -> HttpResponseBase:
    job = _job(request, pk)
    items = job.result.get("annotated") or []
    if not 0 <= index < len(items):
        raise Http404("没有这个文件。")
    path = job_dir(job) / items[index]["path"]
    if not path.is_file():
        raise Http404("文件已不存在。")
    return FileResponse(path.open("rb"), as_attachment=True, filename=items[index]["name"])
