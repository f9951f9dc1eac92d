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


def scope_role_label(role: str, scope: Org, campaign: Campaign | None) -> str:
    """The label of ``role`` for a user whose scope is ``scope`` in ``campaign`` (the
    navigation bar's)."""
    if campaign is None:
        return role_label(role, level=None)
    try:
        level = unit_level(campaign=campaign, unit=scope)
    except UserError:
        level = None
    return role_label(role, level=level, campaign_name=campaign.name)


def profiles_with_labels(
    profiles: Iterable[Profile], campaign: Campaign | None
) -> list[tuple[Profile, str]]:
    """Each profile with its role's label as the navigation bar shows it to that user
    (:func:`scope_role_label`, worked out once per role and scope)."""
    labels: dict[tuple[str, int], str] = {}
    rows = []
    for profile in profiles:
        key = (profile.role, profile.scope_id)
        if key not in labels:
            labels[key] = scope_role_label(profile.role, profile.scope, campaign)
        rows.append((profile, labels[key]))
    return rows
