"""City users: the demo logins of a city and the roles' names from the level words."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from xunzhi.web.models import Profile, Role
from xunzhi.web.services import DEMO_PASSWORD, demo_users_create


def sign_in(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def test_city_demo_users_and_their_names(campaign, city, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    done = {username: (label, scope) for username, label, scope in demo_users_create()}
    assert done["city-office"] == ("市委党史学习教育办", "测试市")
    assert done["city-inspector"] == ("市委巡回指导组", "测试市")
    # the county logins sit in the first county, named with the county's words
    assert done["office"] == ("县委党史学习教育办", "甲县")
    assert done["inspector"] == ("县委巡回指导组", "甲县")
    assert done["viewer"] == (Role.VIEWER.label, "甲县")
    assert done["clerk"][1] == "甲东镇"
    profiles = {p.user.username: p for p in Profile.objects.select_related("user", "scope")}
    assert profiles["city-office"].role == Role.OFFICE
    assert profiles["city-office"].scope == city.city
    assert profiles["city-inspector"].role == Role.INSPECTOR
    assert profiles["office"].scope == city.counties[0].county
    page = sign_in("city-inspector").get(reverse("dashboard")).content.decode()
    assert "测试市 · 市委巡回指导组" in page
    page = sign_in("office").get(reverse("dashboard")).content.decode()
    assert "甲县 · 县委党史学习教育办" in page


def test_county_demo_has_no_city_users(campaign, county):
    names = {username for username, _, _ in demo_users_create()}
    assert names == {"office", "inspector", "clerk", "viewer"}
