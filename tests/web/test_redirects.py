"""Redirects after a save or a delete follow only same-site relative ``next`` addresses."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xunzhi.ledgers.models import Activity

pytestmark = pytest.mark.django_db

HOSTILE = [
    "https://evil.example/x",
    "//evil.example/x",
    "///evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example/x",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    "data:text/html,<script>alert(1)</script>",
    "http://testserver@evil.example/",
    " //evil.example/x",
    "https:evil.example",
]


def _post_data(row, **over):
    data = {
        "org": row.org_id,
        "date": row.date.isoformat(),
        "type": row.type,
        "title": row.title,
        "participants": row.participants,
        "beneficiaries": row.beneficiaries,
        "version": row.version,
    }
    data.update(over)
    return data


@pytest.mark.parametrize("target", HOSTILE)
def test_save_never_redirects_off_site(clients, records, target):
    row = records["east_activity"]
    url = reverse("ledger_edit", args=["activities", row.pk])
    response = clients["clerk"].post(
        url, _post_data(row, title="改过"), query_params={"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger_list", args=["activities"])
    row.refresh_from_db()
    assert row.title == "改过"


@pytest.mark.parametrize("target", HOSTILE)
def test_delete_never_redirects_off_site(clients, records, target):
    row = records["east_activity"]
    url = reverse("ledger_delete", args=["activities", row.pk])
    response = clients["clerk"].post(url, {"version": row.version, "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger_list", args=["activities"])
    assert not Activity.objects.filter(pk=row.pk).exists()


def test_same_site_relative_next_is_followed(clients, records):
    row = records["east_activity"]
    back = reverse("ledger_list", args=["activities"]) + "?q=%E4%B8%9C&page=2"
    url = reverse("ledger_edit", args=["activities", row.pk])
    response = clients["clerk"].post(url, _post_data(row), query_params={"next": back})
    assert response.status_code == 302 and response["Location"] == back
    other = records["west_activity"]
    response = clients["office"].post(
        reverse("ledger_delete", args=["activities", other.pk]),
        {"version": other.version, "next": "/values/"},
    )
    assert response.status_code == 302 and response["Location"] == "/values/"


def test_login_ignores_off_site_next(people, client):
    from tests.web.conftest import PASSWORD

    response = client.post(
        reverse("login") + "?next=https://evil.example/x",
        {"username": "clerk", "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
