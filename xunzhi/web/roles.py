"""What a role is called at its scope's level: one place, derived from the level words.

The office of a county is the 县委党史学习教育办, of a city the 市委党史学习教育办 (the level's
``committee`` word and the campaign's name); the inspectors of a county are the
县委巡回指导组, of a city the 市委巡回指导组 (the level's ``own_groups``: the groups that level
sends). A level without such words, and every other role, keeps the role's own label.
"""

from __future__ import annotations

from collections.abc import Iterable

from xunzhi.campaigns.levels import Level
from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.selectors import unit_level
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.web.models import Profile, Role


def role_label(role: str, *, level: Level | None, campaign_name: str = "") -> str:
    """The label of ``role`` for a scope of ``level`` (None: the role's own label)."""
    words = level.words if level is not None else {}
    if role == Role.OFFICE and words.get("committee") and campaign_name:
        return f"{words['committee']}{campaign_name}办"
    if role == Role.INSPECTOR and words.get("own_groups"):
        return words["own_groups"]
    return str(Role(role).label)


def _scope_level(scope: Org, campaign: Campaign) -> Level | None:
    try:
        return unit_level(campaign=campaign, unit=scope)
    except UserError:
        return None


def scope_role_label(role: str, scope: Org, campaign: Campaign | None) -> str:
    """The label of ``role`` for a user whose scope is ``scope`` in ``campaign`` (the
    navigation bar's)."""
    if campaign is None:
        return role_label(role, level=None)
    return role_label(role, level=_scope_level(scope, campaign), campaign_name=campaign.name)


def profiles_with_labels(
    profiles: Iterable[Profile], campaign: Campaign | None
) -> list[tuple[Profile, str]]:
    """Each profile with its role's label as the navigation bar shows it to that user (the
    level of each scope found once, however many users share it)."""
    levels: dict[int, Level | None] = {}
    rows = []
    for profile in profiles:
        if campaign is None:
            rows.append((profile, role_label(profile.role, level=None)))
            continue
        if profile.scope_id not in levels:
            levels[profile.scope_id] = _scope_level(profile.scope, campaign)
        level = levels[profile.scope_id]
        rows.append((profile, role_label(profile.role, level=level, campaign_name=campaign.name)))
    return rows
