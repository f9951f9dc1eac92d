"""Reads for campaigns."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from xunzhi.campaigns.levels import Level
from xunzhi.campaigns.models import Campaign, CampaignVersion
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org


def campaign_get(code: str | None = None) -> Campaign:
    """The campaign with ``code``, or the current one (a setting the office changes with
    ``xunzhi campaign current CODE``; never "the newest") when no code is given."""
    qs = _with_version()
    campaign = qs.filter(code=code).first() if code else qs.filter(is_current=True).first()
    if campaign is None:
        if code:
            known = "、".join(qs.values_list("code", flat=True)) or "（无）"
            raise UserError(f"找不到学习教育活动“{code}”。已载入：{known}。")
        if qs.exists():
            raise UserError("没有设定当前学习教育活动。请运行 xunzhi campaign current 活动代码。")
        raise UserError("还没有载入任何学习教育活动。请先运行 xunzhi init。")
    return campaign


def campaign_list() -> list[Campaign]:
    """Every loaded campaign, newest first (by start date)."""
    return list(_with_version().order_by("-start_date", "-pk"))


def _with_version() -> QuerySet[Campaign]:
    """Campaigns with their published version, whose file, template and parsed copy (tens of
    kilobytes, read by every page) are loaded only when asked for (``template_text``)."""
    return Campaign.objects.select_related("version").defer(
        "version__source_text", "version__template_text", "version__config"
    )


def campaigns_for_user(user: AbstractBaseUser | AnonymousUser) -> list[Campaign]:
    """The campaigns the switcher offers ``user``, newest first. A campaign is not bound to units
    (every unit takes part in every campaign), so every loaded one applies to every scope."""
    return campaign_list()


def campaign_versions(*, campaign: Campaign) -> list[CampaignVersion]:
    """Every stored version of ``campaign``'s file, newest first."""
    return list(campaign.versions.select_related("created_by").order_by("-number"))


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
