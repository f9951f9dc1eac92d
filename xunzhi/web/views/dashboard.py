"""The dashboard: headline figures, charts, the report's figures and the rules that fire."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from xunzhi.organisations.models import Org
from xunzhi.web import charts
from xunzhi.web.scope import user_scope
from xunzhi.web.selectors import (
    campaign_today,
    dashboard_cached,
    data_stamp,
    figure_cache,
    report_figures_cached,
    rules_fired_cached,
)
from xunzhi.web.views.common import page_context, request_campaign, unit_param


def _source_tag(*names: str) -> str:
    """A short hash of the files a cached rendering comes from (new code, new cache keys)."""
    web = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in names:
        digest.update((web / name).read_bytes())
    return digest.hexdigest()[:12]


_BODY_TAG = _source_tag("templates/web/_dashboard_body.html", "charts.py", "views/dashboard.py")


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    campaign = request_campaign(request)
    scope = user_scope(request.user)
    unit = unit_param(request, scope)
    stamp = data_stamp()
    until = campaign_today(campaign)
    cache = figure_cache()
    # The body depends only on the unit, the user's scope and the data: render it once per
    # data version (a write changes the stamp, so it is never stale).
    key = (
        f"xz:dashbody:{_BODY_TAG}:{campaign.pk}:{campaign.source_sha256[:12]}:"
        f"{scope.path}:{unit.path}:{until}:{stamp}"
    )
    body = cache.get(key)
    if body is None:
        stats = dashboard_cached(campaign=campaign, scope=unit, until=until, stamp=stamp)
        body = render_to_string(
            "web/_dashboard_body.html",
            {
                "unit": unit,
                "scope": scope,
                "stats": stats,
                "rules": rules_fired_cached(
                    campaign=campaign, scope=unit, until=until, stamp=stamp
                ),
                "figures": report_figures_cached(
                    campaign=campaign, scope=unit, until=until, stamp=stamp
                ),
                "units": Org.objects.visible_to(request.user).filter(depth__lte=scope.depth + 1),
                "chart_types": charts.bar_chart(
                    stats.activities_by_type[:12], title="活动类型（场次）"
                ),
                "chart_months": charts.line_chart(stats.activities_by_month, title="每月活动场次"),
                "chart_projects": charts.stacked_projects(stats.projects_by_field),
                "chart_problems": charts.problems_chart(stats.problems),
                "chart_reporting": charts.reporting_chart(stats.reporting),
            },
        )
        cache.set(key, body, 3600)
    # the body is our own template's rendering: Django escaped every value in it
    ctx = page_context(request, unit=unit, body=mark_safe(body))  # noqa: S308
    return render(request, "web/dashboard.html", ctx)
