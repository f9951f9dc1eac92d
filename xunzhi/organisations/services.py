"""Writes to the organisation tree and its people: units, leaders, and the users who work in
a unit's subtree (their role and scope). Every write checks the actor's scope; edits carry the
``version`` the person saw (optimistic locking)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from xunzhi.audit.context import audit_context
from xunzhi.audit.models import Event
from xunzhi.audit.services import audit_event
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Leader, Org, OrgKind, Rank
from xunzhi.web.login_guard import login_failures_clear
from xunzhi.web.models import Profile, Role


def _check_in_scope(org: Org, actor_scope: Org | None, message: str) -> None:
    if actor_scope is not None and not org.in_subtree_of(actor_scope):
        raise UserError(message)


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
    new: bool = False,
) -> User:
    """Create or update a user with a role and a scope (inside ``actor_scope`` when given).
    ``new``: the person means to add a user, so an existing username is refused."""
    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空。")
    if role not in Role.values:
        raise UserError(f"角色“{role}”无效。")
    _check_in_scope(scope, actor_scope, f"管理范围“{scope.name}”不在您自己的管理范围内。")
    model = get_user_model()
    found = model.objects.filter(username=username).first()
    if new and found is not None:
        raise UserError(f"用户名“{username}”已存在。")
    if found is not None and actor_scope is not None:
        existing = Profile.objects.filter(user=found).select_related("scope").first()
        if found.is_superuser or existing is None:
            raise UserError(f"用户名“{username}”已被系统账号使用，请换一个。")
        if not existing.scope.in_subtree_of(actor_scope):
            raise UserError(f"用户“{username}”不在您的管理范围内。")
    created = found is None
    user = found if found is not None else model(username=username)
    if created and not password:
        raise UserError("新用户必须设置初始密码。")
    if password:
        if check_password:
            try:
                validate_password(password, user)
            except ValidationError as exc:
                raise UserError("密码不符合要求：" + "；".join(exc.messages)) from exc
        user.set_password(password)
    with audit_context(unit=scope):  # a new user has no profile yet to tell its unit
        if created or password:
            user.save()
        Profile.objects.update_or_create(
            user=user, defaults={"role": role, "scope": scope, "display_name": display_name}
        )
    return user


def _user_in_scope(username: str, actor_scope: Org | None) -> User:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UserError(f"找不到用户“{username}”。")
    profile = Profile.objects.filter(user=user).select_related("scope").first()
    if actor_scope is not None and (
        profile is None or not profile.scope.in_subtree_of(actor_scope)
    ):
        raise UserError(f"用户“{username}”不在您的管理范围内。")
    return user


@transaction.atomic
def user_set_active(
    *,
    username: str,
    active: bool,
    actor_scope: Org | None = None,
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> User:
    """Enable or disable a login (inside the actor's scope; nobody disables themself)."""
    user = _user_in_scope(username, actor_scope)
    if actor is not None and actor.pk == user.pk and not active:
        raise UserError("不能停用自己的账号。")
    user.is_active = active
    user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def user_unlock(*, username: str, actor_scope: Org | None = None) -> int:
    """Lift a login lockout of an account before its time is up (its failed logins are
    forgotten); returns how many failure records went."""
    user = _user_in_scope(username, actor_scope)
    cleared = login_failures_clear(username=user.get_username())
    audit_event(event=Event.UNLOCK, instance=user)
    return cleared


@transaction.atomic
def leader_save(
    *,
    org: Org,
    name: str,
    title: str = "",
    rank: str,
    is_principal: bool = False,
    actor_scope: Org | None,
    pk: int | None = None,
    version: int | None = None,
) -> Leader:
    """Add or change a leader (optimistic locking on ``version`` when changing)."""
    _check_in_scope(org, actor_scope, f"组织“{org.name}”不在您的管理范围内。")
    name = (name or "").strip()
    if not name:
        raise UserError("领导姓名不能为空。")
    if rank not in Rank.values:
        raise UserError(f"职级“{rank}”无效，应为：{'、'.join(Rank.values)}。")
    clash = Leader.objects.filter(org=org, name=name)
    if pk is None:
        if clash.exists():
            raise UserError(f"{org.name} 已有名为“{name}”的领导。")
        return Leader.objects.create(
            org=org, name=name, title=title, rank=rank, is_principal=is_principal
        )
    current = Leader.objects.select_for_update().select_related("org").filter(pk=pk).first()
    if current is None:
        raise UserError("该领导记录已不存在。")
    _check_in_scope(current.org, actor_scope, "该领导不在您的管理范围内。")
    if version is not None and current.version != version:
        raise UserError(
            f"保存失败：该领导信息已被其他用户修改（当前是第 {current.version} 版），请刷新后重试。"
        )
    if clash.exclude(pk=pk).exists():
        raise UserError(f"{org.name} 已有名为“{name}”的领导。")
    current.org, current.name, current.title = org, name, title
    current.rank, current.is_principal = rank, is_principal
    current.version += 1
    current.save()
    return current


@transaction.atomic
def org_update(
    *,
    org: Org,
    name: str,
    kind: str,
    member_count: int,
    is_leading_body: bool,
    version: int | None,
    actor_scope: Org | None,
) -> Org:
    """Change a unit's name, kind, member count or 领导班子 flag (optimistic locking on
    ``version``). Its code and place in the tree stay: the import refuses moves too."""
    _check_in_scope(org, actor_scope, f"组织“{org.name}”不在您的管理范围内。")
    name = (name or "").strip()
    if not name:
        raise UserError("组织名称不能为空。")
    if kind not in OrgKind.values:
        raise UserError(f"组织类型“{kind}”无效，应为：{'、'.join(OrgKind.values)}。")
    if member_count < 0:
        raise UserError("党员数不能为负数。")
    current: Org = Org.objects.select_for_update().get(pk=org.pk)
    if version is not None and current.version != version:
        raise UserError(
            f"保存失败：该组织信息已被其他用户修改（当前是第 {current.version} 版），请刷新后重试。"
        )
    current.name, current.kind, current.member_count = name, kind, member_count
    current.is_leading_body = is_leading_body
    current.version += 1
    current.save(update_fields=["name", "kind", "member_count", "is_leading_body", "version"])
    return current


@transaction.atomic
def org_create(
    *, parent: Org, code: str, name: str, kind: str, member_count: int = 0, actor_scope: Org | None
) -> Org:
    """Add a unit under ``parent`` (which must be in the actor's scope)."""
    _check_in_scope(parent, actor_scope, f"上级组织“{parent.name}”不在您的管理范围内。")
    code, name = code.strip(), name.strip()
    if Org.objects.filter(code=code).exists():
        raise UserError(f"组织代码“{code}”已被使用。")
    if kind not in OrgKind.values:
        raise UserError(f"组织类型“{kind}”无效。")
    parent.refresh_from_db()
    org: Org = Org.objects.add_child(
        parent, {"code": code, "name": name, "kind": kind, "member_count": member_count}
    )
    return org
