"""Editing a unit: office only, inside its scope, never over another user's edit."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import login
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.organisations.services import org_update, user_save
from xunzhi.web.models import Role

PASSWORD = "xunzhi-test-pw"


def post(client, org, **changes):
    data = {
        "name": org.name,
        "kind": org.kind,
        "member_count": org.member_count,
        "version": org.version,
        **changes,
    }
    if data.pop("is_leading_body", org.is_leading_body):
        data["is_leading_body"] = "on"
    return client.post(f"/orgs/{org.code}/edit/", data)


def test_office_edits_a_unit(clients, county):
    branch = county.branches[0]
    page = clients["office"].get(f"/orgs/{branch.code}/edit/")
    assert page.status_code == 200 and branch.name in page.content.decode()
    response = post(clients["office"], branch, name="测试东镇第1村党总支", member_count=88)
    assert response.status_code == 302
    branch.refresh_from_db()
    assert (branch.name, branch.member_count, branch.version) == ("测试东镇第1村党总支", 88, 2)
    assert branch.path.startswith(county.townships[0].path)  # the unit did not move


def test_stale_version_is_refused(clients, county):
    branch = county.branches[0]
    stale = Org.objects.get(pk=branch.pk)
    assert post(clients["office"], branch, member_count=40).status_code == 302
    response = post(clients["office"], stale, member_count=99)
    assert response.status_code == 200
    assert "已被其他用户修改" in response.content.decode()
    branch.refresh_from_db()
    assert branch.member_count == 40


@pytest.mark.parametrize("role", ["inspector", "clerk", "viewer"])
def test_other_roles_cannot_edit_units(clients, county, role):
    branch = county.branches[0]
    assert post(clients[role], branch, name="改名").status_code == 403
    branch.refresh_from_db()
    assert branch.name != "改名"


def test_office_of_a_township_cannot_reach_another(county):
    east, west = county.townships
    office = user_save(username="east-office", role=Role.OFFICE, scope=east, password=PASSWORD)
    client = login(office)
    assert client.get(f"/orgs/{west.code}/edit/").status_code == 404
    assert post(client, west, name="改名").status_code == 404
    with pytest.raises(UserError, match="不在您的管理范围内"):
        org_update(
            org=west,
            name="改名",
            kind=west.kind,
            member_count=0,
            is_leading_body=False,
            version=west.version,
            actor_scope=east,
        )
    west.refresh_from_db()
    assert west.name != "改名"


def _labels(html: str) -> dict[str, str]:
    """username → the role column of the users page."""
    return dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>([^<]+)</td>", html))


def _nav_label(user) -> str:
    html = login(user).get("/").content.decode()
    return re.search(r'<div class="navbar-text[^"]*">[^<]*· ([^<·]+)</div>', html)[1].strip()


def _users_page_matches_the_navigation_bar(office, users) -> dict[str, str]:
    page = login(office).get("/users/")
    assert page.status_code == 200
    labels = _labels(page.content.decode())
    for user in users:
        assert labels[user.username] == _nav_label(user), user.username
    return labels


def test_users_page_names_roles_by_the_county_level(county):
    east = county.townships[0]
    office = user_save(username="office", role=Role.OFFICE, scope=county.county, password=PASSWORD)
    users = [
        office,
        user_save(username="insp", role=Role.INSPECTOR, scope=county.county, password=PASSWORD),
        user_save(username="clerk", role=Role.CLERK, scope=east, password=PASSWORD),
        user_save(username="town-office", role=Role.OFFICE, scope=east, password=PASSWORD),
    ]
    labels = _users_page_matches_the_navigation_bar(office, users)
    assert labels["office"] == "县委党史学习教育办"
    assert labels["insp"] == "县委巡回指导组"
    assert labels["clerk"] == Role.CLERK.label


def test_users_page_names_roles_by_the_city_level(campaign):
    from tests.factories import build_small_city

    city = build_small_city(campaign)
    county = city.counties[0].county
    office = user_save(username="office", role=Role.OFFICE, scope=city.city, password=PASSWORD)
    users = [
        office,
        user_save(username="insp", role=Role.INSPECTOR, scope=city.city, password=PASSWORD),
        user_save(username="county-office", role=Role.OFFICE, scope=county, password=PASSWORD),
        user_save(username="viewer", role=Role.VIEWER, scope=city.city, password=PASSWORD),
    ]
    labels = _users_page_matches_the_navigation_bar(office, users)
    assert labels["office"] == "市委党史学习教育办"
    assert labels["insp"] == "市委巡回指导组"
    assert labels["county-office"] == "县委党史学习教育办"
    assert labels["viewer"] == Role.VIEWER.label
    # the unit tree's list of users says the same
    tree = login(office).get("/orgs/").content.decode()
    assert "office · 市委党史学习教育办 · 测试市" in tree
    assert "county-office · 县委党史学习教育办 · 甲县" in tree
