"""Writes owned by the web application: the data stamp, the demo logins, job rows.
Units, leaders and users are written by :mod:`xunzhi.organisations.services`."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind
from xunzhi.organisations.services import user_save
from xunzhi.web.models import DataStamp, Job, JobStatus, Role

DEMO_PASSWORD = "xunzhi-demo"  # noqa: S105 the documented demo password


def data_stamp_bump() -> None:
    """Mark the data as changed: cached figures keyed on the old stamp are never used again."""
    updated = DataStamp.objects.filter(pk=1).update(counter=F("counter") + 1)
    if not updated:
        DataStamp.objects.get_or_create(pk=1, defaults={"counter": 1})


def demo_users_create(*, root: Org | None = None) -> list[tuple[str, str, str]]:
    """The demo logins, all with the password ``xunzhi-demo``: office, inspector, clerk of the
    first township and viewer of the (first) county; on a city (``demo-data --scale city``) also
    ``city-office`` and ``city-inspector`` over the whole city; on a province
    (``--scale province``) also ``province-office`` and ``province-inspector``, the city logins
    over its first city. Returns (username, role label,
    scope name); the labels come from the level words (:mod:`xunzhi.web.roles`)."""
    from xunzhi.campaigns.models import Campaign
    from xunzhi.campaigns.selectors import campaign_get
    from xunzhi.web.roles import scope_role_label

    root = root or Org.objects.get_first_root_node()
    if root is None:
        raise UserError("数据库中还没有组织，无法创建演示用户。")
    plan: list[tuple[str, str, Org]] = []
    if root.kind == OrgKind.PROVINCE:
        plan += [
            ("province-office", Role.OFFICE, root),
            ("province-inspector", Role.INSPECTOR, root),
        ]
        root = (
            Org.objects.children_of(root).filter(kind=OrgKind.CITY).order_by("path").first() or root
        )
    county = root
    if root.kind == OrgKind.CITY:
        county = (
            Org.objects.children_of(root).filter(kind=OrgKind.COUNTY).order_by("path").first()
            or root
        )
        plan += [("city-office", Role.OFFICE, root), ("city-inspector", Role.INSPECTOR, root)]
    township = (
        Org.objects.in_subtree(county).filter(kind=OrgKind.TOWNSHIP).order_by("path").first()
        or county
    )
    plan += [
        ("office", Role.OFFICE, county),
        ("inspector", Role.INSPECTOR, county),
        ("clerk", Role.CLERK, township),
        ("viewer", Role.VIEWER, county),
    ]
    campaign: Campaign | None
    try:
        campaign = campaign_get()
    except UserError:  # no campaign loaded yet: the roles' own labels
        campaign = None
    names: dict[str, str] = {Role.CLERK: "填报员", Role.VIEWER: "只读用户"}
    done = []
    for username, role, scope in plan:
        label = scope_role_label(role, scope, campaign)
        user_save(
            username=username,
            role=role,
            scope=scope,
            password=DEMO_PASSWORD,
            display_name=names.get(role, label),
            check_password=False,
        )
        done.append((username, label, scope.name))
    return done


def job_update(job_id: int, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


def job_fail(job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=message)
