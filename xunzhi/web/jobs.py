"""Running background jobs: an import (dry run or for real) and a report generation.

Every job runs in a forked child process (:mod:`xunzhi.lib.sandbox`) with a time limit, and an
import with a memory ceiling: whatever a file does to the reader, the worker survives and the
job ends 失败 with a reason in Chinese. The worker records its host and process id on the job,
so that a job left 进行中 by a worker that died is failed when the worker starts again
(:func:`jobs_recover`).

The uploaded files are kept under ``DATA_DIR/uploads/<job id>/`` so that a dry run can be
confirmed without uploading again (confirming moves them to the new job) and so that the
annotated workbooks can be downloaded. Once a job can no longer be confirmed its uploads are
removed; unconfirmed uploads after ``UPLOAD_KEEP_HOURS`` and annotated workbooks after
``ANNOTATED_KEEP_DAYS`` (:func:`job_files_sweep`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django_tasks_db.models import DBTaskResult

from xunzhi.campaigns.selectors import campaign_get
from xunzhi.intake.services import ledger_import
from xunzhi.lib.errors import UserError, describe_exception
from xunzhi.lib.sandbox import pid_alive, run_in_child
from xunzhi.organisations.models import Org
from xunzhi.reports.models import Evaluation
from xunzhi.reports.services import report_generate
from xunzhi.web.models import Job, JobKind, JobStatus
from xunzhi.web.selectors import figure_cache
from xunzhi.web.tasks import import_task, report_task

log = logging.getLogger(__name__)


def job_dir(job: Job | int) -> Path:
    pk = job.pk if isinstance(job, Job) else job
    return Path(settings.DATA_DIR) / "uploads" / str(pk)


#: The longest stored file name, in bytes (file systems allow 255; room for the prefix).
STORED_NAME_BYTES = 120
ANNOTATED_PREFIX = "annotated-"


def stored_name(index: int, name: str) -> str:
    """A safe, bounded file name for the ``index``-th upload (the original is kept in params)."""
    base = Path(name.replace("\\", "/")).name
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = get_valid_filename(suffix)[:10] if suffix else ""
    safe = get_valid_filename(stem) if stem.strip() else ""
    safe = safe or "upload"
    while len(safe.encode("utf-8")) > STORED_NAME_BYTES:
        safe = safe[:-1]
    return f"{index:02d}-{safe}" + (f".{suffix}" if suffix else "")


def job_create_import(
    *,
    user: Any,
    scope: Org,
    files: list[tuple[str, Any]],
    kind: str = "",
    dry_run: bool = True,
    source_job: Job | None = None,
    campaign_code: str = "",
) -> Job:
    """A queued import job with its files stored on disk (or moved from ``source_job``).

    ``files`` holds (name, bytes or an uploaded file). Nothing half-made is left behind: the
    job row and its folder exist together or not at all.
    """
    if not files and source_job is None:
        raise UserError("请选择要导入的文件。")
    if source_job is not None:
        missing = [
            n for n in source_job.params.get("files", []) if not (job_dir(source_job) / n).is_file()
        ]
        if missing or not source_job.params.get("files"):
            raise UserError("上传的文件已过期清理或已导入，请重新上传后再检查。")
    folder: Path | None = None
    try:
        with transaction.atomic():
            job = Job.objects.create(
                kind=JobKind.IMPORT,
                user=user,
                scope=scope,
                params={"kind": kind, "dry_run": dry_run, "campaign": campaign_code},
                message="排队中…",
            )
            folder = job_dir(job)
            folder.mkdir(parents=True, exist_ok=True)
            names = []
            if source_job is not None:
                for name in source_job.params.get("files", []):
                    (job_dir(source_job) / name).replace(folder / name)
                    names.append(name)
                job.params["source_job"] = source_job.pk
                job.params["original_names"] = source_job.params.get("original_names", [])
            else:
                for i, (name, data) in enumerate(files):
                    safe = stored_name(i, str(name))
                    with (folder / safe).open("wb") as out:
                        if hasattr(data, "chunks"):
                            for chunk in data.chunks():
                                out.write(chunk)
                        else:
                            out.write(data)
                    names.append(safe)
                job.params["original_names"] = [str(n)[:255] for n, _ in files]
            job.params["files"] = names
            job.save(update_fields=["params"])
            _enqueue(job.pk)  # in the same transaction: a job row always has its task
    except BaseException:
        if folder is not None and source_job is None:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


def job_create_report(
    *, user: Any, unit: Org, evaluation_id: int, formats: list[str], annex: bool = False
) -> Job:
    """A queued report job for an evaluation (``annex``: with the 评估打分表 as 附件); the row and
    its task exist together or not at all."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=JobKind.REPORT,
            user=user,
            scope=unit,
            params={"evaluation": evaluation_id, "formats": formats, "annex": annex},
            message="排队中…",
            total=3,
        )
        report_task.enqueue(job.pk)
    return job


def _enqueue(job_id: int) -> None:
    import_task.enqueue(job_id)


def _original_name(job: Job, stored: str) -> str:
    names = job.params.get("original_names") or []
    files = job.params.get("files") or []
    if stored in files and len(names) == len(files):
        return str(names[files.index(stored)])
    return stored[3:] if stored[:2].isdigit() and stored[2:3] == "-" else stored


class _Progress:
    """Progress callback for the import service.

    The numbers go to the shared file cache, never to the database: the import calls back from
    inside its own transaction (even in the middle of a PostgreSQL ``COPY`` on the same
    connection), where a write would either deadlock or stay invisible to the polling page
    until the end. At most four writes a second.
    """

    def __init__(self, job_id: int) -> None:
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
    figure_cache().set(_progress_key(job_id), (done, total, str(message)[:500]), 3600)


def job_progress_apply(job: Job) -> Job:
    """The job with the latest progress its worker reported (for a job still running)."""
    if job.finished:
        return job
    latest = figure_cache().get(_progress_key(job.pk))
    if latest is not None:
        job.done, total, message = latest
        job.total = total or job.total
        if message:
            job.message = message
    return job


# --- running ---------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> Job:
    """Run an import job (isolated, with the memory ceiling) and store its outcome."""
    return _job_execute(job_id, _import_body, memory_mb=settings.JOB_MEMORY_MB)


def report_job_run(*, job_id: int) -> Job:
    """Generate the report version named in the job (isolated; LibreOffice may need memory)."""
    return _job_execute(job_id, _report_body, memory_mb=None)


def _job_update(job_id: int, **fields: Any) -> None:
    """Update a job row, waiting out a busy database (the worker must not die of it)."""
    for attempt in range(8):
        try:
            Job.objects.filter(pk=job_id).update(**fields)
            return
        except OperationalError:
            if attempt == 7:
                raise
            time.sleep(0.5 * (attempt + 1))


def _job_fail(job_id: int, message: str) -> None:
    _job_update(job_id, status=JobStatus.FAILED, message=message)


def worker_identity() -> dict[str, Any]:
    return {"host": socket.gethostname(), "pid": os.getpid()}


def _job_execute(job_id: int, body: Callable[[int], None], *, memory_mb: int | None) -> Job:
    job = Job.objects.get(pk=job_id)
    if job.finished:
        return job
    params = dict(job.params, worker=worker_identity())
    _job_update(job_id, status=JobStatus.RUNNING, message="正在读取文件…", params=params)
    if settings.JOB_ISOLATION:
        timeout = settings.JOB_TIMEOUT_SECONDS

        def started(pid: int) -> None:
            _job_update(job_id, params=dict(params, worker=dict(params["worker"], child=pid)))

        outcome = run_in_child(
            partial(_body_guarded, body, job_id),
            memory_mb=memory_mb,
            timeout=timeout,
            started=started,
        )
        if not outcome.ok:
            log.error("job %s: child process ended with %s", job_id, outcome)
            reason = outcome.reason(memory_mb=memory_mb, timeout=timeout)
            _job_update_if_unfinished(job_id, reason)
    else:
        _body_guarded(body, job_id)
    job = Job.objects.get(pk=job_id)
    job_files_release(job)
    return job


def _job_update_if_unfinished(job_id: int, reason: str) -> None:
    for attempt in range(8):
        try:
            Job.objects.filter(pk=job_id).exclude(
                status__in=(JobStatus.DONE, JobStatus.FAILED)
            ).update(status=JobStatus.FAILED, message=reason)
            return
        except OperationalError:
            if attempt == 7:
                raise
            time.sleep(0.5 * (attempt + 1))


def _body_guarded(body: Callable[[int], None], job_id: int) -> None:
    """Run a job's body; whatever it raises ends the job 失败 with a Chinese reason."""
    try:
        body(job_id)
    except UserError as exc:
        _job_fail(job_id, str(exc))
    except MemoryError:
        log.exception("job %s ran out of memory", job_id)
        _job_fail(
            job_id,
            f"处理时内存超过上限（{settings.JOB_MEMORY_MB} MB），任务已停止，未写入任何数据。"
            "请拆分文件后分批导入。",
        )
    except OperationalError as exc:
        log.exception("job %s: database error", job_id)
        busy = "locked" in str(exc).lower() or "busy" in str(exc).lower()
        _job_fail(
            job_id,
            "数据库正忙（其他用户正在写入），任务未完成，未写入任何数据。请稍后重试。"
            if busy
            else describe_exception(exc),
        )
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a job must end visibly, never hang at "running"
        log.exception("job %s failed", job_id)
        _job_fail(job_id, describe_exception(exc))


def _import_body(job_id: int) -> None:
    """Read the job's files, call the intake service, store the outcome."""

    job = Job.objects.select_related("user", "scope").get(pk=job_id)
    folder = job_dir(job)
    files = []
    for name in job.params.get("files", []):
        path = folder / name
        if not path.is_file():
            raise UserError("上传的文件已过期清理，请重新上传。")
        files.append((_original_name(job, name), path.read_bytes()))
    result = ledger_import(
        files=files,
        campaign=campaign_get(job.params.get("campaign") or None),
        kind=job.params.get("kind") or None,
        user=job.user,
        scope=job.scope,
        dry_run=bool(job.params.get("dry_run", True)),
        progress=_Progress(job_id),
    )
    summary = _summarise(result, job)
    ok = bool(getattr(result, "ok", False))
    last = job_progress_apply(Job.objects.get(pk=job_id))
    _job_update(
        job_id,
        done=last.done,
        total=last.total,
        status=JobStatus.DONE,
        result=summary,
        message=("检查通过" if ok else "发现错误")
        if job.params.get("dry_run")
        else ("导入完成" if ok else "导入失败，未写入任何数据"),
    )


def _summarise(result: Any, job: Job) -> dict[str, Any]:
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
    annotated: list[dict[str, str]] = []
    for stored in job.params.get("files", []):
        name = _original_name(job, stored)
        try:
            data = result.annotated_workbook(name)
        except Exception:  # noqa: BLE001 - an annotation failure must not hide the result
            log.exception("annotated workbook for %s failed", name)
            data = None
        if data:
            out = folder / f"{ANNOTATED_PREFIX}{len(annotated)}.xlsx"
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


def _issue(issue: object) -> str:
    return str(getattr(issue, "message", None) or issue)


# --- reports -----------------------------------------------------------------------------


def _report_body(job_id: int) -> None:

    job = Job.objects.select_related("user").get(pk=job_id)
    _job_update(job_id, message="正在计算数据…", total=3, done=1)
    evaluation = Evaluation.objects.filter(pk=job.params.get("evaluation")).first()
    if evaluation is None:
        raise UserError("该评估设置已不存在，无法生成报告。")
    formats = tuple(job.params.get("formats") or ("docx",))
    version = report_generate(
        evaluation=evaluation,
        formats=formats,
        check_sheet=True,
        user=job.user,
        annex=bool(job.params.get("annex")),
    )
    _job_update(
        job_id, status=JobStatus.DONE, done=3, message="报告已生成", result={"version": version.pk}
    )


# --- recovery and clean-up --------------------------------------------------------------

WORKER_DIED = "后台任务进程意外终止，任务未完成，未写入任何数据。请重新提交。"


def jobs_recover() -> int:
    """Fail the jobs a dead worker left 进行中 (and their task rows); returns how many.

    A job belongs to the worker (host and process id) that started it; it is failed when that
    worker no longer runs on this machine. A child process it may have left is killed first.
    """
    host = socket.gethostname()
    failed = 0
    for job in Job.objects.filter(status=JobStatus.RUNNING):
        worker = job.params.get("worker") or {}
        if worker.get("host") not in (None, host):
            continue  # another machine's worker: it answers for its own jobs
        if worker.get("pid") and pid_alive(int(worker["pid"])):
            continue
        child = worker.get("child")
        if child and pid_alive(int(child)):
            with contextlib.suppress(OSError):
                os.kill(int(child), signal.SIGKILL)
        _job_update_if_unfinished(job.pk, WORKER_DIED)
        job_files_release(Job.objects.get(pk=job.pk))
        failed += 1
    for task in DBTaskResult.objects.running():
        ids = task.worker_ids or []
        owner = ids[-1] if ids else ""
        owner_host, _, owner_pid = owner.rpartition(":")
        if owner_host != host or not owner_pid.isdigit() or pid_alive(int(owner_pid)):
            continue
        DBTaskResult.objects.filter(pk=task.pk, status=task.status).update(
            status="FAILED",
            finished_at=timezone.now(),
            exception_class_path="xunzhi.web.jobs.WorkerDied",
            traceback=WORKER_DIED,
        )
    return failed


def job_files_release(job: Job) -> None:
    """Remove a finished job's uploads unless a dry run that passed may still be confirmed;
    annotated workbooks stay (until :func:`job_files_sweep`)."""
    if job.kind != JobKind.IMPORT or not job.finished:
        return
    confirmable = (
        job.status == JobStatus.DONE and job.params.get("dry_run") and job.result.get("ok")
    )
    if confirmable:
        return
    _remove_uploads(job_dir(job))


def _remove_uploads(folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if not path.name.startswith(ANNOTATED_PREFIX):
            path.unlink(missing_ok=True)


def job_files_sweep(*, now: dt.datetime | None = None) -> int:
    """Remove expired files: unconfirmed uploads after ``UPLOAD_KEEP_HOURS``, annotated
    workbooks after ``ANNOTATED_KEEP_DAYS``, folders of deleted jobs. Returns folders touched."""
    now = now or timezone.now()
    root = Path(settings.DATA_DIR) / "uploads"
    if not root.is_dir():
        return 0
    uploads_before = now - dt.timedelta(hours=settings.UPLOAD_KEEP_HOURS)
    annotated_before = now - dt.timedelta(days=settings.ANNOTATED_KEEP_DAYS)
    touched = 0
    for folder in root.iterdir():
        if not folder.is_dir() or not folder.name.isdigit():
            continue
        job = Job.objects.filter(pk=int(folder.name)).first()
        if job is None or (job.finished and job.updated_at < annotated_before):
            shutil.rmtree(folder, ignore_errors=True)
            touched += 1
        elif (
            job.finished
            and job.updated_at < uploads_before
            and any(not p.name.startswith(ANNOTATED_PREFIX) for p in folder.iterdir())
        ):
            _remove_uploads(folder)
            touched += 1
    return touched
