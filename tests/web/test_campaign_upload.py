"""Uploading a campaign file in the browser (the top-level office): a faulty file gets the
command line's messages and nothing is stored; a good one is previewed against the current data
(figures, rules, a sample report), then published as a new version, in the audit log."""

from __future__ import annotations

import base64
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.campaigns.fixtures import DATA
from xunzhi.audit.models import AuditEntry
from xunzhi.campaigns.models import Campaign, CampaignVersion
from xunzhi.campaigns.spec import BUILTIN_DIR
from xunzhi.organisations.services import user_save
from xunzhi.web.models import Role

from .conftest import PASSWORD, login

URL = "/campaigns/upload/"


def _files(toml: bytes, template: bytes | None = None, name: str = "dangji-2024.toml") -> dict:
    files = {"source": SimpleUploadedFile(name, toml)}
    if template is not None:
        files["template"] = SimpleUploadedFile("dangji-2024.report.j2", template)
    return files


def _dangji() -> tuple[bytes, bytes]:
    return (DATA / "dangji-2024.toml").read_bytes(), (DATA / "dangji-2024.report.j2").read_bytes()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _error(response) -> str:  # noqa: ANN001
    assert response.status_code == 400
    match = re.search(r'id="campaign-error">([^<]*)<', response.content.decode())
    assert match, "no error shown"
    return match.group(1)


def test_only_the_top_office_uploads(clients, county):
    assert clients["office"].get(URL).status_code == 200
    for name in ("inspector", "clerk", "viewer"):
        assert clients[name].get(URL).status_code == 403
    town_office = user_save(
        username="town-office", role=Role.OFFICE, scope=county.townships[0], password=PASSWORD
    )
    assert login(town_office).get(URL).status_code == 403


def test_faulty_files_get_the_command_lines_messages(clients, county, settings):
    office = clients["office"]
    toml, template = _dangji()
    broken = toml.replace(b'name = "\xe5\x85\x9a', b"name = \xe5\x85\x9a", 1)  # unquoted value
    message = _error(office.post(URL, _files(broken, template)))
    assert "活动定义文件 dangji-2024.toml 格式错误：第 5 行第 8 列" in message
    bad_agg = toml.replace(b'aggregate = "sum"', b'aggregate = "avg"')
    assert "“警示教育人次”的 aggregate 只能是 latest 或 sum" in _error(
        office.post(URL, _files(bad_agg, template))
    )
    assert "请一并上传" in _error(office.post(URL, _files(toml)))
    bad_template = template + b"\n@body\n{% if f.J1 %}\n"
    assert "报告模板“dangji-2024.report.j2”第" in _error(
        office.post(URL, _files(toml, bad_template))
    )
    settings.CAMPAIGN_UPLOAD_MAX_KB = 1
    assert "超过上限 1 KB" in _error(office.post(URL, _files(toml + b"#" * 2048, template)))
    assert not Campaign.objects.filter(code="dangji-2024").exists()
    assert CampaignVersion.objects.count() == 1  # the shipped campaign's only


def test_good_file_is_previewed_then_published(clients, county, records):
    office = clients["office"]
    toml, template = _dangji()
    page = office.post(URL, _files(toml, template))
    assert page.status_code == 200
    text = page.content.decode()
    assert "预览：党纪学习教育（dangji-2024" in text and "新活动" in text
    assert "J1" in text and "读书班期数" in text
    assert "测试县党纪学习教育评估意见" in text  # the sample report's title
    assert not Campaign.objects.filter(code="dangji-2024").exists()  # a preview writes nothing
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', text))
    assert base64.b64decode(form["source_b64"]) == toml
    form.update(note="首次发布")
    tampered = dict(form, source_b64=_b64(toml.replace("读书班期数".encode(), "读书期数".encode())))
    assert "与预览的不一致" in _error(office.post(URL, tampered))
    response = office.post(URL, form)
    assert response.status_code == 302
    assert response["Location"] == "/campaigns/versions/?campaign=dangji-2024"
    campaign = Campaign.objects.get(code="dangji-2024")
    assert campaign.version.number == 1 and campaign.version.note == "首次发布"
    assert campaign.version.created_by.username == "office"
    assert campaign.template_text == template.decode()
    assert not campaign.is_current  # publishing does not switch the office's current campaign
    entry = AuditEntry.objects.filter(
        content_type__model="campaignversion", object_pk=str(campaign.version.pk)
    ).get()
    assert entry.actor.username == "office"
    # a changed template is a second version
    template2 = template + "\n@body\n第二版。\n".encode()
    form2 = dict(form, template_b64=_b64(template2))
    page = office.post(URL, _files(toml, template2))
    text = page.content.decode()
    assert "更新现有活动" in text
    form2["sha256"] = re.search(r'name="sha256" value="([^"]*)"', text).group(1)
    assert office.post(URL, form2).status_code == 302
    numbers = sorted(campaign.versions.values_list("number", flat=True))
    assert numbers == [1, 2]
    page = office.get("/campaigns/versions/?campaign=dangji-2024").content.decode()
    assert "第2版（现行）" in page and "第1版" in page


@pytest.mark.django_db
def test_shipped_file_previews_against_its_own_data(clients, county, records):
    toml = (BUILTIN_DIR / "dangshi-2021.toml").read_bytes()
    template = (BUILTIN_DIR / "dangshi-2021.report.j2").read_bytes()
    text = clients["office"].post(URL, _files(toml, template, "dangshi-2021.toml")).content.decode()
    assert "更新现有活动" in text and "F02" in text
