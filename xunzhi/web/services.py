"""Writes owned by the web application: users with roles and scopes, the data stamp, jobs."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org, OrgKind
from xunzhi.web.models import DataStamp, Job, JobStatus, Profile, Role

DEMO_PASSWORD = "xunzhi-demo"


def data_stamp_bump() -> None:
    """Mark the data as changed: cached figures keyed on the old stamp are never used again."""
    updated = DataStamp.objects.filter(pk=1).update(counter=F("counter") + 1)
    if not updated:
        DataStamp.objects.get_or_create(pk=1, defaults={"counter": 1})


@transaction.atomic
def user_save(
    *,
    username: str,
    role: str,
    scope: Org,
    password: str | None = None,
    display_name: str = "",
    actor_scope: Org | None = None,
    check_password: bool = True,
):
    """Create or update a user with a role and a scope (inside ``actor_scope`` when given)."""
    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空。")
    if role not in Role.values:
        raise UserError(f"角色“{role}”无效。")
    if actor_scope is not None and not scope.path.startswith(actor_scope.path):
        raise UserError(f"管理范围“{scope.name}”不在您自己的管理范围内。")
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created and not password:
        raise UserError("新用户必须设置初始密码。")
    if password:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise UserError("密码不符合要求：" + "；".join(exc.messages)) from exc
        user.set_password(password)
        user.save()
    Profile.objects.update_or_create(
        user=user, defaults={"role": role, "scope": scope, "display_name": display_name}
    )
    return user


@transaction.atomic
def user_deactivate(*, username: str, actor_scope: Org | None = None) -> None:
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise UserError(f"找不到用户“{username}”。")
    profile = Profile.objects.filter(user=user).select_related("scope").first()
    if actor_scope is not None and (
        profile is None or not profile.scope.path.startswith(actor_scope.path)
    ):
        raise UserError(f"用户“{username}”不在您的管理范围内。")
    user.is_active = False
    user.save(update_fields=["is_active"])


def demo_users_create(*, root: Org | None = None) -> list[tuple[str, str, str]]:
    """The four demo logins (office, inspector, clerk of the first township, viewer), all with
    the password ``xunzhi-demo``. Returns (username, role label, scope name)."""
    root = root or Org.objects.get_first_root_node()
    if root is None:
        raise UserError("数据库中还没有组织，无法创建演示用户。")
    township = (
        Org.objects.filter(path__startswith=root.path, kind=OrgKind.TOWNSHIP)
        .order_by("path")
        .first()
        or root
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


def job_update(job_id: int, **fields) -> None:
    Job.objects.filter(pk=job_id).update(**fields)


def job_fail(job_id: int, message: str) -> None:
    Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, message=message)


@transaction.atomic
def org_create(
    *, parent: Org, code: str, name: str, kind: str, member_count: int = 0, actor_scope: Org | None
) -> Org:
    """Add a unit under ``parent`` (which must be in the actor's scope)."""
    if actor_scope is not None and not parent.path.startswith(actor_scope.path):
        raise UserError(f"上级组织“{parent.name}”不在您的管理范围内。")
    code, name = code.strip(), name.strip()
    if Org.objects.filter(code=code).exists():
        raise UserError(f"组织代码“{code}”已被使用。")
    if kind not in OrgKind.values:
        raise UserError(f"组织类型“{kind}”无效。")
    parent.refresh_from_db()
    org = parent.add_child(code=code, name=name, kind=kind, member_count=member_count)
    return org
