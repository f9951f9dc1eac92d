"""Upload limits (per file, per request) refused before the body is stored, with a message
naming the limit; uploads removed once a job can no longer use them (issue 9, row 3)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.live import activities_book
from xunzhi.web.jobs import job_dir, job_files_sweep
from xunzhi.web.models import Job

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


@pytest.fixture
def small_limits(settings, tmp_path):
    settings.UPLOAD_MAX_FILE_MB = 1
    settings.UPLOAD_MAX_REQUEST_MB = 3
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # anything stored would land in TEMP_DIR
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return tmp_path / "incoming"


def _post(client, *files):
    return client.post(
        reverse("upload"),
        {"files": [SimpleUploadedFile(n, d) for n, d in files], "kind": ""},
    )


def test_a_request_over_the_limit_is_refused_unread(clients, small_limits):
    big = [(f"{i}.csv", b"x" * (MB - 10)) for i in range(4)]
    response = _post(clients["clerk"], *big)
    assert response.status_code == 413
    body = response.content.decode()
    assert "超过每次上传合计 3 MB 的上限" in body and "文件未保存" in body
    assert not Job.objects.exists() and not os.listdir(small_limits)


def test_a_file_over_the_limit_is_refused_and_not_stored(clients, small_limits):
    response = _post(clients["clerk"], ("好.csv", b"a,b\n1,2\n"), ("大.xlsx", b"PK" * MB))
    assert response.status_code == 413
    body = response.content.decode()
    assert "文件“大.xlsx”超过单个文件 1 MB 的上限" in body
    assert not Job.objects.exists() and not os.listdir(small_limits)
    page = clients["clerk"].get(reverse("upload")).content.decode()
    assert "单个文件不超过 1 MB，每次上传合计不超过 3 MB" in page


def test_uploads_are_removed_when_a_job_no_longer_needs_them(clients, county):
    clerk = clients["clerk"]
    good = activities_book(2, unit=county.branches[0].name)
    bad = activities_book(2, unit="不存在的组织")
    # a dry run with errors: its upload goes at once, the annotated workbook stays
    _post(clerk, ("错.xlsx", bad))
    failed = Job.objects.latest("id")
    assert not failed.result["ok"]
    assert sorted(p.name for p in job_dir(failed).iterdir()) == ["annotated-0.xlsx"]
    # a dry run that passed keeps its upload until confirmed; confirming moves it on
    _post(clerk, ("好.xlsx", good))
    checked = Job.objects.latest("id")
    assert checked.result["ok"] and len(list(job_dir(checked).iterdir())) == 1
    clerk.post(reverse("job_confirm", args=[checked.pk]))
    imported = Job.objects.latest("id")
    assert imported.status == "done" and imported.result["ok"]
    assert not list(job_dir(checked).iterdir()) and not list(job_dir(imported).iterdir())
    # confirming twice is refused, not a second import
    clerk.post(reverse("job_confirm", args=[checked.pk]))
    assert Job.objects.latest("id").pk == imported.pk
    # later sweeps: unconfirmed uploads after a day, annotated workbooks after a week
    _post(clerk, ("又一个.xlsx", activities_book(1, unit=county.branches[0].name, title="又")))
    waiting = Job.objects.latest("id")
    assert len(list(job_dir(waiting).iterdir())) == 1
    job_files_sweep(now=timezone.now() + dt.timedelta(hours=25))
    assert not list(job_dir(waiting).iterdir())
    assert job_dir(failed).joinpath("annotated-0.xlsx").is_file()
    job_files_sweep(now=timezone.now() + dt.timedelta(days=8))
    assert not job_dir(failed).exists()
    response = clerk.get(reverse("job_annotated", args=[failed.pk, 0]))
    assert response.status_code == 404
