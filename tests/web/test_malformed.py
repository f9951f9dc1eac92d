"""Malformed input gets a 4xx and a Chinese message, and leaves nothing half-made (issue 9,
row 10): non-integer ids, overlong names, bad dates and junk in query strings and forms."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.live import activities_book
from tests.web.test_ledgers import _activity_post
from xunzhi.intake.services import ledger_import
from xunzhi.ledgers.models import Activity
from xunzhi.web.models import Job

pytestmark = pytest.mark.django_db


def test_report_for_a_malformed_unit_is_a_404_with_a_message(clients, county):
    for unit in ("abc", "1.5", "-3", "９", "", "1" * 40):
        response = clients["inspector"].post(reverse("reports"), {"unit": unit})
        assert response.status_code == 404, unit
        assert "组织" in response.content.decode()
    assert not Job.objects.exists()


def test_a_300_character_file_name_is_imported_not_stuck(clients, county):
    name = "很长的文件名" * 50 + ".xlsx"
    data = activities_book(2, unit=county.branches[0].name)
    response = clients["clerk"].post(
        reverse("upload"), {"files": [SimpleUploadedFile(name, data)], "kind": ""}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == "done" and job.result["ok"], job.message
    (original,) = job.params["original_names"]  # as Django hands it over (255 at most)
    assert original.startswith("很长的文件名很长") and original.endswith(".xlsx")
    (stored,) = job.params["files"]
    assert len(stored.encode()) < 140 and stored.endswith(".xlsx")
    assert job.result["sheets"][0]["file"] == original


@pytest.mark.parametrize(
    "url",
    [
        "/ledgers/activities/?until=2021-13-45&page=abc&order=%27;drop",
        "/ledgers/activities/?page=99999999999999999999",
        "/ledgers/problems/?overdue=1&until=x",
        "/figures/F02/?until=not-a-date",
        "/reports/?unit=" + "x" * 300,
        "/rules/R01/?unit=abc",
        "/values/?period=2021-99&status=%00",
        "/values/T11/2099-99/",
        "/values/" + "x" * 300 + "/2021-06/",
        "/jobs/999999999/",
        "/orgs/?unit=%00",
        "/ledgers/nosuchkind/",
        "/ledgers/activities/?q=%00&type=%00&period=%00",
        "/ledgers/activities/?unit=T11%00",
    ],
)
def test_junk_in_query_strings_is_never_a_500(clients, county, url):
    response = clients["office"].get(url)
    assert response.status_code in (200, 302, 400, 404), (url, response.status_code)


def test_overlong_form_fields_are_refused_in_chinese(clients, records):
    row = records["east_activity"]
    url = reverse("ledger_edit", args=["activities", row.pk])
    response = clients["clerk"].post(url, _activity_post(row, title="长" * 500))
    assert response.status_code == 200
    assert "最多" in response.content.decode() or "确保" in response.content.decode()
    assert Activity.objects.get(pk=row.pk).title == row.title
    response = clients["clerk"].post(
        reverse("ledger_delete", args=["activities", row.pk]), {"version": "abc"}
    )
    assert response.status_code in (302, 400)
    assert Activity.objects.filter(pk=row.pk).exists()


def test_an_overlong_cell_is_an_error_naming_it(county):
    title = "长" * 300
    csv = f"日期,组织,类型,标题,参加人数\n2021-06-01,{county.branches[0].code},主题党日,{title},3\n"
    result = ledger_import(files=[("长.csv", csv.encode())], campaign=county.campaign)
    (error,) = result.errors
    assert error.row == 2 and error.column == "标题" and "最多 200 个字符" in error.reason
    assert not Activity.objects.exists()
