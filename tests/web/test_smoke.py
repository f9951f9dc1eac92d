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


def test_error_pages_are_chinese(clients, people, records, settings):
    settings.DEBUG = False
    response = clients["clerk"].get(
        reverse("ledger_edit", args=["activities", records["west_activity"].pk])
    )
    assert response.status_code == 404
    body = response.content.decode()
    assert "找不到页面" in body and "不在您的管理范围内" in body
    response = clients["viewer"].get(reverse("users"))
    assert response.status_code == 403
    assert "不能管理组织和用户" in response.content.decode()
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people["office"])
    response = strict.post(reverse("ledger_new", args=["activities"]), {})
    assert response.status_code == 403 and "请求已过期" in response.content.decode()
