"""Writes for campaigns: load a campaign file as a new version, publish an uploaded one, choose
the current campaign. Every version of a file and its template stays in the database."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction

from xunzhi.campaigns.models import Campaign, CampaignChoice, CampaignVersion
from xunzhi.campaigns.spec import CampaignFile, builtin_campaign_files, campaign_file_read
from xunzhi.lib.errors import UserError


class Loaded(StrEnum):
    """What loading or publishing a campaign file did."""

    NEW = "new"  # a campaign not known before: its first version
    VERSION = "version"  # a known campaign whose file or template changed: a new version
    UNCHANGED = "unchanged"  # the published version is the same file and template: nothing


def campaign_load(*, path: Path, user: User | None = None) -> tuple[Campaign, Loaded]:
    """Load one campaign file and its template; returns the campaign and what was stored.
    Idempotent: an unchanged file (and template) adds no version."""
    parsed = campaign_file_read(path)
    campaign, loaded, _version = campaign_publish(parsed=parsed, user=user)
    return campaign, loaded


@transaction.atomic
def campaign_publish(
    *, parsed: CampaignFile, user: User | None = None, note: str = ""
) -> tuple[Campaign, Loaded, CampaignVersion]:
    """Store ``parsed`` as the campaign's next version and make it the published one (unless it
    equals the published one). The first campaign ever loaded becomes the current one."""
    spec = parsed.spec
    campaign = Campaign.objects.select_for_update().filter(code=spec.code).first()
    created = campaign is None
    if campaign is None:
        campaign = Campaign(code=spec.code)
    elif campaign.version is not None and campaign.version.sha256 == parsed.sha256:
        return campaign, Loaded.UNCHANGED, campaign.version
    config = _jsonable(parsed.data)
    campaign.name = spec.name
    campaign.start_date = spec.start
    campaign.end_date = spec.end
    campaign.source_path = str(parsed.path.resolve()) if parsed.path.is_absolute() else ""
    campaign.source_sha256 = parsed.sha256
    campaign.config = config
    if created and not Campaign.objects.filter(is_current=True).exists():
        campaign.is_current = True
    campaign.save()
    last = campaign.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = CampaignVersion.objects.create(
        campaign=campaign,
        number=last + 1,
        name=spec.name,
        source_name=parsed.path.name,
        source_text=parsed.text,
        template_name=parsed.template_name,
        template_text=parsed.template_text,
        sha256=parsed.sha256,
        config=config,
        created_by=user if getattr(user, "pk", None) else None,
        note=note,
    )
    campaign.version = version
    campaign.save(update_fields=["version"])
    for cached in ("_spec", "_figure_spec"):
        campaign.__dict__.pop(cached, None)
    return campaign, Loaded.NEW if created else Loaded.VERSION, version


def campaign_load_builtin() -> list[Campaign]:
    """Load every campaign file the product ships."""
    return [campaign_load(path=path)[0] for path in builtin_campaign_files()]


@transaction.atomic
def campaign_set_current(*, code: str) -> Campaign:
    """Make the campaign ``code`` the current one (the CLI's and the web's default)."""
    campaign = Campaign.objects.select_for_update().filter(code=code).first()
    if campaign is None:
        known = "、".join(Campaign.objects.values_list("code", flat=True)) or "（无）"
        raise UserError(f"找不到学习教育活动“{code}”。已载入：{known}。")
    for other in Campaign.objects.filter(is_current=True).exclude(pk=campaign.pk):
        other.is_current = False
        other.save(update_fields=["is_current"])
    if not campaign.is_current:
        campaign.is_current = True
        campaign.save(update_fields=["is_current"])
    return campaign


@transaction.atomic
def campaign_choose(*, user: AbstractBaseUser | AnonymousUser, code: str) -> Campaign:
    """Keep ``code`` as the campaign ``user`` works in on the web (the switcher)."""
    if not user.is_authenticated:
        raise UserError("请先登录。")
    campaign = Campaign.objects.filter(code=code).first()
    if campaign is None:
        raise UserError(f"找不到学习教育活动“{code}”。")
    CampaignChoice.objects.update_or_create(user_id=user.pk, defaults={"campaign": campaign})
    return campaign


def _jsonable(value: Any) -> Any:
    """TOML dates become ISO strings so the parsed file fits a JSON column."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value
