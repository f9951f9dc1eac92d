"""Demo logins, and the dashboard on the full demo county (slow)."""

from __future__ import annotations

import pytest
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse

from xunzhi.ledgers.models import Activity, Problem
from xunzhi.organisations.models import Org, OrgKind
from xunzhi.web.models import Profile, Role
from xunzhi.web.services import DEMO_PASSWORD, demo_users_create


def _sign_in(client: Client, username: str) -> None:
    """Through the login page, with the demo password (the login guard needs the request)."""
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username


@pytest.mark.django_db
def test_demo_users(county):
    demo_users_create()
    demo_users_create()  # idempotent
    profiles = {p.user.username: p for p in Profile.objects.select_related("user", "scope")}
    assert set(profiles) == {"office", "inspector", "clerk", "viewer"}
    assert profiles["office"].role == Role.OFFICE and profiles["office"].scope == county.county
    assert profiles["inspector"].role == Role.INSPECTOR
    assert profiles["viewer"].role == Role.VIEWER
    first_township = Org.objects.filter(kind=OrgKind.TOWNSHIP).order_by("path").first()
    assert profiles["clerk"].scope == first_township
    for name in profiles:
        _sign_in(Client(), name)


@pytest.mark.slow
@pytest.mark.django_db
def test_dashboard_on_the_demo_county(demo_county, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    demo_users_create()
    root = Org.objects.get(code=demo_county.root_code)
    client = Client()
    _sign_in(client, "office")
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    body = response.content.decode()
    # the headline equals an independent count of the same ledgers
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.web.selectors import campaign_today

    campaign = campaign_get()
    until = campaign_today(campaign)
    n = Activity.objects.in_subtree(root).filter(date__lte=until).count()
    assert f"{n:,}" in body
    overdue = Problem.objects.in_subtree(root).aggregate(
        n=Count("id", filter=Q(deadline__lt=until) & ~Q(status="已整改"))
    )["n"]
    assert f"{overdue:,} 个" in body
    # the clerk's dashboard counts only its township
    clerk = Client()
    _sign_in(clerk, "clerk")
    town = Profile.objects.get(user__username="clerk").scope
    n_town = Activity.objects.in_subtree(town).filter(date__lte=until).count()
    assert f"{n_town:,}" in clerk.get(reverse("dashboard")).content.decode()
    # a filtered list
    response = client.get(
        reverse("ledger_list", args=["activities"]), {"type": "主题党日", "period": "2021-06"}
    )
    expected = Activity.objects.filter(type="主题党日", date__year=2021, date__month=6).count()
    assert f'id="xz-total">{expected:,}<' in response.content.decode()
