"""The loop through the web: who sees which form, who may take which step, scope refusals
(404 for a record outside the scope, 403 for a step the role may not take), the attention
lists on the dashboards, the 督导档案 and the 整改台账 download."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.supervision.conftest import PDF, docx_bytes, upload
from xunzhi.ledgers.models import Problem
from xunzhi.supervision.models import RectificationFile, State
from xunzhi.supervision.services import finding_record


@pytest.fixture
def finding(visit, county):
    return finding_record(
        visit=visit,
        description="支部学习记录不全",
        deadline=dt.date(2021, 7, 31),
        scope=county.county,
    )


def _url(name: str, *args) -> str:
    return reverse(f"supervision:{name}", args=args)


def _follow_messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_inspector_records_a_finding_on_the_visit_page(clients, visit, county):
    page = clients["inspector"].get(_url("visit", visit.pk))
    assert page.status_code == 200 and "xz-finding-form" in page.text
    response = clients["inspector"].post(
        _url("visit", visit.pk),
        {"description": "未按要求开展专题组织生活会", "deadline": "2021-08-31", "category": ""},
        follow=True,
    )
    assert "已记录督导发现的问题" in _follow_messages(response)
    problem = Problem.objects.get(visit=visit)
    assert problem.org == county.townships[0] and problem.rectification.state == State.PENDING
    assert "xz-finding-form" not in clients["clerk"].get(_url("visit", visit.pk)).text
    assert clients["clerk"].post(_url("visit", visit.pk), {"description": "x"}).status_code == 403
    assert clients["clerk2"].get(_url("visit", visit.pk)).status_code == 404


def test_clerk_submits_with_a_file_and_the_inspector_returns_then_closes(clients, finding):
    clerk, inspector = clients["clerk"], clients["inspector"]
    report = docx_bytes()
    page = clerk.get(_url("problem", finding.pk))
    assert "xz-submit-form" in page.text and "xz-close-form" not in page.text
    response = clerk.post(
        _url("submit", finding.pk),
        {"text": "已补齐学习记录", "version": "1", "files": [upload("整改报告.docx", report)]},
        follow=True,
    )
    assert "整改情况已提交" in _follow_messages(response)
    (record,) = RectificationFile.objects.filter(step__problem=finding)
    download = clerk.get(_url("file", record.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == report
    assert download["Content-Disposition"].startswith("attachment")
    assert clients["clerk2"].get(_url("file", record.pk)).status_code == 404
    # the clerk cannot close its own rectification
    assert clerk.post(_url("close", finding.pk), {"close-version": "2"}).status_code == 403
    page = inspector.get(_url("problem", finding.pk))
    assert "xz-close-form" in page.text and "xz-submit-form" not in page.text
    response = inspector.post(
        _url("return", finding.pk), {"return-version": "2", "return-reason": ""}, follow=True
    )
    assert "退回理由" in _follow_messages(response)
    response = inspector.post(
        _url("return", finding.pk),
        {"return-version": "2", "return-reason": "缺少照片"},
        follow=True,
    )
    assert "已退回" in _follow_messages(response)
    assert "缺少照片" in clerk.get(_url("attention")).text  # the unit's attention list
    response = clerk.post(
        _url("submit", finding.pk),
        {"text": "补充照片", "version": "3", "files": [upload("照片.pdf", PDF)]},
        follow=True,
    )
    assert "整改情况已提交" in _follow_messages(response)
    # a stale form is refused with the versions named
    response = inspector.post(_url("close", finding.pk), {"close-version": "3"}, follow=True)
    assert "已被其他用户改变" in _follow_messages(response)
    response = inspector.post(_url("close", finding.pk), {"close-version": "4"}, follow=True)
    assert "已销号" in _follow_messages(response)
    page = clerk.get(_url("problem", finding.pk)).text
    assert page.count("list-group-item") == 5 and "xz-submit-form" not in page


def test_a_foreign_clerk_gets_404_and_changes_nothing(clients, finding):
    other = clients["clerk2"]
    assert other.get(_url("problem", finding.pk)).status_code == 404
    response = other.post(_url("submit", finding.pk), {"text": "代交", "version": "1"})
    assert response.status_code == 404
    assert Problem.objects.get(pk=finding.pk).rectification.state == State.PENDING


def test_a_refused_file_is_named_in_the_message(clients, finding, settings):
    settings.RECTIFICATION_MAX_FILE_MB = 1
    response = clients["clerk"].post(
        _url("submit", finding.pk),
        {"text": "已整改", "version": "1", "files": [upload("大文件.pdf", PDF + b"0" * 1100000)]},
        follow=True,
    )
    assert "附件“大文件.pdf”" in _follow_messages(response)
    assert "1 MB 的上限" in _follow_messages(response)
    response = clients["clerk"].post(
        _url("submit", finding.pk),
        {"text": "已整改", "version": "1", "files": [upload("脚本.pdf", b"#!/bin/sh\nrm -rf /\n")]},
        follow=True,
    )
    assert "不是允许的文件类型" in _follow_messages(response)
    assert not RectificationFile.objects.exists()


def test_attention_lists_on_both_dashboards(clients, records, finding):
    # east_problem (deadline 2021-05-01, 未整改) is overdue on the campaign's last day
    dashboard = clients["clerk"].get(reverse("dashboard")).text
    assert 'id="xz-attention-slot"' in dashboard  # filled by htmx (the browser test sees it)
    east = clients["clerk"].get(_url("attention")).text
    assert "超期未整改" in east and "东镇学习不深" in east and "西镇台账不全" not in east
    group = clients["inspector"].get(_url("attention")).text
    assert "东镇学习不深" in group and "西镇台账不全" in group and "支部学习记录不全" in group


def test_attention_of_a_unit_outside_the_scope_is_404(clients, county):
    other = county.townships[1].code
    assert clients["clerk"].get(_url("attention") + f"?unit={other}").status_code == 404


def test_index_filters_and_archive(clients, records, finding, visit, county):
    def table(query: str) -> str:
        page = clients["inspector"].get(_url("index") + query).text
        return page.split('id="xz-problems"')[1].split("</table>")[0]

    assert "支部学习记录不全" in table("?state=待整改")
    assert "支部学习记录不全" not in table("?state=已销号")
    overdue = table("?state=超期")
    assert "东镇学习不深" in overdue and "西镇台账不全" in overdue
    assert "支部学习记录不全" in overdue  # deadline 2021-07-31, before the campaign's end
    archive = clients["clerk"].get(_url("archive")).text
    assert "督导档案" in archive and visit.group_name in archive and "支部学习记录不全" in archive
    assert (
        clients["clerk"].get(_url("archive") + f"?unit={county.townships[1].code}").status_code
        == 404
    )


def test_ledger_download(clients, records, finding, county):
    response = clients["clerk"].get(_url("ledger"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][0] == "问题"
    assert {r[0] for r in rows[2:]} == {"东镇学习不深", "支部学习记录不全"}


def test_an_oversized_request_is_refused_unread_and_csrf_still_checked(
    clients, people, finding, settings
):
    settings.RECTIFICATION_MAX_FILE_MB = 1
    settings.RECTIFICATION_MAX_FILES = 1
    response = clients["clerk"].post(
        _url("submit", finding.pk),
        {"text": "已整改", "version": "1", "files": [upload("a.pdf", PDF + b"0" * 2_500_000)]},
    )
    assert response.status_code == 413 and "超过了上限" in response.content.decode()
    assert not RectificationFile.objects.exists()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["clerk"])
    response = strict.post(_url("submit", finding.pk), {"text": "已整改", "version": "1"})
    assert response.status_code == 403
    assert Problem.objects.get(pk=finding.pk).rectification.state == State.PENDING


def test_the_admin_shows_the_records_read_only(admin_client, finding):
    for model in ("rectification", "problemstep"):
        response = admin_client.get(f"/admin/supervision/{model}/")
        assert response.status_code == 200 and "支部学习记录不全" in response.text
    rect = finding.rectification
    response = admin_client.post(f"/admin/supervision/rectification/{rect.pk}/change/", {})
    assert response.status_code == 403
    assert admin_client.get("/admin/supervision/rectification/add/").status_code == 403
