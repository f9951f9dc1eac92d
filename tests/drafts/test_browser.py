"""The whole flow in Debian chromium as the demo users (office, inspector): make a draft, edit a
sentence, try to type over a figure (refused), override a figure with a reason, insert and delete
a paragraph, submit, return with a comment, fix, approve; download the 定稿 .docx and read the
edits back; change a ledger record, see the figure flagged, refresh and keep the edits; compare.

Set ``XUNZHI_SCREENSHOT_DIR`` to keep the editor and comparison screenshots (docs/img/)."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import docx
import pytest
from playwright.sync_api import expect

from tests.web.conftest import PASSWORD
from xunzhi.drafts.models import Draft, State
from xunzhi.ledgers.models import Activity
from xunzhi.reports.services import report_generate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
EDIT = "（本县补充：红星村“党史夜校”覆盖全体党员。）"
INSERTED = "五是打造红星村示范点。红星村党支部建成党史教育展馆，全县组织参观学习。"
REASON = "含未入台账的县直单位活动"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip("需要 Debian 的 chromium（/usr/bin/chromium）")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def login(browser, live_server, people):
    contexts = []
    violations: list[str] = []

    def make(username: str):
        context = browser.new_context(
            viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.on(
            "console",
            lambda msg: (
                violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield make
    for context in contexts:
        context.close()
    assert not violations, violations  # the editor runs under the strict policy


def shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    keep = os.environ.get("XUNZHI_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / name)


def docx_paragraphs(page, selector: str) -> list[str]:
    with page.expect_download() as info:
        page.click(selector)
    data = Path(info.value.path()).read_bytes()
    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs if p.text.strip()]


def edit_block(page, block, text: str) -> None:
    block.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    page.locator("h1").click()  # leaving the paragraph saves it
    expect(block.locator("xpath=..").locator(".xz-status")).to_have_text("已保存")


def draft_and_edit(page, tmp_path: Path) -> tuple[str, str, str]:
    """As the guidance group: make the draft, edit, try a figure, override, insert, delete."""
    page.get_by_role("link", name="评估报告").click()
    page.locator(".xz-new-draft").first.click()
    page.wait_for_selector("#xz-editor")
    block = page.locator(".xz-block.body:has(.xz-fig)").first
    edit_block(page, block, EDIT)
    # typing over a figure is refused: the mark is not editable and the typing is stopped
    fig = block.locator(".xz-fig").first
    key, before = fig.get_attribute("data-key"), fig.inner_text()
    assert fig.get_attribute("contenteditable") == "false"
    fig.evaluate(
        "f => { const r = document.createRange(); r.selectNode(f); const s = getSelection();"
        " s.removeAllRanges(); s.addRange(r); f.parentNode.focus(); }"
    )
    page.keyboard.type("9999")
    expect(block.locator("xpath=..").locator(".xz-status")).to_contain_text("数据不能直接改写")
    assert fig.inner_text() == before and "9999" not in block.inner_text()
    # override it with a reason: click the figure, fill the value and the reason
    fig.click()
    row = page.locator(f"#fig-{key}")
    row.locator("input[name=value]").fill("1300多")
    row.locator("input[name=reason]").fill(REASON)
    row.locator("button", has_text="保存修订").click()
    expect(page.locator(f".xz-fig-override[data-key='{key}']").first).to_have_text("1300多")
    # insert a paragraph after the edited one, then delete the one after it
    wrap = page.locator(".xz-block-wrap:has(.xz-block.body:has(.xz-fig))").first
    wrap.locator("summary", has_text="段落操作").click()
    wrap.locator("textarea[name=text]").fill(INSERTED)
    wrap.locator("button", has_text="插入段落").click()
    expect(page.locator(".xz-block", has_text="打造红星村示范点")).to_have_count(1)
    victim = page.locator(".xz-block-wrap:has(.xz-block.body)").last
    deleted = victim.locator(".xz-block").inner_text()
    victim.locator("summary", has_text="段落操作").click()
    victim.locator("button", has_text="删除本段").click()
    expect(page.locator(".xz-block", has_text=deleted[:20])).to_have_count(0)
    page.set_viewport_size({"width": 1440, "height": 1700})
    shot(page, tmp_path, "drafts-editor.png")
    page.set_viewport_size({"width": 1440, "height": 900})
    return key, before, deleted


def review_round(login, page) -> None:
    """Submit; the office comments and returns; the group fixes and resubmits; office approves."""
    page.click("#xz-submit")
    expect(page.locator("h1 .badge")).to_have_text("审核中")
    url = page.url
    office = login("office")
    office.goto(url)
    wrap = office.locator(".xz-block-wrap:has(.xz-block.body)").nth(1)
    wrap.locator("summary", has_text="段落操作").click()
    wrap.locator("textarea[name=text]").fill("此段请写明参观人数。")
    wrap.locator("button", has_text="提意见").click()
    office.fill("#xz-review-text", "请按意见修改后再报。")
    office.click("#xz-return")
    expect(office.locator("h1 .badge")).to_have_text("退回")
    page.goto(url)
    assert "请按意见修改后再报" in page.inner_text("#xz-returned")
    assert "此段请写明参观人数" in page.inner_text("#xz-editor")
    edit_block(page, page.locator(".xz-block.body").nth(1), "共组织参观1200人次。")
    page.click("#xz-submit")
    office.goto(url)
    office.click("#xz-approve")
    expect(office.locator("h1 .badge")).to_have_text("定稿")
    assert "office" in office.inner_text("#xz-final")


def test_draft_review_sign_off_refresh_compare(
    login, live_server, evaluation, people, county, tmp_path
):
    report_generate(evaluation=evaluation, formats=("docx",), user=people["inspector"])
    page = login("inspector")
    key, before, deleted = draft_and_edit(page, tmp_path)
    review_round(login, page)
    page.reload()
    text = "\n".join(docx_paragraphs(page, "#xz-draft-docx"))
    assert EDIT in text and "打造红星村示范点" in text and "1300多" in text
    assert f"研讨{before}场次" not in text and "研讨1300多场次" in text  # F02 overridden
    assert "共组织参观1200人次。" in text and deleted not in text
    final = Draft.objects.get(state=State.FINAL)
    # data change: unlock the 定稿 into a new draft, add records, see the figure flagged, refresh
    page.click("#xz-unlock")
    page.wait_for_selector("#xz-editor [contenteditable=true]")
    for i in range(40):
        Activity.objects.create(
            campaign=county.campaign,
            org=county.branches[i % 4],
            date=dt.date(2021, 5, 1 + i % 28),
            type="专题学习研讨",
            title=f"补录研讨{i}",
            participants=10,
        )
    editor = page.url
    page.get_by_role("link", name="评估报告").click()  # the report page flags it too
    assert "→" in page.inner_text(".xz-draft-changed")
    page.goto(editor)
    assert "→" in page.inner_text("#xz-changes")
    page.click("#xz-refresh")
    for radio in page.locator("input[type=radio][value=mine]").all():
        radio.check()
    page.click("#xz-refresh-apply")
    page.wait_for_selector("#xz-editor")
    assert page.locator("#xz-changes").count() == 0
    body = page.inner_text("#xz-editor")
    assert EDIT in body and "打造红星村示范点" in body and "1300多" in body
    # compare the 定稿 with the refreshed draft
    new = Draft.objects.exclude(pk=final.pk).get()
    page.goto(f"{live_server.url}/drafts/compare/?a={final.pk}&b={new.pk}")
    assert int(page.inner_text("#xz-compare-summary strong")) > 0
    assert page.locator("#xz-compare ins").count() > 0
    shot(page, tmp_path, "drafts-compare.png")
    with page.expect_download() as info:
        page.click("#xz-compare-docx")
    assert b"w:ins" in __import__("zipfile").ZipFile(info.value.path()).read("word/document.xml")
