"""Browser tests: Debian chromium driven by Playwright against a live server.

Every role logs in; the clerk uploads a messy workbook, confirms it and finds the new records,
and is refused out of scope; the guidance group generates the report and downloads the .docx.
"""

from __future__ import annotations

import io
import os
import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PASSWORD
from tests.web.messy import messy_activities

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("需要 Debian 的 chromium（/usr/bin/chromium）")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; let the ORM work beside it,
    # for these tests only (the variable must not leak into later subprocesses).
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_for(browser, live_server, people):
    contexts = []

    def make(username: str, *, width: int = 1366, height: int = 768):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="zh-CN", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()


#: From the level words of the county (web/roles.py).
ROLE_LABELS = {
    "office": "县委党史学习教育办",
    "inspector": "县委巡回指导组",
    "clerk": "填报员",
    "viewer": "只读",
}


@pytest.mark.parametrize("role", list(ROLE_LABELS))
def test_each_role_logs_in_and_sees_its_scope(page_for, county, role):
    page = page_for(role)
    nav = page.inner_text("nav")
    assert ROLE_LABELS[role] in nav
    heading = page.inner_text("h1")
    expected = county.townships[0].name if role == "clerk" else county.county.name
    assert expected in heading
    assert ("用户" in nav) is (role == "office")
    assert ("导入" in nav) is (role in ("office", "clerk"))


def test_phone_width_menu(page_for):
    page = page_for("viewer", width=390, height=844)
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    page.get_by_role("link", name="评估报告").click()
    assert page.inner_text("h1") == "评估报告"


def test_clerk_uploads_confirms_and_finds_records(page_for, live_server, county, tmp_path):
    page = page_for("clerk")
    page.get_by_role("link", name="导入").click()
    path = tmp_path / "东镇活动台账.xlsx"
    path.write_bytes(
        messy_activities(town=county.townships[0].name, branch=county.branches[0].name)
    )
    page.set_input_files("#id_files", str(path))
    page.click("text=上传并检查")
    page.wait_for_selector("#xz-job-ok")
    assert "检查通过" in page.inner_text("#xz-job-ok")
    page.click("#xz-confirm")
    page.wait_for_selector("#xz-job-ok")
    assert "导入完成" in page.inner_text("#xz-job-ok")
    page.get_by_role("link", name=re.compile("查看活动")).click()
    page.fill("input[name=q]", "网页导入")
    page.click("text=筛选")
    assert page.inner_text("#xz-total") == "3"
    assert "网页导入宣讲" in page.inner_text("table")
    page.screenshot(path=str(tmp_path / "list.png"))
    # delete one through htmx (the browser's confirm dialog accepted)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("table button", has_text="删除").first.click()
    # (expect polls without eval: the page's Content-Security-Policy forbids string code)
    expect(page.locator("#xz-total")).to_have_text("2")
    assert "记录已删除" in page.inner_text("main")


def test_clerk_refused_out_of_scope(page_for, live_server, county, records):
    page = page_for("clerk")
    west = records["west_activity"]
    response = page.goto(f"{live_server.url}/ledgers/activities/{west.pk}/edit/")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/?unit={county.townships[1].code}")
    assert response.status == 404
    response = page.goto(f"{live_server.url}/users/")
    assert response.status == 403
    page.goto(f"{live_server.url}/ledgers/activities/")
    text = page.inner_text("table")
    assert "东镇主题党日" in text and "西镇专题研讨" not in text


def test_inspector_generates_report_and_downloads_docx(
    page_for, live_server, county, records, tmp_path
):
    page = page_for("inspector")
    page.get_by_role("link", name="评估报告").click()
    page.select_option("#id_unit", str(county.county.pk))
    page.fill("#id_until", "2021-06-30")
    page.fill("#id_group_number", "第三")
    page.click("#xz-generate")
    page.wait_for_selector("article.report")
    assert "评估报告" in page.inner_text("h1")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#xz-docx")
    download = info.value
    data = open(download.path(), "rb").read()  # noqa: SIM115
    import docx

    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "第三巡回指导组" in text
    # figures sit in the line like the words around them: no box, no inherited 2em indent
    first = page.locator("article.report a.figure").first
    assert first.evaluate("e => getComputedStyle(e).display") == "inline"
    box, font = (
        first.bounding_box(),
        first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"),
    )
    assert box["width"] < len(first.inner_text()) * font
    # a figure in the preview opens its page with the definition and sources
    first.click()
    assert "定义" in page.inner_text("main") and "来源记录" in page.inner_text("main")
