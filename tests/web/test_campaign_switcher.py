"""The campaign switcher: two campaigns loaded (the shipped 2021 one and a 2024 test file), each
user works in the one they chose, the choice is kept and carried in the URL, the 2021 data stays
reachable, and an import goes into the campaign it was uploaded in."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.campaigns.fixtures import dangji_2024
from xunzhi.campaigns.models import CampaignChoice
from xunzhi.campaigns.selectors import campaign_get
from xunzhi.campaigns.services import campaign_load
from xunzhi.ledgers.models import Activity

LIST = "/ledgers/activities/"


@pytest.fixture
def second(county, records, tmp_path):
    campaign, _ = campaign_load(path=dangji_2024(tmp_path / "c"))
    Activity.objects.create(
        campaign=campaign,
        org=county.branches[0],
        date=dt.date(2024, 5, 6),
        type="警示教育",
        title="东镇警示教育大会",
        participants=80,
    )
    return campaign


def _text(response) -> str:  # noqa: ANN001
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_each_user_works_in_the_campaign_they_chose(clients, second):
    office, inspector = clients["office"], clients["inspector"]
    page = _text(office.get(LIST))
    assert "东镇主题党日" in page and "东镇警示教育大会" not in page  # the current one: 2021
    # the switcher lists both, newest first
    assert page.index('value="dangji-2024"') < page.index('value="dangshi-2021"')
    response = office.post("/campaigns/switch/", {"campaign": "dangji-2024", "next": LIST})
    assert response.status_code == 302 and response["Location"] == f"{LIST}?campaign=dangji-2024"
    page = _text(office.get(response["Location"]))
    assert "东镇警示教育大会" in page and "东镇主题党日" not in page
    # kept: a link without the parameter is sent to the chosen campaign's address
    response = office.get(LIST + "?type=")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?type=&campaign=dangji-2024"
    # the other user still works in 2021
    assert "东镇主题党日" in _text(inspector.get(LIST))
    # a shared link opens the campaign it names, without changing the recipient's choice
    assert "东镇警示教育大会" in _text(inspector.get(f"{LIST}?campaign=dangji-2024"))
    assert not CampaignChoice.objects.filter(user__username="inspector").exists()
    # the 2021 data stays reachable for the one who works in 2024
    assert "东镇主题党日" in _text(office.get(f"{LIST}?campaign=dangshi-2021"))
    dashboard = _text(office.get("/?campaign=dangji-2024"))
    assert "党纪学习教育" in dashboard
    # the command line's current campaign is the office setting, not the switcher
    assert campaign_get().code == "dangshi-2021"


def test_switcher_refuses_bad_input(clients, second):
    office = clients["office"]
    assert office.get(f"{LIST}?campaign=nope").status_code == 404
    response = office.post(
        "/campaigns/switch/", {"campaign": "dangji-2024", "next": "https://evil.example/x"}
    )
    assert response["Location"] == "/?campaign=dangji-2024"
    response = office.post("/campaigns/switch/", {"campaign": "nope", "next": LIST})
    assert response.status_code == 302 and response["Location"] == LIST
    assert CampaignChoice.objects.get(user__username="office").campaign.code == "dangji-2024"
    assert office.get("/campaigns/switch/").status_code == 405


def test_versions_page_lists_the_versions(clients, second):
    page = _text(clients["viewer"].get("/campaigns/versions/?campaign=dangji-2024"))
    assert "第1版（现行）" in page and "dangji-2024.report.j2" in page
