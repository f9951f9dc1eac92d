"""Query counts of the busiest pages are pinned: an N+1 query fails here."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xunzhi.ledgers.models import Activity, Problem

pytestmark = pytest.mark.django_db

# "campaigns, choice": the loaded campaigns (the switcher's list) and the user's choice
# session, user, campaigns, choice, profile, data stamp (the rendered body comes from the cache)
DASHBOARD_CACHED = 6
# session, user, campaigns, choice, profile, data stamp, totals, page rows, unit list
LEDGER_LIST = 9
# the same page again, unchanged data: session, user, campaigns, choice, profile, data stamp
LEDGER_LIST_CACHED = 6
# session, user, campaigns, choice, profile, version, other versions
REPORT_PREVIEW = 7


def _more_rows(county, n: int, tag: str = "") -> None:
    c = county.campaign
    Activity.objects.bulk_create(
        Activity(
            campaign=c,
            org=county.branches[i % len(county.branches)],
            date=dt.date(2021, 3 + i % 9, 1 + i % 27),
            type=c.spec.activity_types[i % 5],
            title=f"活动{tag}{i}",
            participants=i,
        )
        for i in range(n)
    )
    Problem.objects.bulk_create(
        Problem(
            campaign=c, org=county.branches[i % 3], source="组织查摆", description=f"问题{tag}{i}"
        )
        for i in range(n // 4)
    )


def _count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_dashboard_queries_do_not_grow_with_data(clients, county, records):
    _count(clients["office"], reverse("dashboard"))  # first use (one-time checks of others)
    _more_rows(county, 20)  # changes the stamp: the next view is cold again
    cold_small = _count(clients["office"], reverse("dashboard"))
    _more_rows(county, 400, tag="b")
    cold_big = _count(clients["office"], reverse("dashboard"))
    assert cold_big == cold_small


def test_dashboard_cached(clients, county, records, django_assert_num_queries):
    clients["office"].get(reverse("dashboard"))
    with django_assert_num_queries(DASHBOARD_CACHED):
        clients["office"].get(reverse("dashboard"))


def test_filtered_ledger_list(clients, county, records, django_assert_num_queries):
    _more_rows(county, 120)
    url = reverse("ledger_list", args=["activities"])
    params = {"type": county.campaign.spec.activity_types[0], "period": "2021-05", "order": "-date"}
    with django_assert_num_queries(LEDGER_LIST):
        response = clients["clerk"].get(url, params)
    assert response.status_code == 200
    with django_assert_num_queries(LEDGER_LIST):
        clients["office"].get(url, {"page": 2})
    with django_assert_num_queries(LEDGER_LIST_CACHED):
        again = clients["clerk"].get(url, params)

    def table(r):
        body = r.content.decode()
        return body[body.index('id="xz-total"') : body.index("</tbody>")]

    assert table(again) == table(response)


def test_report_preview(clients, county, records, django_assert_num_queries):
    clients["inspector"].post(reverse("reports"), {"unit": county.county.pk, "until": "2021-06-30"})
    from xunzhi.reports.models import ReportVersion

    version = ReportVersion.objects.latest("pk")
    with django_assert_num_queries(REPORT_PREVIEW):
        response = clients["viewer"].get(reverse("report_preview", args=[version.pk]))
    assert "figure" in response.content.decode()
