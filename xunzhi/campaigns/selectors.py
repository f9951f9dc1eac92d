"""Reads for campaigns."""

from __future__ import annotations

from xunzhi.campaigns.levels import Level
from xunzhi.campaigns.models import Campaign
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


def campaign_get(code: str | None = None) -> Campaign:
    """The campaign with ``code``, or the most recent one when no code is given."""
    qs = Campaign.objects.all()
    campaign = qs.filter(code=code).first() if code else qs.order_by("-start_date").first()
    if campaign is None:
        if code:
            known = "、".join(qs.values_list("code", flat=True)) or "（无）"
            raise UserError(f"找不到学习教育活动“{code}”。已载入：{known}。")
        raise UserError("还没有载入任何学习教育活动。请先运行 xunzhi init。")
    return campaign


def unit_level(*, campaign: Campaign, unit: Org) -> Level:
    """The level of ``unit`` in the campaign's vocabulary (its kind, name, parent's and children's
    kinds decide); at most two small queries, only when a candidate level needs them."""
    vocabulary = campaign.spec.vocabulary
    candidates = vocabulary.candidates(unit.kind)
    parent_kind = None
    child_kinds: set[str] = set()
    if any(level.parent_kinds for level in candidates) and unit.depth > 1:
        parent_kind = (
            Org.objects.filter(path=unit.path[: -Org.steplen])
            .values_list("kind", flat=True)
            .first()
        )
    if any(level.child_kinds for level in candidates):
        child_kinds = set(Org.objects.children_of(unit).values_list("kind", flat=True).distinct())
    return vocabulary.level_for(
        kind=unit.kind, name=unit.name, parent_kind=parent_kind, child_kinds=child_kinds
    )
