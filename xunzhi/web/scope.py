"""Scope and permissions, enforced in one place.

A user's scope is a subtree of the organisation tree (their profile's ``scope`` unit and
everything below it). Every view reads through the models' ``.visible_to(user)``
(:mod:`xunzhi.organisations.querysets`), every form field's queryset is
``Org.objects.visible_to(user)``, and every object lookup goes through
:func:`get_scoped_or_404`, so a record outside the scope answers 404 whatever the URL, form
field, filter or export.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404

from xunzhi.ledgers.services import KIND_NAMES
from xunzhi.organisations.models import Org
from xunzhi.organisations.querysets import SubtreeQuerySet
from xunzhi.web.models import Profile, Role

_M = TypeVar("_M", bound=Model)

#: ``request.user``: a signed-in user (views are behind ``login_required``).
AnyUser = AbstractBaseUser | AnonymousUser

#: What each role may do (besides reading its scope).
PERMISSIONS: dict[str, set[str]] = {
    Role.OFFICE: {"edit", "upload", "values", "review", "report", "visits", "manage", "audit"},
    Role.INSPECTOR: {"review", "report", "visits", "audit"},
    Role.CLERK: {"edit", "upload", "values"},
    Role.VIEWER: set(),
}

ACTION_NAMES = {
    "edit": "修改台账",
    "upload": "导入台账",
    "values": "填报数据",
    "review": "审核填报数据",
    "report": "生成评估报告",
    "visits": "记录督导情况",
    "manage": "管理组织和用户",
    "audit": "查看操作日志",
}


def user_profile(user: AnyUser) -> Profile:
    """The profile of a signed-in user; superusers without one see the whole first tree."""
    cached: Profile | None = getattr(user, "_xz_profile_cache", None)
    if cached is not None:
        return cached
    profile = Profile.objects.select_related("scope").filter(user_id=user.pk or 0).first()
    if profile is None:
        if isinstance(user, User) and user.is_superuser:
            root: Org | None = Org.objects.get_first_root_node()
            if root is None:
                raise PermissionDenied("数据库中还没有组织。")
            profile = Profile(user=user, role=Role.OFFICE, scope=root)
        else:
            raise PermissionDenied("您的账号还没有分配角色和管理范围，请联系县学习教育办。")
    setattr(user, "_xz_profile_cache", profile)  # noqa: B010 - a per-request memo
    return profile


def user_scope(user: AnyUser) -> Org:
    return user_profile(user).scope


def can(user: AnyUser, action: str) -> bool:
    return action in PERMISSIONS.get(user_profile(user).role, set())


def require(user: AnyUser, action: str) -> None:
    if not can(user, action):
        raise PermissionDenied(
            f"您的角色（{user_profile(user).get_role_display()}）不能{ACTION_NAMES[action]}。"
        )


def can_edit_kind(user: AnyUser, kind: str) -> bool:
    """Clerks and the office edit ledgers; the guidance group records its visits."""
    if kind == "visits":
        return can(user, "visits")
    if kind == "problems":
        return can(user, "edit") or can(user, "visits")
    return can(user, "edit")


def require_edit_kind(user: AnyUser, kind: str) -> None:
    if not can_edit_kind(user, kind):
        role = user_profile(user).get_role_display()
        raise PermissionDenied(f"您的角色（{role}）不能修改{KIND_NAMES.get(kind, kind)}。")


def get_scoped_or_404(qs: SubtreeQuerySet[_M], user: AnyUser, **lookup: Any) -> _M:
    """The one object of ``qs`` (a queryset with ``visible_to``) matching ``lookup`` inside the
    user's scope; anything else is a 404 that does not say whether the record exists."""
    obj: _M | None = qs.visible_to(user).filter(**lookup).first()
    if obj is None:
        raise Http404("找不到该记录，或该记录不在您的管理范围内。")
    return obj
