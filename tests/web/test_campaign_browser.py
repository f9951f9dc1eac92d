"""The campaign switcher and the upload pages in a real browser (Debian chromium), under the
strict Content-Security-Policy: switch to 2024 and back, upload, preview and publish."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.campaigns.fixtures import DATA, dangji_2024
from tests.web.test_browser import browser  # noqa: F401 - the shared chromium fixture
from tests.web.test_csp_browser import visitor  # noqa: F401 - the CSP-watching page
from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.services import campaign_load
from xunzhi.ledgers.models import Activity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_switch_campaigns_in_the_browser(visitor, county, records, tmp_path):  # noqa: F811
    second, _ = campaign_load(path=dangji_2024(tmp_path))
    Activity.objects.create(
        campaign=second,
        org=county.branches[0],
        date=dt.date(2024, 5, 6),
        type="警示教育",
        title="东镇警示教育大会",
    )
    v = visitor("office")
    v.visit("/ledgers/activities/")
    assert "东镇主题党日" in v.page.inner_text("main")
    v.page.select_option("select[name=campaign]", "dangji-2024")
    v.page.click("form[action='/campaigns/switch/'] button[type=submit]")
    v.page.wait_for_url("**/ledgers/activities/?campaign=dangji-2024")
    assert "东镇警示教育大会" in v.page.inner_text("main")
    v.check("after switching")
    v.visit("/ledgers/activities/")  # the choice is kept and put back in the address
    assert v.page.url.endswith("?campaign=dangji-2024")
    v.page.select_option("select[name=campaign]", "dangshi-2021")
    v.page.click("form[action='/campaigns/switch/'] button[type=submit]")
    v.page.wait_for_url("**/ledgers/activities/?campaign=dangshi-2021")
    assert "东镇主题党日" in v.page.inner_text("main")


def test_upload_preview_publish_in_the_browser(visitor, county, records):  # noqa: F811
    v = visitor("office")
    v.visit("/campaigns/upload/")
    v.page.set_input_files("#source", str(DATA / "dangji-2024.toml"))
    v.page.set_input_files("#template", str(DATA / "dangji-2024.report.j2"))
    v.page.click("text=检查并预览")
    v.page.wait_for_selector("#preview-report")
    assert "党纪学习教育评估意见" in v.page.inner_text("#preview-report")
    v.check("preview")
    v.page.fill("#note", "浏览器发布")
    v.page.click("text=发布为新版本")
    v.page.wait_for_url("**/campaigns/versions/?campaign=dangji-2024")
    assert "第1版（现行）" in v.page.inner_text("main")
    v.check("versions")
    assert Campaign.objects.get(code="dangji-2024").version.note == "浏览器发布"
