"""Organisations, leaders and users (office role), inside the office's scope."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from xunzhi.organisations.models import Leader, Org
from xunzhi.web.models import Profile

pytestmark = pytest.mark.django_db


def test_office_creates_a_user_with_a_scope(clients, county):
    response = clients["office"].post(
        reverse("user_new"),
        {
            "username": "xi-clerk",
            "display_name": "西镇填报员",
            "role": "clerk",
            "scope": county.townships[1].pk,
            "password": "Xi-zhen-2021-pw",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user__username="xi-clerk")
    assert profile.scope == county.townships[1] and profile.role == "clerk"


def test_weak_password_is_refused_in_chinese(clients, county):
    response = clients["office"].post(
        reverse("user_new"),
        {"username": "weak", "role": "viewer", "scope": county.county.pk, "password": "123"},
    )
    assert "密码不符合要求" in response.content.decode()
    assert not get_user_model().objects.filter(username="weak").exists()


def test_existing_system_account_cannot_be_taken_over(clients, county):
    admin = get_user_model().objects.create_superuser("admin", password="Admin-pass-2021")
    response = clients["office"].post(
        reverse("user_new"),
        {
            "username": "admin",
            "role": "viewer",
            "scope": county.county.pk,
            "password": "Taken-over-2021",
        },
    )
    assert response.status_code == 200 and "已存在" in response.content.decode()
    admin.refresh_from_db()
    assert admin.check_password("Admin-pass-2021")
    assert not Profile.objects.filter(user=admin).exists()


def test_deactivate_and_reactivate(clients, people):
    url = reverse("user_active", args=["viewer"])
    clients["office"].post(url, {"active": "0"})
    assert not get_user_model().objects.get(username="viewer").is_active
    clients["office"].post(url, {"active": "1"})
    assert get_user_model().objects.get(username="viewer").is_active
    # nobody disables themself; the clerk may not manage users at all
    clients["office"].post(reverse("user_active", args=["office"]), {"active": "0"})
    assert get_user_model().objects.get(username="office").is_active
    assert clients["clerk"].post(url, {"active": "0"}).status_code == 403


def test_leaders_add_edit_and_stale_version(clients, county):
    town = county.townships[0]
    response = clients["office"].post(
        reverse("leader_new"),
        {"org": town.pk, "name": "李镇长", "title": "镇长", "rank": "乡科级", "is_principal": ""},
    )
    assert response.status_code == 302
    leader = Leader.objects.get(name="李镇长")
    url = reverse("leader_edit", args=[leader.pk])
    data = {
        "org": town.pk,
        "name": "李镇长",
        "title": "镇党委书记",
        "rank": "乡科级",
        "version": leader.version,
    }
    assert clients["office"].post(url, data).status_code == 302
    stale = clients["office"].post(url, dict(data, title="又改了"))
    assert "已被其他用户修改" in stale.content.decode()
    leader.refresh_from_db()
    assert leader.title == "镇党委书记"
    page = clients["viewer"].get(reverse("orgs"), {"unit": town.code}).content.decode()
    assert "李镇长" in page


def test_office_adds_a_unit(clients, county):
    response = clients["office"].post(
        reverse("org_new"),
        {
            "code": "T113",
            "name": "测试东镇第3村党支部",
            "kind": "党支部",
            "member_count": 12,
            "parent": county.townships[0].pk,
        },
    )
    assert response.status_code == 302
    org = Org.objects.get(code="T113")
    assert org.path.startswith(county.townships[0].path)
    # it is in the east clerk's scope at once
    body = clients["clerk"].get(reverse("ledger_new", args=["activities"])).content.decode()
    assert "测试东镇第3村党支部" in body
