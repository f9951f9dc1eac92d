"""Who may do what with drafts.

- Draft and edit (生成草稿, edit, override, insert, delete, move, submit, refresh, unlock): the
  roles that may generate reports — the guidance group (督导组) and the office (县学习教育办) —
  within their scope.
- Review and approve (提意见, 退回, 审定): the office (县学习教育办), as the county's office head
  signs the report off; the person who submitted a draft cannot approve it themselves.
- Everyone else (填报员, 只读) sees only 定稿 of the units in their scope.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from xunzhi.drafts.models import Draft, DraftQuerySet, State
from xunzhi.drafts.webglue import Role, can, get_scoped_or_404, user_profile

#: The roles with the approval right (审定权).
APPROVER_ROLES = (Role.OFFICE,)


def can_draft(user: Any) -> bool:
    return can(user, "report")


def can_approve(user: Any) -> bool:
    return user_profile(user).role in APPROVER_ROLES


def require_draft(user: Any) -> None:
    if not can_draft(user):
        raise PermissionDenied(
            f"您的角色（{user_profile(user).get_role_display()}）不能起草和修改报告。"
        )


def require_approve(user: Any) -> None:
    if not can_approve(user):
        raise PermissionDenied(
            f"您的角色（{user_profile(user).get_role_display()}）没有审定报告的权限（由县学习教育办审定）。"
        )


def drafts_visible(user: Any) -> DraftQuerySet:
    qs = Draft.objects.visible_to(user).select_related("unit", "created_by", "approved_by")
    return qs if can_draft(user) else qs.filter(state=State.FINAL)


def draft_or_404(user: Any, pk: int) -> Draft:
    draft: Draft = get_scoped_or_404(drafts_visible(user), user, pk=pk)
    return draft
