"""Upload: dry run with rows, warnings and errors, annotated workbook, confirm, scope."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.web.messy import messy_activities
from xunzhi.ledgers.models import Activity
from xunzhi.web.models import Job

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes, name="东镇台账.xlsx", kind=""):
    return client.post(
        reverse("upload"),
        {"files": [SimpleUploadedFile(name, data)], "kind": kind},
    )


def test_dry_run_then_confirm(clients, county):
    town, branch = county.townships[0], county.branches[0]
    data = messy_activities(town=town.name, branch=branch.name)
    response = _upload(clients["clerk"], data)
    assert response.status_code == 302
    job = Job.objects.latest("id")
    assert job.status == "done", job.message
    assert job.result["ok"] and job.result["dry_run"]
    assert sum(s["rows"] for s in job.result["sheets"]) == 3
    assert not Activity.objects.filter(
        title__startswith="网页导入"
    ).exists()  # a dry run writes nothing
    page = clients["clerk"].get(reverse("job", args=[job.pk])).content.decode()
    assert "检查通过" in page and "确认导入" in page
    confirm = clients["clerk"].post(reverse("job_confirm", args=[job.pk]))
    assert confirm.status_code == 302
    done = Job.objects.latest("id")
    assert done.pk != job.pk and done.result["ok"] and not done.result["dry_run"]
    rows = Activity.objects.filter(title__startswith="网页导入")
    assert rows.count() == 3
    assert set(rows.values_list("org_id", flat=True)) == {branch.pk}
    assert rows.get(type="主题党日").participants == 30
    # the new records are found in the list
    body = (
        clients["clerk"]
        .get(reverse("ledger_list", args=["activities"]), {"q": "网页导入"})
        .content.decode()
    )
    assert "网页导入宣讲" in body
    # re-importing the same file does not duplicate anything
    _upload(clients["clerk"], data)
    clients["clerk"].post(reverse("job_confirm", args=[Job.objects.latest("id").pk]))
    assert Activity.objects.filter(title__startswith="网页导入").count() == 3


def test_errors_annotated_workbook_and_no_confirm(clients, county):
    data = messy_activities(town="测试东镇", branch=county.branches[0].name, bad_date=True)
    _upload(clients["clerk"], data)
    job = Job.objects.latest("id")
    assert job.status == "done" and not job.result["ok"]
    assert job.result["errors"]
    page = clients["clerk"].get(reverse("job", args=[job.pk])).content.decode()
    assert "六月某日" in page or "第6行" in page
    assert "确认导入" not in page
    annotated = clients["clerk"].get(reverse("job_annotated", args=[job.pk, 0]))
    assert annotated.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))
    assert wb["活动"]["B6"].comment is not None  # the faulty date cell is annotated
    response = clients["clerk"].post(reverse("job_confirm", args=[job.pk]))
    assert response.status_code == 302
    assert Job.objects.latest("id").pk == job.pk  # nothing started
    assert not Activity.objects.filter(title__startswith="网页导入").exists()


def test_clerk_cannot_import_into_another_township(clients, county):
    west_branch = county.branches[2]
    data = messy_activities(town="测试西镇", branch=west_branch.name)
    _upload(clients["clerk"], data)
    job = Job.objects.latest("id")
    assert not job.result["ok"]
    assert not Activity.objects.filter(org=west_branch, title__startswith="网页导入").exists()


def test_other_clerk_cannot_see_or_confirm_the_job(clients, county):
    data = messy_activities(town="测试东镇", branch=county.branches[0].name)
    _upload(clients["clerk"], data)
    job = Job.objects.latest("id")
    assert clients["clerk2"].get(reverse("job", args=[job.pk])).status_code == 404
    assert clients["clerk2"].post(reverse("job_confirm", args=[job.pk])).status_code == 404
    assert clients["clerk2"].get(reverse("job_annotated", args=[job.pk, 0])).status_code == 404


def test_templates_download(clients):
    response = clients["clerk"].get(reverse("upload_template", args=["activities"]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    headers = [c.value for c in next(wb.worksheets[0].iter_rows(max_row=5))]
    assert any(h and "日期" in str(h) for h in headers) or wb.worksheets[0].max_row > 1


@pytest.mark.parametrize("role", ["office", "clerk", "viewer"])
def test_export_is_the_filtered_scoped_set(clients, county, records, role):
    response = clients[role].get(
        reverse("ledger_export", args=["activities"]), {"type": "主题党日"}
    )
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert "东镇主题党日" in text
    assert "西镇专题研讨" not in text  # filtered out by type
    # out-of-scope unit in an export URL
    west = county.townships[1]
    response = clients[role].get(reverse("ledger_export", args=["activities"]), {"unit": west.code})
    assert response.status_code == (404 if role == "clerk" else 200)


def test_clerk_export_never_contains_other_township(clients, records):
    response = clients["clerk"].get(reverse("ledger_export", args=["activities"]))
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert "东镇主题党日" in text and "西镇" not in text


def test_background_job_progress_fragment(clients, county, settings):
    """With a real queue the page polls the job; the fragment asks htmx to reload when done."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from xunzhi.web.jobs import import_job_run

    data = messy_activities(town="测试东镇", branch=county.branches[0].name)
    _upload(clients["clerk"], data)
    job = Job.objects.latest("id")
    assert job.status == "queued"
    fragment = clients["clerk"].get(reverse("job_progress", args=[job.pk]))
    assert 'hx-trigger="every' in fragment.content.decode()
    assert "HX-Refresh" not in fragment
    progress = []
    from xunzhi.web import jobs

    original = jobs._Progress.__call__

    def spy(self, done=0, total=None, *a, **k):
        progress.append((done, total))
        return original(self, done, total, *a, **k)

    jobs._Progress.__call__ = spy
    try:
        import_job_run(job_id=job.pk)
    finally:
        jobs._Progress.__call__ = original
    assert progress  # the import service reported its progress
    job.refresh_from_db()
    assert job.status == "done" and job.total == progress[-1][1] and job.percent == 100
    fragment = clients["clerk"].get(reverse("job_progress", args=[job.pk]))
    assert fragment["HX-Refresh"] == "true"
    assert "hx-trigger" not in fragment.content.decode()


def test_progress_reported_mid_import_reaches_the_polling_page(clients, county):
    """Progress goes through the shared cache, not the importer's own (busy) connection."""
    from xunzhi.web.jobs import _Progress

    job = Job.objects.create(kind="import", user=None, scope=county.townships[0], total=0)
    _Progress(job.pk)(40, 100)
    fragment = clients["clerk"].get(reverse("job_progress", args=[job.pk])).content.decode()
    assert "40/100" in fragment and 'aria-valuenow="40"' in fragment
    job.refresh_from_db()
    assert job.done == 0  # the row itself was not written from inside the import
