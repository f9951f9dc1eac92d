"""Reads owned by the web application: the data stamp and cached dashboard figures."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.db.models import Max, Subquery
from django.utils import timezone

from xunzhi.ledgers.models import LEDGER_MODELS
from xunzhi.ledgers.selectors import DashboardStats, dashboard_stats
from xunzhi.organisations.models import Org
from xunzhi.web.models import DataStamp


def data_stamp() -> str:
    """A string that changes on every ledger write: the write counter plus each ledger's highest
    id (which also catches bulk loads that send no signal). One query."""
    annotations = {
        kind: Subquery(model.objects.order_by("-id").values("id")[:1])
        for kind, model in LEDGER_MODELS.items()
    }
    row = (
        DataStamp.objects.filter(pk=1)
        .annotate(**annotations)
        .values("counter", *annotations)
        .first()
    )
    if row is None:
        # No counter yet: fall back to the highest ids alone.
        maxes = [str(m.objects.aggregate(m=Max("id"))["m"] or 0) for m in LEDGER_MODELS.values()]
        return "0-" + "-".join(maxes)
    return "-".join(str(row[k] or 0) for k in ("counter", *annotations))


def campaign_today(campaign) -> dt.date:
    """The cut-off the dashboard counts up to: today, within the campaign's period."""
    today = timezone.localdate()
    return max(campaign.start_date, min(today, campaign.end_date))


def dashboard_cached(*, campaign, scope: Org, until: dt.date | None = None) -> DashboardStats:
    until = until or campaign_today(campaign)
    key = f"xz:dash:{campaign.pk}:{scope.path}:{until}:{data_stamp()}"
    stats = cache.get(key)
    if stats is None:
        stats = dashboard_stats(campaign=campaign, scope=scope, until=until)
        cache.set(key, stats, 3600)
    return stats
