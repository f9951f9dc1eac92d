"""Everything the evaluation app takes from the web layer, in one place (the issue-10 refactor
renames these: adapting to it is this file)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from xunzhi.web.scope import can, get_scoped_or_404, user_profile, user_scope
from xunzhi.web.views.common import (
    download_response,
    id_param,
    page_context,
    request_campaign,
    text_param,
    unit_param,
)

__all__ = [
    "can_evaluate",
    "download_response",
    "get_scoped_or_404",
    "id_param",
    "in_scope",
    "page_context",
    "request_campaign",
    "require_evaluate",
    "text_param",
    "unit_param",
    "user_scope",
]

#: Scoring units and defining surveys: the guidance group (inspectors) and the office, the roles
#: that record visits (``visits`` in web.scope.PERMISSIONS).
EVALUATE_RIGHT = "visits"


def in_scope(user: Any, org: Any) -> bool:
    """Is ``org`` in the user's subtree?"""
    return bool(org.path.startswith(user_scope(user).path))


def can_evaluate(user: Any) -> bool:
    return can(user, EVALUATE_RIGHT)


def require_evaluate(user: Any, what: str = "评估打分") -> None:
    if not can_evaluate(user):
        role = user_profile(user).get_role_display()
        raise PermissionDenied(f"您的角色（{role}）不能{what}。")
