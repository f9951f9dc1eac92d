"""Report page: generate in the background, preview with figure links, downloads, versions, scope."""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse

from xunzhi.reports.models import ReportVersion
from xunzhi.web.models import Job

pytestmark = pytest.mark.django_db


def _generate(client, unit, **extra):
    data = {"unit": unit.pk, "until": "2021-06-30", "group_number": "第三", "city": "某某"}
    data.update(extra)
    return client.post(reverse("reports"), data)


def test_generate_preview_download(clients, county, records):
    response = _generate(clients["inspector"], county.county)
    assert response.status_code == 302
    job = Job.objects.latest("id")
    assert job.status == "done", job.message
    version = ReportVersion.objects.get(pk=job.result["version"])
    # the job page forwards to the preview
    assert clients["inspector"].get(reverse("job", args=[job.pk]))["Location"] == reverse(
        "report_preview", args=[version.pk]
    )
    page = clients["inspector"].get(reverse("report_preview", args=[version.pk])).content.decode()
    assert "评估报告" in page
    links = re.findall(r'<a class="figure" data-figure="(F\d+)" href="([^"]+)"', page)
    assert links, "every printed figure links to its page"
    code, href = links[0]
    fig = clients["inspector"].get(href.replace("&amp;", "&"))
    assert fig.status_code == 200
    body = fig.content.decode()
    assert code in body and "定义" in body and "来源记录" in body
    docx = clients["inspector"].get(reverse("report_download", args=[version.pk, "docx"]))
    assert docx.status_code == 200
    content = b"".join(docx.streaming_content)
    assert content[:2] == b"PK"
    import docx as python_docx

    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(content)).paragraphs)
    assert "第三巡回指导组" in text
    sheet = clients["inspector"].get(reverse("report_download", args=[version.pk, "xlsx"]))
    assert sheet.status_code == 200
    # a second generation keeps the first, both listed
    _generate(clients["inspector"], county.county)
    listing = clients["viewer"].get(reverse("reports")).content.decode()
    assert listing.count(reverse("report_preview", args=[version.pk])) >= 1
    assert ReportVersion.objects.count() == 2


def test_report_rights_and_scope(clients, county, records):
    east, west = county.townships
    assert _generate(clients["clerk"], east).status_code == 403
    assert _generate(clients["viewer"], county.county).status_code == 403
    # the inspector generates for the west township; the east clerk cannot see that version
    _generate(clients["inspector"], west)
    version = ReportVersion.objects.latest("pk")
    for name, args in (
        ("report_preview", [version.pk]),
        ("report_download", [version.pk, "docx"]),
    ):
        assert clients["clerk"].get(reverse(name, args=args)).status_code == 404
        assert clients["viewer"].get(reverse(name, args=args)).status_code == 200
    assert (
        version.pk
        and reverse("report_preview", args=[version.pk])
        not in clients["clerk"].get(reverse("reports")).content.decode()
    )
    # figure pages for a unit outside the scope
    response = clients["clerk"].get(reverse("figure", args=["F03"]), {"unit": west.code})
    assert response.status_code == 404


def test_figure_page_value_is_the_services(clients, county, records):
    from xunzhi.figures.services import figures_compute

    fs = figures_compute(campaign=county.campaign, unit=county.county, until=None)
    body = clients["office"].get(reverse("figure", args=["F03"])).content.decode()
    assert f'id="xz-fig-value">{fs["F03"].value}<' in body
    assert "东镇主题党日" in body  # a source record of 主题党日


def test_rule_page_lists_the_units_behind_a_rule(clients, county, records):
    from xunzhi.figures.services import rules_evaluate

    results = rules_evaluate(campaign=county.campaign, unit=county.county)
    rule = results[0]
    body = clients["office"].get(reverse("rule", args=[rule.code])).content.decode()
    assert rule.name in body
    assert f"{rule.units_short} / {rule.units_total}" in body
    for u in rule.units:
        assert u.name in body
    # the clerk sees the rule for its own township only
    assert (
        clients["clerk"]
        .get(reverse("rule", args=[rule.code]), {"unit": county.townships[1].code})
        .status_code
        == 404
    )


def test_version_without_html_is_previewed_from_the_data(clients, county, records, settings):
    from pathlib import Path

    from xunzhi.reports.services import evaluation_for, evaluation_save, report_generate

    evaluation = evaluation_for(campaign=county.campaign, unit=county.county)
    evaluation_save(evaluation=evaluation)
    folder = Path(settings.DATA_DIR)
    version = report_generate(
        evaluation=evaluation,
        formats=("docx",),
        check_sheet=folder / "核对表.xlsx",
        out_path=folder / "测试县评估报告.docx",
    )
    page = clients["office"].get(reverse("report_preview", args=[version.pk])).content.decode()
    assert "重新排版" in page and 'class="figure"' in page
    response = clients["office"].get(reverse("report_download", args=[version.pk, "docx"]))
    assert response.status_code == 200
