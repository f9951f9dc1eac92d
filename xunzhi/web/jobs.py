"""Running background jobs: an import (dry run or for real) and a report generation.

The uploaded files are kept under ``DATA_DIR/uploads/<job id>/`` so that a dry run can be
confirmed without uploading again, and so that the annotated workbooks can be downloaded.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.text import get_valid_filename

from xunzhi.lib.errors import UserError, describe_exception
from xunzhi.web.models import Job, JobKind, JobStatus

log = logging.getLogger(__name__)


def job_dir(job: Job | int) -> Path:
    pk = job.pk if isinstance(job, Job) else job
    return Path(settings.DATA_DIR) / "uploads" / str(pk)


def job_create_import(
    *,
    user,
    scope,
    files: list[tuple[str, bytes]],
    kind: str = "",
    dry_run: bool = True,
    source_job: Job | None = None,
) -> Job:
    """A queued import job with its files stored on disk (or reused from ``source_job``)."""
    if not files and source_job is None:
        raise UserError("请选择要导入的文件。")
    job = Job.objects.create(
        kind=JobKind.IMPORT,
        user=user,
        scope=scope,
        params={"kind": kind, "dry_run": dry_run},
        message="排队中…",
    )
    folder = job_dir(job)
    folder.mkdir(parents=True, exist_ok=True)
    names = []
    if source_job is not None:
        for name in source_job.params.get("files", []):
            data = (job_dir(source_job) / name).read_bytes()
            (folder / name).write_bytes(data)
            names.append(name)
        job.params["source_job"] = source_job.pk
    else:
        for i, (name, data) in enumerate(files):
            safe = f"{i:02d}-{get_valid_filename(Path(name).name) or 'upload'}"
            (folder / safe).write_bytes(data)
            names.append(safe)
        job.params["original_names"] = [n for n, _ in files]
    job.params["files"] = names
    job.save(update_fields=["params"])
    return job


def _original_name(job: Job, stored: str) -> str:
    names = job.params.get("original_names") or []
    files = job.params.get("files") or []
    if stored in files and len(names) == len(files):
        return names[files.index(stored)]
    return stored[3:] if stored[:2].isdigit() and stored[2:3] == "-" else stored


class _Progress:
    """Progress callback for the import service.

    The numbers go to the shared file cache, never to the database: the import calls back from
    inside its own transaction (even in the middle of a PostgreSQL ``COPY`` on the same
    connection), where a write would either deadlock or stay invisible to the polling page
    until the end. At most four writes a second.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.last = 0.0

    def __call__(self, done: int = 0, total: int | None = None, *args: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        if now - self.last < 0.25 and not (total and done >= total):
            return
        self.last = now
        message = kwargs.get("message") or (args[0] if args and isinstance(args[0], str) else "")
        job_progress_set(self.job_id, done=int(done or 0), total=int(total or 0), message=message)


def _progress_key(job_id: int) -> str:
    return f"xz:job-progress:{job_id}"


def job_progress_set(job_id: int, *, done: int, total: int, message: str = "") -> None:
    from xunzhi.web.selectors import figure_cache

    figure_cache().set(_progress_key(job_id), (done, total, str(message)[:500]), 3600)


def job_progress_apply(job: Job) -> Job:
    """The job with the latest progress its worker reported (for a job still running)."""
    if job.finished:
        return job
    from xunzhi.web.selectors import figure_cache

    latest = figure_cache().get(_progress_key(job.pk))
    if latest is not None:
        job.done, total, message = latest
        job.total = total or job.total
        if message:
            job.message = message
    return job


def import_job_run(*, job_id: int) -> Job:
    """Run an import job: read its files, call the intake service, store the outcome."""
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.intake.services import ledger_import

    job = Job.objects.select_related("user", "scope").get(pk=job_id)
    Job.objects.filter(pk=job_id).update(status=JobStatus.RUNNING, message="正在读取文件…")
    folder = job_dir(job)
    try:
        files = [
            (_original_name(job, name), (folder / name).read_bytes())
            for name in job.params.get("files", [])
        ]
        result = ledger_import(
            files=files,
            campaign=campaign_get(),
            kind=job.params.get("kind") or None,
            user=job.user,
            scope=job.scope,
            dry_run=bool(job.params.get("dry_run", True)),
            progress=_Progress(job_id),
        )
        summary = _summarise(result, job)
        ok = bool(getattr(result, "ok", False))
        last = job_progress_apply(Job.objects.get(pk=job_id))
        Job.objects.filter(pk=job_id).update(
            done=last.done,
            total=last.total,
            status=JobStatus.DONE,
            result=summary,
            message=("检查通过" if ok else "发现错误")
            if job.params.get("dry_run")
            else ("导入完成" if ok else "导入失败，未写入任何数据"),
        )
    except UserError as exc:
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=str(exc))
    except Exception as exc:  # a job must end visibly, never hang at "running"
        log.exception("import job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, message=describe_exception(exc)
        )
    return Job.objects.get(pk=job_id)


def _summarise(result, job: Job) -> dict[str, Any]:
    """The parts of an ``ImportResult`` the page shows, as JSON; annotated books saved to disk."""
    folder = job_dir(job)
    sheets = []
    for s in getattr(result, "sheets", []) or []:
        sheets.append(
            {
                "file": str(getattr(s, "file_name", "") or getattr(s, "file", "")),
                "sheet": str(getattr(s, "sheet", "") or getattr(s, "sheet_name", "")),
                "kind": str(getattr(s, "kind", "")),
                "label": str(getattr(s, "label", "") or getattr(s, "kind", "")),
                "rows": int(getattr(s, "rows", 0) or 0),
                "added": int(getattr(s, "added", 0) or 0),
                "updated": int(getattr(s, "updated", 0) or 0),
                "unchanged": int(getattr(s, "unchanged", 0) or 0),
                "extra_columns": [str(c) for c in (getattr(s, "extra_columns", None) or [])],
            }
        )
    errors = [_issue(e) for e in (getattr(result, "errors", None) or [])]
    warnings = [_issue(w) for w in (getattr(result, "warnings", None) or [])]
    annotated = []
    for stored in job.params.get("files", []):
        name = _original_name(job, stored)
        try:
            data = result.annotated_workbook(name)
        except Exception:  # noqa: BLE001 - an annotation failure must not hide the result
            log.exception("annotated workbook for %s failed", name)
            data = None
        if data:
            out = folder / f"annotated-{len(annotated)}.xlsx"
            out.write_bytes(data)
            annotated.append({"name": f"{Path(name).stem}（批注）.xlsx", "path": out.name})
    return {
        "ok": bool(getattr(result, "ok", False)),
        "dry_run": bool(job.params.get("dry_run", True)),
        "sheets": sheets,
        "errors": errors[:500],
        "errors_total": len(errors),
        "warnings": warnings[:500],
        "warnings_total": len(warnings),
        "annotated": annotated,
    }


def _issue(issue) -> str:
    return str(getattr(issue, "message", None) or issue)


# --- reports -----------------------------------------------------------------------------


def report_job_run(*, job_id: int) -> Job:
    """Generate a report version for the evaluation named in the job."""
    job = Job.objects.select_related("user").get(pk=job_id)
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, message="正在计算数据…", total=3, done=1
    )
    try:
        from xunzhi.reports.models import Evaluation
        from xunzhi.reports.services import report_generate

        evaluation = Evaluation.objects.get(pk=job.params["evaluation"])
        formats = tuple(job.params.get("formats") or ("docx",))
        version = report_generate(
            evaluation=evaluation, formats=formats, check_sheet=True, user=job.user
        )
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.DONE, done=3, message="报告已生成", result={"version": version.pk}
        )
    except UserError as exc:
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=str(exc))
    except Exception as exc:
        log.exception("report job %s failed", job_id)
        Job.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, message=describe_exception(exc)
        )
    return Job.objects.get(pk=job_id)
