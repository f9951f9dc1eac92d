"""Every page answers for every role (a quick net under the finer tests)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xunzhi.ledgers.selectors import KINDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["office", "inspector", "clerk", "viewer"])
def test_pages_render(clients, records, role):
    client = clients[role]
    urls = [reverse("dashboard"), reverse("values"), reverse("orgs"), reverse("password_change")]
    urls += [reverse("ledger_list", args=[k]) for k in KINDS]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "巡指" in response.content.decode()


def test_login_required(client, county):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_login_page_and_sign_in(client, people):
    from tests.web.conftest import PASSWORD

    page = client.get(reverse("login"))
    assert "登录" in page.content.decode()
    response = client.post(reverse("login"), {"username": "clerk", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
