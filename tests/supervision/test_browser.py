"""The loop in a real browser (Debian chromium through Playwright): the inspector records a
finding on a visit; the clerk finds it on the dashboard's attention list, submits the
rectification with a file; the inspector closes it (销号); the 督导档案 shows the whole story.

``XUNZHI_SCREENSHOT_DIR=docs`` saves the 督导档案 as ``docs/screenshot-supervision-archive.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.supervision.conftest import docx_bytes
from xunzhi.ledgers.models import Problem, SupervisionVisit
from xunzhi.supervision.models import RectificationFile, State
from xunzhi.supervision.services import (
    finding_record,
    rectification_return,
    rectification_submit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOT = "screenshot-supervision-archive.png"


def _history(county, visit, people):
    """Earlier work of the group, so that the archive has more than one story."""
    SupervisionVisit.objects.create(
        campaign=county.campaign,
        org=county.branches[0],
        date=dt.date(2021, 5, 20),
        group_name=visit.group_name,
        method="随机走访",
        feedback="支部学习氛围浓厚，继续保持。",
    )
    returned = finding_record(
        visit=visit,
        description="个别党员学习笔记内容空泛",
        deadline=dt.date(2021, 12, 31),
        scope=county.county,
        user=people["inspector"],
    )
    rect = rectification_submit(
        problem=returned,
        text="已督促党员补充学习笔记",
        version=1,
        scope=county.townships[0],
        user=people["clerk"],
    )
    rectification_return(
        problem=returned,
        version=rect.version,
        reason="未附笔记照片",
        scope=county.county,
        user=people["inspector"],
    )


def test_a_finding_from_visit_to_close(page_for, live_server, county, visit, people, tmp_path):
    _history(county, visit, people)
    inspector = page_for("inspector")
    inspector.goto(f"{live_server.url}/supervision/visits/{visit.pk}/")
    inspector.fill("#id_description", "三会一课记录不规范，部分支部未按期开展主题党日")
    inspector.fill("#id_deadline", "2021-07-31")
    inspector.fill("#id_measures", "对照制度逐项整改，补齐记录")
    inspector.click("#xz-finding-form button[type=submit]")
    expect(inspector.locator(".alert-success")).to_contain_text("已记录督导发现的问题")
    expect(inspector.locator("#xz-findings")).to_contain_text("三会一课记录不规范")
    problem = Problem.objects.get(description__startswith="三会一课")

    # the clerk sees it on the dashboard's attention list (overdue) and opens it
    clerk = page_for("clerk")
    attention = clerk.locator("#xz-attention")
    expect(attention).to_contain_text("三会一课记录不规范")
    expect(attention).to_contain_text("未附笔记照片")  # the returned one
    attention.get_by_role("link", name="三会一课记录不规范", exact=False).first.click()
    expect(clerk.locator("h1")).to_contain_text("三会一课记录不规范")
    report = tmp_path / "整改报告.docx"
    report.write_bytes(docx_bytes("关于三会一课整改情况的报告"))
    clerk.fill("#id_text", "已逐项对照制度整改，补齐了 2021 年上半年的三会一课记录。")
    clerk.set_input_files("#xz-files", str(report))
    clerk.click("#xz-submit-form button[type=submit]")
    expect(clerk.locator(".alert-success")).to_contain_text("整改情况已提交")
    expect(clerk.locator("#xz-steps")).to_contain_text("整改报告.docx")
    (stored,) = RectificationFile.objects.filter(step__problem=problem)
    assert stored.size == report.stat().st_size and stored.kind == "docx"

    # the inspector checks it, downloads the file and closes it
    inspector.goto(f"{live_server.url}/supervision/problems/{problem.pk}/")
    with inspector.expect_download() as download:
        inspector.get_by_role("link", name="整改报告.docx").click()
    assert Path(download.value.path()).read_bytes() == report.read_bytes()
    inspector.fill("#id_close-note", "经现场查阅记录，整改到位。")
    inspector.click("#xz-close-form button[type=submit]")
    expect(inspector.locator(".alert-success")).to_contain_text("已销号")
    expect(inspector.locator("#xz-progress")).to_contain_text("已销号")
    problem.refresh_from_db()
    assert problem.rectification.state == State.CLOSED and problem.status == "已整改"

    # the township's 督导档案: visits, findings and steps on one timeline
    clerk.goto(f"{live_server.url}/supervision/archive/")
    timeline = clerk.locator("#xz-timeline")
    for text in ("销号", "提交整改", "退回", "督导发现", "随机走访", "三会一课记录不规范"):
        expect(timeline).to_contain_text(text)
    folder = Path(os.environ.get("XUNZHI_SCREENSHOT_DIR") or tmp_path)
    clerk.set_viewport_size({"width": 1280, "height": 900})
    clerk.screenshot(path=str(folder / SHOT), full_page=True)


def test_the_pages_pass_the_content_security_policy(browser, live_server, county, visit, people):
    from tests.web.test_csp_browser import Visitor

    _history(county, visit, people)
    problem = Problem.objects.get(description="个别党员学习笔记内容空泛")
    for username in ("inspector", "clerk"):
        visitor = Visitor(browser, live_server.url, username)
        try:
            for path in (
                "/",
                "/supervision/",
                "/supervision/?state=超期",
                "/supervision/archive/",
                f"/supervision/visits/{visit.pk}/",
                f"/supervision/problems/{problem.pk}/",
            ):
                visitor.visit(path)
            visitor.page.goto(live_server.url + "/")
            expect(visitor.page.locator("#xz-attention")).to_contain_text("未附笔记照片")
            visitor.check("dashboard attention")
        finally:
            visitor.context.close()
