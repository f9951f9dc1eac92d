"""Writes for campaigns: load (or reload) a campaign file into the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db import transaction

from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.spec import builtin_campaign_files, campaign_file_read


@transaction.atomic
def campaign_load(*, path: Path) -> tuple[Campaign, bool]:
    """Load one campaign file; returns the campaign and whether it was created. Idempotent."""
    parsed = campaign_file_read(path)
    spec = parsed.spec
    campaign, created = Campaign.objects.update_or_create(
        code=spec.code,
        defaults={
            "name": spec.name,
            "start_date": spec.start,
            "end_date": spec.end,
            "source_path": str(parsed.path.resolve()),
            "source_sha256": parsed.sha256,
            "config": _jsonable(parsed.data),
        },
    )
    return campaign, created


def campaign_load_builtin() -> list[Campaign]:
    """Load every campaign file the product ships."""
    return [campaign_load(path=path)[0] for path in builtin_campaign_files()]


def _jsonable(value: Any) -> Any:
    """TOML dates become ISO strings so the parsed file fits a JSON column."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return value
