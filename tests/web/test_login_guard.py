"""Login throttling (django-axes): per account and per address, a Chinese message, an audit
entry, the office can unlock; 300 wrong passwords then the right one does not log in."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.web.conftest import PASSWORD
from xunzhi.audit.models import AuditEntry, Event

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多"


def _try(client, username, password, addr="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=addr
    )


def _signed_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_300_wrong_passwords_then_the_right_one_does_not_log_in(people, client):
    for i in range(300):
        response = _try(client, "clerk", f"wrong-{i}")
        assert response.status_code in (200, 429)
    response = _try(client, "clerk", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not _signed_in(client)
    lockouts = AuditEntry.objects.filter(event=Event.LOCKOUT)
    assert lockouts.count() == 1  # when it locked, not once per refused try
    entry = lockouts.get()
    assert entry.object_repr == "clerk" and entry.remote_addr == "10.0.0.1"
    assert entry.unit_path == people["clerk"].xz_profile.scope.path


def test_an_account_locks_whatever_the_address(people, client):
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        _try(client, "clerk", "wrong", addr=f"10.0.1.{i}")
    response = _try(client, "clerk", PASSWORD, addr="10.0.2.1")
    assert response.status_code == 429 and LOCKED in response.content.decode()
    # another account from the same addresses is not affected
    other = _try(client, "office", PASSWORD, addr="10.0.1.0")
    assert other.status_code == 302 and _signed_in(client)


def test_an_address_locks_whatever_the_account(people, client):
    for i in range(settings.LOGIN_FAILURES_ADDRESS):
        _try(client, f"guess{i}", "wrong", addr="10.0.3.3")
    refused = _try(client, "clerk", PASSWORD, addr="10.0.3.3")
    assert refused.status_code == 429 and not _signed_in(client)
    # the clerk's account itself is fine: from another address it logs in
    assert _try(client, "clerk", PASSWORD, addr="10.0.4.4").status_code == 302
    assert _signed_in(client)


def test_a_few_typos_from_a_shared_address_lock_nobody(people, client):
    """Below each limit: an office behind one address, a user who mistyped twice."""
    for name in ("clerk", "office", "viewer"):
        _try(client, name, "typo", addr="10.0.5.5")
        _try(client, name, "typo", addr="10.0.5.5")
    assert _try(client, "viewer", PASSWORD, addr="10.0.5.5").status_code == 302


def test_the_lock_ends_after_the_cool_off(people, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "clerk", "wrong")
    assert _try(client, "clerk", PASSWORD).status_code == 429
    past = settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - past)
    assert _try(client, "clerk", PASSWORD).status_code == 302


def test_the_admin_login_is_guarded_too(people, client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "root", "wrong", url=url)
    response = _try(client, "root", PASSWORD, url=url)
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_the_office_unlocks_an_account(people, clients, client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "clerk", "wrong", addr="10.0.6.6")
    page = clients["office"].get(reverse("users")).content.decode()
    assert "登录已锁定" in page and reverse("user_unlock", args=["clerk"]) in page
    # a clerk cannot unlock anyone; an office outside the clerk's scope neither
    assert clients["clerk"].post(reverse("user_unlock", args=["clerk"])).status_code == 403
    response = clients["office"].post(reverse("user_unlock", args=["clerk"]))
    assert response.status_code == 302
    assert "登录已锁定" not in clients["office"].get(reverse("users")).content.decode()
    assert _try(client, "clerk", PASSWORD, addr="10.0.7.7").status_code == 302
    unlock = AuditEntry.objects.get(event=Event.UNLOCK)
    assert unlock.object_repr == "clerk" and unlock.actor == people["office"]


def test_unlock_outside_scope_is_refused(people, county, client):
    from tests.web.conftest import login
    from xunzhi.organisations.services import user_save

    west_office = user_save(
        username="westoffice", role="office", scope=county.townships[1], password=PASSWORD
    )
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "clerk", "wrong")
    response = login(west_office).post(reverse("user_unlock", args=["clerk"]), follow=True)
    assert "不在您的管理范围内" in response.content.decode()
    assert _try(client, "clerk", PASSWORD).status_code == 429
