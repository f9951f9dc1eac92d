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
    """The four demo logins (office, inspector, clerk of the first township, viewer), all with
    the password ``xunzhi-demo``. Returns (username, role label, scope name)."""
    root = root or Org.objects.get_first_root_node()
    if root is None:
        raise UserError("数据库中还没有组织，无法创建演示用户。")
    township = (
        Org.objects.in_subtree(root).filter(kind=OrgKind.TOWNSHIP).order_by("path").first() or root
    )
    plan = [
        ("office", Role.OFFICE, root, "县学习教育办"),
        ("inspector", Role.INSPECTOR, root, "督导组"),
        ("clerk", Role.CLERK, township, "填报员"),
        ("viewer", Role.VIEWER, root, "只读用户"),
    ]
    done = []
    for username, role, scope, name in plan:
        user_save(
            username=username,
            role=role,
            scope=scope,
            password=DEMO_PASSWORD,
            display_name=name,
            check_password=False,
        )
        done.append((username, Role(role).label, scope.name))
    return done


def job_update(job_id: int, **fields: Any) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


def job_fail(job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=message)
