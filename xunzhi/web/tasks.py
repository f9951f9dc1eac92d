"""Background tasks (django-tasks): imports and report generation started from the web.

Each task is a thin wrapper around a service in :mod:`xunzhi.web.jobs`; the page polls the
:class:`~xunzhi.web.models.Job` row for progress.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from django_tasks import task

from xunzhi.audit.context import Via, audit_context
from xunzhi.web.models import Job


@task()
def import_task(job_id: int) -> None:
    from xunzhi.web.jobs import import_job_run  # jobs imports this module to enqueue: a cycle

    with _as_job_user(job_id):
        import_job_run(job_id=job_id)


@task()
def report_task(job_id: int) -> None:
    from xunzhi.web.jobs import report_job_run  # jobs imports this module to enqueue: a cycle

    with _as_job_user(job_id):
        report_job_run(job_id=job_id)


def _as_job_user(job_id: int) -> AbstractContextManager[Any]:
    """Audit entries written by the job name the user who started it, via 后台任务."""
    job = Job.objects.select_related("user").filter(pk=job_id).first()
    user = job.user if job is not None else None
    return audit_context(via=Via.TASK, actor=user, request=None, unit=None)
