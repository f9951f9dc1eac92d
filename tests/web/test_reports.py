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


def test_dashboard_labels_follow_the_units_level(clients, county, records):
    """The dashboard names a figure with the words of the unit it shows (one vocabulary for the
    report and the dashboard): a township's own 党委班子, never the county's 常委班子."""
    town = county.townships[0]
    page = clients["office"].get(reverse("dashboard") + f"?unit={town.code}").content.decode()
    figures = page[page.index("报告数据（较上月末）") :]  # the unit picker lists every unit
    assert "镇党委班子专题学习研讨" in figures and "镇党委会议" in figures
    assert "县委常委" not in figures and "县处级" not in figures
    page = clients["office"].get(reverse("dashboard")).content.decode()
    assert "县委常委班子专题学习研讨" in page and "县处级以上领导领办办实事项目" in page


def test_dashboard_and_rule_page_list_fired_rules_the_report_leaves_out(clients, county):
    from tests.figures.ledger_fill import fill
    from tests.reports.test_report import set_report
    from xunzhi.figures.services import rules_evaluate

    fill(county)
    set_report(county.campaign, problems_max=1)
    fired = [r for r in rules_evaluate(campaign=county.campaign, unit=county.county) if r.fired]
    assert len(fired) >= 2
    page = clients["office"].get(reverse("dashboard")).content.decode()
    rules = re.findall(
        r'<li class="list-group-item px-0 xz-rule" data-rule="([^"]+)">(.*?)</li>', page, re.S
    )
    assert {code for code, _ in rules} == {r.code for r in fired}
    left_out = [code for code, body in rules if "未写入报告" in body]
    assert len(left_out) == len(fired) - 1
    assert all(
        "超出报告所列问题条数（1条），见数据核对表" in body
        for _, body in rules
        if "未写入报告" in body
    )
    rule_page = clients["office"].get(reverse("rule", args=[left_out[0]])).content.decode()
    assert "未写入报告（超出报告所列问题条数（1条））" in rule_page
