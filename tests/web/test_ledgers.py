"""Ledger writes: optimistic locking, Chinese validation, filters and totals, the data stamp."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.urls import reverse

from xunzhi.ledgers.models import Activity
from xunzhi.ledgers.selectors import LedgerFilters, ledger_filtered, ledger_totals
from xunzhi.ledgers.services import ledger_create, ledger_delete, ledger_update
from xunzhi.lib.errors import UserError
from xunzhi.web.selectors import dashboard_cached, data_stamp

pytestmark = pytest.mark.django_db


def _activity_post(obj, **over):
    data = {
        "org": obj.org_id,
        "date": obj.date.isoformat(),
        "type": obj.type,
        "title": obj.title,
        "participants": obj.participants,
        "beneficiaries": obj.beneficiaries,
        "version": obj.version,
    }
    data.update(over)
    return data


def test_stale_version_is_refused_not_overwritten(clients, records):
    row = records["east_activity"]
    url = reverse("ledger_edit", args=["activities", row.pk])
    first = clients["clerk"].post(url, _activity_post(row, title="甲的修改"))
    assert first.status_code == 302
    # the office opened the form before the clerk saved: it still carries the old version
    second = clients["office"].post(url, _activity_post(row, title="乙的修改"))
    assert second.status_code == 200
    body = second.content.decode()
    assert "已被其他用户修改" in body and "未保存" in body
    row.refresh_from_db()
    assert row.title == "甲的修改"
    assert row.version == 2


def test_service_refuses_stale_version_and_delete(county, records):
    row = records["east_activity"]
    c = county.campaign
    ledger_update(
        kind="activities", campaign=c, pk=row.pk, version=1, data={"participants": 31}, scope=None
    )
    with pytest.raises(UserError, match="第 1 版，当前是第 2 版"):
        ledger_update(
            kind="activities",
            campaign=c,
            pk=row.pk,
            version=1,
            data={"participants": 99},
            scope=None,
        )
    with pytest.raises(UserError, match="已被其他用户修改"):
        ledger_delete(kind="activities", campaign=c, pk=row.pk, version=1, scope=None)
    ledger_delete(kind="activities", campaign=c, pk=row.pk, version=2, scope=None)
    assert not Activity.objects.filter(pk=row.pk).exists()


def test_service_validates_in_chinese(county):
    c = county.campaign
    base = dict(org=county.branches[0], date=dt.date(2021, 5, 1), title="x", participants=1)
    with pytest.raises(UserError, match="活动类型“跳舞”不在本次学习教育活动的范围内"):
        ledger_create(kind="activities", campaign=c, data=dict(base, type="跳舞"), scope=None)
    with pytest.raises(UserError, match="不在您的管理范围"):
        ledger_create(
            kind="activities", campaign=c, data=dict(base, type="宣讲"), scope=county.townships[1]
        )
    ledger_create(kind="activities", campaign=c, data=dict(base, type="宣讲"), scope=None)
    with pytest.raises(UserError, match="已有相同的记录"):
        ledger_create(kind="activities", campaign=c, data=dict(base, type="宣讲"), scope=None)
    with pytest.raises(UserError, match="必须填写完成日期"):
        ledger_create(
            kind="projects",
            campaign=c,
            data=dict(org=county.branches[0], name="p", field="教育", status="已完成"),
            scope=None,
        )


def test_form_errors_are_chinese(clients):
    response = clients["clerk"].post(reverse("ledger_new", args=["activities"]), {"title": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "这个字段是必填项" in body


def test_filters_and_totals_match_independent_queries(county, records):
    c = county.campaign
    scope = county.county
    qs = ledger_filtered(
        kind="activities",
        campaign=c,
        scope=scope,
        filters=LedgerFilters(type="主题党日", period="2021-05"),
    )
    expected = Activity.objects.filter(type="主题党日", date__year=2021, date__month=5)
    assert set(qs.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
    totals = ledger_totals(kind="activities", queryset=qs)
    assert totals["count"] == expected.count()
    assert totals["participants"] == expected.aggregate(s=Sum("participants"))["s"]
    # a unit filter outside the scope does not widen it
    east_scope = county.townships[0]
    qs = ledger_filtered(
        kind="activities",
        campaign=c,
        scope=east_scope,
        filters=LedgerFilters(unit=county.townships[1]),
    )
    assert all(a.org.path.startswith(east_scope.path) for a in qs)


def test_list_search_sort_and_overdue(clients, records):
    body = (
        clients["office"]
        .get(reverse("ledger_list", args=["activities"]), {"q": "二村"})
        .content.decode()
    )
    assert "东镇二村主题党日" in body and "西镇专题研讨" not in body
    body = (
        clients["office"]
        .get(reverse("ledger_list", args=["problems"]), {"overdue": "1", "until": "2021-06-30"})
        .content.decode()
    )
    assert "东镇学习不深" in body and "西镇台账不全" not in body
    body = (
        clients["office"]
        .get(reverse("ledger_list", args=["activities"]), {"order": "participants"})
        .content.decode()
    )
    assert body.index("西镇专题研讨") < body.index("东镇主题党日")


def test_stamp_changes_on_every_write_and_dashboard_is_fresh(county, records, clients):
    c = county.campaign
    until = dt.date(2021, 12, 31)
    before = dashboard_cached(campaign=c, scope=county.county, until=until)
    stamp = data_stamp()
    n_before = before.headline[0]["value"]
    row = records["east_activity"]
    # an edit through the web bumps the stamp
    clients["clerk"].post(
        reverse("ledger_edit", args=["activities", row.pk]), _activity_post(row, participants=31)
    )
    assert data_stamp() != stamp
    stamp = data_stamp()
    ledger_create(
        kind="activities",
        campaign=c,
        data=dict(org=county.branches[0], date=dt.date(2021, 7, 1), type="宣讲", title="新宣讲"),
        scope=None,
    )
    assert data_stamp() != stamp
    after = dashboard_cached(campaign=c, scope=county.county, until=until)
    assert after.headline[0]["value"] == n_before + 1
    # bulk loads that send no signal still change the stamp (highest id)
    stamp = data_stamp()
    Activity.objects.bulk_create(
        [
            Activity(
                campaign=c,
                org=county.branches[1],
                date=dt.date(2021, 8, 1),
                type="宣讲",
                title="批量",
            )
        ]
    )
    assert data_stamp() != stamp
    assert (
        dashboard_cached(campaign=c, scope=county.county, until=until).headline[0]["value"]
        == n_before + 2
    )


def test_cached_list_is_never_stale(clients, county, records):
    url = reverse("ledger_list", args=["activities"])

    def total():
        body = clients["office"].get(url, {"type": "主题党日"}).content.decode()
        return int(body.split('id="xz-total">')[1].split("<")[0].replace(",", ""))

    before = total()
    assert total() == before  # served from the cache
    ledger_create(
        kind="activities",
        campaign=county.campaign,
        data=dict(org=county.branches[0], date=dt.date(2021, 9, 1), type="主题党日", title="新的"),
        scope=None,
    )
    assert total() == before + 1
    row = records["east_activity"]
    ledger_delete(
        kind="activities", campaign=county.campaign, pk=row.pk, version=row.version, scope=None
    )
    assert total() == before


def test_dashboard_aggregates_match_independent_counts(county, records):
    from xunzhi.ledgers.models import Problem, Project
    from xunzhi.ledgers.selectors import dashboard_stats

    c = county.campaign
    until = dt.date(2021, 6, 30)
    stats = dashboard_stats(campaign=c, scope=county.county, until=until)
    for label, n in stats.activities_by_month:
        year, month = map(int, label.split("-"))
        assert (
            n
            == Activity.objects.filter(date__year=year, date__month=month, date__lte=until).count()
        )
    assert (
        sum(n for _, n in stats.activities_by_month)
        == Activity.objects.filter(date__lte=until).count()
    )
    assert dict(stats.activities_by_type) == {
        t: Activity.objects.filter(type=t, date__lte=until).count()
        for t in Activity.objects.values_list("type", flat=True).distinct()
    }
    assert (
        stats.problems["超期"]
        == Problem.objects.filter(deadline__lt=until).exclude(status="已整改").count()
    )
    assert [(f, n, d) for f, n, d in stats.projects_by_field] == [
        (
            f,
            Project.objects.filter(field=f).count(),
            Project.objects.filter(field=f, status="已完成").count(),
        )
        for f in sorted(set(Project.objects.values_list("field", flat=True)))
    ]
    # the east township's dashboard counts only its subtree
    east = dashboard_stats(campaign=c, scope=county.townships[0], until=until)
    assert (
        east.headline[0]["value"]
        == Activity.objects.in_subtree(county.townships[0]).filter(date__lte=until).count()
    )
