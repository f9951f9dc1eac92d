"""Background tasks (django-tasks): imports and report generation started from the web.

Each task is a thin wrapper around a service in :mod:`xunzhi.web.jobs`; the page polls the
:class:`~xunzhi.web.models.Job` row for progress.
"""

from __future__ import annotations

from django_tasks import task


@task()
def import_task(job_id: int) -> None:
    from xunzhi.web.jobs import import_job_run

    import_job_run(job_id=job_id)


@task()
def report_task(job_id: int) -> None:
    from xunzhi.web.jobs import report_job_run

    report_job_run(job_id=job_id)
