"""Personas for the web tests: one user per role on the small county, plus data in two townships."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from xunzhi.ledgers.models import Activity, Problem, Project, Resource
from xunzhi.organisations.services import user_save
from xunzhi.web.models import Role

PASSWORD = "xunzhi-test-pw"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Jobs run inline: a forked child would not see the test's transaction (the fork itself is
    # tested against a real worker in tests/web/test_faults.py).
    settings.JOB_ISOLATION = False
    settings.DATA_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": str(tmp_path),
        }
    }


@pytest.fixture
def people(county):
    """office (county), inspector (county), clerk (east township), clerk2 (west), viewer."""
    east, west = county.townships
    users = {
        "office": user_save(
            username="office", role=Role.OFFICE, scope=county.county, password=PASSWORD
        ),
        "inspector": user_save(
            username="inspector", role=Role.INSPECTOR, scope=county.county, password=PASSWORD
        ),
        "clerk": user_save(username="clerk", role=Role.CLERK, scope=east, password=PASSWORD),
        "clerk2": user_save(username="clerk2", role=Role.CLERK, scope=west, password=PASSWORD),
        "viewer": user_save(
            username="viewer", role=Role.VIEWER, scope=county.county, password=PASSWORD
        ),
    }
    return users


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clients(people):
    return {name: login(user) for name, user in people.items()}


@pytest.fixture
def records(county):
    """A few rows in each township (east: branches[0..1], west: branches[2..3])."""
    c = county.campaign
    b = county.branches
    rows = {}
    rows["east_activity"] = Activity.objects.create(
        campaign=c,
        org=b[0],
        date=dt.date(2021, 4, 2),
        type="主题党日",
        title="东镇主题党日",
        participants=30,
    )
    rows["west_activity"] = Activity.objects.create(
        campaign=c,
        org=b[2],
        date=dt.date(2021, 5, 6),
        type="专题学习研讨",
        title="西镇专题研讨",
        participants=12,
    )
    Activity.objects.create(
        campaign=c,
        org=b[1],
        date=dt.date(2021, 5, 8),
        type="主题党日",
        title="东镇二村主题党日",
        participants=18,
    )
    rows["east_problem"] = Problem.objects.create(
        campaign=c,
        org=b[0],
        source="组织查摆",
        description="东镇学习不深",
        deadline=dt.date(2021, 5, 1),
    )
    rows["west_problem"] = Problem.objects.create(
        campaign=c,
        org=b[2],
        source="督导发现",
        description="西镇台账不全",
        deadline=dt.date(2021, 9, 1),
    )
    rows["west_project"] = Project.objects.create(
        campaign=c,
        org=b[3],
        name="西镇修路",
        field="交通出行",
        status="已完成",
        done_date=dt.date(2021, 6, 1),
    )
    rows["east_resource"] = Resource.objects.create(
        campaign=c, org=county.townships[0], type="微学群", name="东镇微学群", quantity=2
    )
    return rows
