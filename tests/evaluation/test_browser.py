"""The evaluation in a browser (Debian chromium, Playwright, a live server): the inspector scores a
manual indicator, opens and sorts the ranking, downloads the 评估打分表 and the report with its
附件; a survey is defined, its sheet printed and one card answered on a phone-width page."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from tests.web.test_browser import browser, page_for  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_inspector_scores_ranks_and_attaches(page_for, live_server, county, records, tmp_path):  # noqa: F811
    page = page_for("inspector")
    page.get_by_role("link", name="评估打分").click()
    page.wait_for_selector("#xz-scores")
    east = county.townships[0]
    row = page.locator(f'tr[data-unit="{east.code}"]')
    row.locator('td[data-indicator="A2"] a').click()
    page.fill("#xz-score", "9")
    page.fill("#xz-note", "台账资料齐全，记录规范")
    page.click("#xz-score-save")
    page.wait_for_selector("#xz-scores")
    assert "已保存" in page.inner_text("main")
    cell = page.locator(f'tr[data-unit="{east.code}"] td[data-indicator="A2"]')
    assert "9.00" in cell.inner_text()
    # sorted by total, highest first
    page.get_by_role("link", name="总分").click()
    page.wait_for_url("**order=-total**")
    totals = [float(t) for t in page.locator("#xz-scores tbody td.fw-bold").all_inner_texts()]
    assert len(totals) == 3 and totals == sorted(totals, reverse=True)
    rank = page.locator(f'tr[data-unit="{east.code}"] td').first.inner_text()
    page.screenshot(path=str(tmp_path / "ranking.png"), full_page=True)
    with page.expect_download() as info:
        page.click("#xz-score-export")
    book = load_workbook(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    rows = list(book["评估打分表"].iter_rows(values_only=True))
    mine = next(r for r in rows[2:] if r[1] == east.name)
    assert rank == f"乡镇第{mine[0]}名" and 9.0 in mine
    # the report with its 附件
    page.get_by_role("link", name="评估报告").click()
    page.select_option("#id_unit", str(county.county.pk))
    page.fill("#id_group_number", "第三")
    page.check("#id_annex")
    page.click("#xz-generate")
    page.wait_for_selector("article.report")
    assert "附件" in page.inner_text("article.report .annex")
    with page.expect_download() as info:
        page.click("#xz-docx")
    document = Document(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    texts = [p.text for p in document.paragraphs]
    assert "附件" in texts and any(t.startswith("附件：") for t in texts)
    table = document.tables[0]
    names = [r.cells[0].text for r in table.rows]
    assert east.name in names


def test_a_survey_card_answered_on_a_phone(page_for, browser, live_server, county, monkeypatch):  # noqa: F811
    page = page_for("inspector")
    page.goto(f"{live_server.url}/evaluation/surveys/")
    page.select_option("#xz-unit", str(county.townships[1].pk))
    # a survey open now (a code is refused outside its survey's period)
    today = timezone.localdate()
    page.fill("#xz-start", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#xz-end", (today + dt.timedelta(days=30)).isoformat())
    page.fill("#xz-count", "2")
    page.click("#xz-survey-form button[type=submit]")
    page.wait_for_selector("#xz-respondents")
    page.click("#xz-sheet")
    codes = page.locator(".xz-code").all_inner_texts()
    assert len(codes) == 2
    assert page.locator(".xz-card img").first.evaluate("e => e.naturalWidth") > 50
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        respondent = phone.new_page()
        respondent.goto(f"{live_server.url}/s/{codes[0]}/")
        for i in range(3):
            respondent.check(f"#q{i}-0")
        respondent.click("#xz-answer-submit")
        assert "提交成功" in respondent.inner_text("main")
        respondent.goto(f"{live_server.url}/s/{codes[0]}/")
        assert "已经使用过" in respondent.inner_text("main")
        width = respondent.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        # after the period the other card's code is refused, and stays unused
        end = today + dt.timedelta(days=30)
        monkeypatch.setattr("xunzhi.evaluation.surveys.today", lambda: end + dt.timedelta(days=1))
        respondent.goto(f"{live_server.url}/s/{codes[1]}/")
        closed = respondent.inner_text("#xz-closed")
        assert f"已于{end.year}年{end.month}月{end.day}日结束" in closed
        assert respondent.locator("#xz-answer-submit").count() == 0
    finally:
        phone.close()
    page.go_back()
    page.reload()
    assert page.inner_text("#xz-respondents") == "1" and page.inner_text("#xz-rate") == "100%"
