"""Scope matrix: role × page × action. Nothing outside a user's subtree can be read or changed,
by URL, form field, filter, crafted POST or export; roles without a right get 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xunzhi.ledgers.models import Activity, Problem, ReportedValue
from xunzhi.web.models import Job, JobKind

pytestmark = pytest.mark.django_db

ROLES = ["office", "inspector", "clerk", "viewer"]
# who may see what: the clerk's scope is the east township only
SEES_WEST = {"office": True, "inspector": True, "clerk": False, "viewer": True}
EDITS_ACTIVITIES = {"office": True, "inspector": False, "clerk": True, "viewer": False}


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_scope(clients, records, role):
    body = clients[role].get(reverse("ledger_list", args=["activities"])).content.decode()
    assert "东镇主题党日" in body
    assert ("西镇专题研讨" in body) is SEES_WEST[role]


@pytest.mark.parametrize("role", ROLES)
def test_unit_filter_outside_scope_is_404(clients, county, records, role):
    west = county.townships[1]
    for name in ("dashboard", "orgs"):
        response = clients[role].get(reverse(name), {"unit": west.code})
        assert response.status_code == (200 if SEES_WEST[role] else 404), name
    response = clients[role].get(reverse("ledger_list", args=["problems"]), {"unit": west.code})
    assert response.status_code == (200 if SEES_WEST[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_edit_page_of_out_of_scope_record(clients, records, role):
    west = records["west_activity"]
    url = reverse("ledger_edit", args=["activities", west.pk])
    response = clients[role].get(url)
    if not EDITS_ACTIVITIES[role]:
        assert response.status_code == 403
    else:
        assert response.status_code == (200 if SEES_WEST[role] else 404)


@pytest.mark.parametrize("role", ROLES)
def test_crafted_edit_post_outside_scope(clients, county, records, role):
    west = records["west_activity"]
    url = reverse("ledger_edit", args=["activities", west.pk])
    data = {
        "org": county.branches[2].pk,
        "date": "2021-05-06",
        "type": "专题学习研讨",
        "title": "被篡改",
        "participants": 1,
        "beneficiaries": 0,
        "version": west.version,
    }
    response = clients[role].post(url, data)
    west.refresh_from_db()
    if role == "office":
        assert response.status_code == 302
        assert west.title == "被篡改"
    else:
        assert response.status_code in (403, 404)
        assert west.title == "西镇专题研讨"


def test_clerk_cannot_move_own_record_out_of_scope(clients, county, records):
    east = records["east_activity"]
    url = reverse("ledger_edit", args=["activities", east.pk])
    response = clients["clerk"].post(
        url,
        {
            "org": county.branches[2].pk,  # a west branch
            "date": "2021-04-02",
            "type": "主题党日",
            "title": "东镇主题党日",
            "participants": 30,
            "beneficiaries": 0,
            "version": east.version,
        },
    )
    assert response.status_code == 200  # the form is shown again with an error
    assert "选择一个有效的选项" in response.content.decode()
    east.refresh_from_db()
    assert east.org_id == county.branches[0].pk


def test_clerk_cannot_create_in_other_township(clients, county):
    before = Activity.objects.count()
    response = clients["clerk"].post(
        reverse("ledger_new", args=["activities"]),
        {
            "org": county.branches[2].pk,
            "date": "2021-04-02",
            "type": "主题党日",
            "title": "越权新增",
            "participants": 3,
            "beneficiaries": 0,
        },
    )
    assert response.status_code == 200
    assert Activity.objects.count() == before
    # the same form inside the scope works
    response = clients["clerk"].post(
        reverse("ledger_new", args=["activities"]),
        {
            "org": county.branches[1].pk,
            "date": "2021-04-02",
            "type": "主题党日",
            "title": "本镇新增",
            "participants": 3,
            "beneficiaries": 0,
        },
    )
    assert response.status_code == 302
    assert Activity.objects.filter(title="本镇新增").exists()


def test_form_org_choices_are_scoped(clients, county):
    body = clients["clerk"].get(reverse("ledger_new", args=["activities"])).content.decode()
    assert county.branches[0].name in body
    assert county.branches[2].name not in body
    assert county.departments[0].name not in body


@pytest.mark.parametrize("role", ROLES)
def test_delete_outside_scope(clients, records, role):
    west = records["west_problem"]
    response = clients[role].post(
        reverse("ledger_delete", args=["problems", west.pk]), {"version": west.version}
    )
    exists = Problem.objects.filter(pk=west.pk).exists()
    if role == "office" or role == "inspector":  # office edits; the guidance group records problems
        assert response.status_code == 302
        assert not exists
    else:
        assert response.status_code in (403, 404)
        assert exists


@pytest.mark.parametrize("role", ROLES)
def test_values_form_outside_scope(clients, county, role):
    west = county.branches[2]
    url = reverse("values_form", args=[west.code, "2021-06"])
    get = clients[role].get(url)
    assert get.status_code == (200 if SEES_WEST[role] else 404)
    post = clients[role].post(url, {"action": "save", "v_专班抽调人数": "5", "version": "0"})
    written = ReportedValue.objects.filter(org=west, item="专班抽调人数").exists()
    if role == "office":
        assert post.status_code == 302 and written
    else:
        assert post.status_code in (403, 404) and not written


@pytest.mark.parametrize("role", ROLES)
def test_manage_pages_are_office_only(clients, role):
    for name in ("users", "user_new", "org_new"):
        response = clients[role].get(reverse(name))
        assert response.status_code == (200 if role == "office" else 403), name


def test_user_scope_cannot_be_widened_by_crafted_post(clients, people, county):
    # an office user scoped to the east township cannot create a county-wide user
    from xunzhi.organisations.services import user_save

    user_save(
        username="eastoffice", role="office", scope=county.townships[0], password="pw-East-12345"
    )
    from tests.web.conftest import login

    client = login(type(people["office"]).objects.get(username="eastoffice"))
    response = client.post(
        reverse("user_new"),
        {
            "username": "sneaky",
            "role": "office",
            "scope": county.county.pk,
            "password": "pw-Sneaky-9876",
        },
    )
    assert response.status_code == 200
    assert not type(people["office"]).objects.filter(username="sneaky").exists()


@pytest.mark.parametrize("role", ROLES)
def test_jobs_of_other_scopes_are_404(clients, people, county, role):
    job = Job.objects.create(kind=JobKind.IMPORT, user=people["clerk2"], scope=county.townships[1])
    for name in ("job", "job_progress"):
        response = clients[role].get(reverse(name, args=[job.pk]))
        assert response.status_code == (200 if SEES_WEST[role] else 404), name


@pytest.mark.parametrize("role", ROLES)
def test_upload_rights(clients, role):
    response = clients[role].get(reverse("upload"))
    assert response.status_code == (200 if role in ("office", "clerk") else 403)


EDIT_RIGHTS = {
    # kind: roles that may create, edit and delete it
    "activities": {"office", "clerk"},
    "projects": {"office", "clerk"},
    "problems": {"office", "clerk", "inspector"},
    "resources": {"office", "clerk"},
    "values": {"office", "clerk"},
    "visits": {"office", "inspector"},
}


@pytest.mark.parametrize("kind", list(EDIT_RIGHTS))
@pytest.mark.parametrize("role", ROLES)
def test_edit_rights_by_kind(clients, role, kind):
    response = clients[role].get(reverse("ledger_new", args=[kind]))
    assert response.status_code == (200 if role in EDIT_RIGHTS[kind] else 403)
    list_page = clients[role].get(reverse("ledger_list", args=[kind])).content.decode()
    assert (reverse("ledger_new", args=[kind]) in list_page) is (role in EDIT_RIGHTS[kind])


AUDIT_READERS = {"office", "inspector"}


@pytest.mark.parametrize("role", ROLES)
def test_audit_log_rights_and_scope(clients, people, county, role):
    """The office and the guidance group read the log of their scope; nobody else reads it."""
    west = county.townships[1]
    for name in ("audit", "audit_export"):
        response = clients[role].get(reverse(name), {"unit": west.code})
        assert response.status_code == (200 if role in AUDIT_READERS else 403), name
    # a clerk's own writes are in the log, but the clerk cannot open it
    response = clients[role].get(reverse("audit"), {"actor": "clerk"})
    assert response.status_code == (200 if role in AUDIT_READERS else 403)
