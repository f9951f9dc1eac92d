"""Reads owned by the web application: the data stamp and cached dashboard figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

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


def report_figures_cached(*, campaign, scope: Org, until: dt.date) -> list[dict]:
    """Every figure of the report for ``scope`` with its change since the end of last month
    (figures service, computed twice, cached on the data stamp)."""
    from xunzhi.figures.services import figures_compute

    key = f"xz:figs:{campaign.pk}:{scope.path}:{until}:{data_stamp()}"
    rows = cache.get(key)
    if rows is not None:
        return rows
    last = until.replace(day=1) - dt.timedelta(days=1)
    now = figures_compute(campaign=campaign, unit=scope, until=until)
    before = figures_compute(campaign=campaign, unit=scope, until=max(last, campaign.start_date))
    rows = []
    for fig in now:
        prev = before.values.get(fig.code)
        delta = None
        if (
            isinstance(fig.value, int | Decimal)
            and prev is not None
            and isinstance(prev.value, int | Decimal)
        ):
            delta = fig.value - prev.value
        rows.append(
            {
                "code": fig.code,
                "name": fig.name,
                "text": fig.text,
                "unit": fig.unit,
                "value": fig.value,
                "delta": delta,
                "is_ratio": fig.style == "%",
            }
        )
    cache.set(key, rows, 3600)
    return rows
