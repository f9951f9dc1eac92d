"""Reported values: the form, numerator ≤ denominator, submit, approval by the level above,
return with a reason, approved data locked until un-approved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from xunzhi.ledgers.models import ReportedValue, SubmissionStatus, ValueSubmission
from xunzhi.ledgers.services import (
    ledger_update,
    values_approve,
    values_save,
    values_submit,
)
from xunzhi.lib.errors import UserError

pytestmark = pytest.mark.django_db

PERIOD = "2021-06"


def _url(org, action=None):
    name = f"values_{action}" if action else "values_form"
    return reverse(name, args=[org.code, PERIOD])


def _sub(org):
    return ValueSubmission.objects.get(org=org, period=PERIOD)


def test_numerator_above_denominator_is_refused(clients, county):
    town = county.townships[0]
    response = clients["clerk"].post(
        _url(town, "save"),
        {
            "v_网上可办事项数": "120",
            "v_依申请政务服务事项数": "100",
            "version": 0,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "“网上可办事项数”（120）不能大于“依申请政务服务事项数”（100）" in body
    assert not ReportedValue.objects.filter(org=town).exists()


def test_the_whole_workflow(clients, county):
    town = county.townships[0]
    clerk, inspector = clients["clerk"], clients["inspector"]
    r = clerk.post(
        _url(town, "save"),
        {"v_网上可办事项数": "90", "v_依申请政务服务事项数": "100", "version": 0},
    )
    assert r.status_code == 302
    values = dict(
        ReportedValue.objects.filter(org=town, period=PERIOD).values_list("item", "value")
    )
    assert values == {"网上可办事项数": Decimal("90"), "依申请政务服务事项数": Decimal("100")}
    assert (
        ReportedValue.objects.get(org=town, item="网上可办事项数").period_end.isoformat()
        == "2021-06-30"
    )
    # the clerk cannot approve (no review right)
    sub = _sub(town)
    assert clerk.post(_url(town, "approve"), {"version": sub.version}).status_code == 403
    r = clerk.post(_url(town, "submit"), {"version": sub.version})
    assert r.status_code == 302 and _sub(town).status == SubmissionStatus.SUBMITTED
    # submitted: locked for the clerk
    r = clerk.post(_url(town, "save"), {"v_网上可办事项数": "95", "version": _sub(town).version})
    assert "已锁定" in r.content.decode()
    # the guidance group returns it with a reason (a reason is required)
    sub = _sub(town)
    r = inspector.post(_url(town, "return"), {"reason": "", "version": sub.version})
    assert "必须填写退回理由" in r.content.decode()
    r = inspector.post(_url(town, "return"), {"reason": "数字有误", "version": sub.version})
    assert _sub(town).status == SubmissionStatus.RETURNED and _sub(town).reason == "数字有误"
    assert "数字有误" in clerk.get(_url(town)).content.decode()
    # the clerk corrects and resubmits; the inspector approves
    clerk.post(
        _url(town, "save"),
        {
            "v_网上可办事项数": "95",
            "v_依申请政务服务事项数": "100",
            "version": _sub(town).version,
        },
    )
    clerk.post(_url(town, "submit"), {"version": _sub(town).version})
    inspector.post(_url(town, "approve"), {"version": _sub(town).version})
    assert _sub(town).status == SubmissionStatus.APPROVED
    # approved: locked, through the form and through the generic ledger service alike
    r = clerk.post(_url(town, "save"), {"v_网上可办事项数": "99", "version": _sub(town).version})
    assert "已锁定" in r.content.decode()
    row = ReportedValue.objects.get(org=town, item="网上可办事项数")
    with pytest.raises(UserError, match="已锁定"):
        ledger_update(
            kind="values",
            campaign=county.campaign,
            pk=row.pk,
            version=row.version,
            data={"value": Decimal(1)},
            scope=None,
        )
    assert ReportedValue.objects.get(pk=row.pk).value == Decimal("95")
    # un-approve unlocks it for review again
    inspector.post(_url(town, "unapprove"), {"version": _sub(town).version})
    assert _sub(town).status == SubmissionStatus.SUBMITTED


def test_approval_is_by_the_level_above(county):
    c = county.campaign
    town = county.townships[0]
    sub = values_save(
        campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "3"}, scope=town, version=0
    )
    sub = values_submit(campaign=c, org=town, period=PERIOD, scope=town, version=sub.version)
    v = sub.version
    with pytest.raises(UserError, match="应由上级审核"):
        values_approve(campaign=c, org=town, period=PERIOD, reviewer_scope=town, version=v)
    with pytest.raises(UserError, match="不在您的管理范围"):
        values_approve(
            campaign=c, org=town, period=PERIOD, reviewer_scope=county.townships[1], version=v
        )
    values_approve(campaign=c, org=town, period=PERIOD, reviewer_scope=county.county, version=v)
    assert _sub(town).status == SubmissionStatus.APPROVED


def test_stale_submission_version_is_refused(county):
    c = county.campaign
    town = county.townships[0]
    sub = values_save(
        campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "3"}, scope=None, version=0
    )
    values_save(
        campaign=c,
        org=town,
        period=PERIOD,
        values={"专班抽调人数": "4"},
        scope=None,
        version=sub.version,
    )
    with pytest.raises(UserError, match="已被其他用户修改"):
        values_save(
            campaign=c,
            org=town,
            period=PERIOD,
            values={"专班抽调人数": "5"},
            scope=None,
            version=sub.version,
        )
    assert ReportedValue.objects.get(org=town, item="专班抽调人数").value == Decimal("4")


def test_submit_needs_values_and_bad_numbers_are_refused(county):
    c = county.campaign
    town = county.townships[0]
    with pytest.raises(UserError, match="还没有填报任何数据"):
        values_submit(campaign=c, org=town, period=PERIOD, scope=None, version=0)
    for raw, message in (("三", "不是数字"), ("-1", "不能为负数")):
        with pytest.raises(UserError, match=message):
            values_save(
                campaign=c,
                org=town,
                period=PERIOD,
                values={"专班抽调人数": raw},
                scope=None,
                version=0,
            )
    with pytest.raises(UserError, match="期间“2021-13”无效"):
        values_save(
            campaign=c,
            org=town,
            period="2021-13",
            values={"专班抽调人数": "1"},
            scope=None,
            version=0,
        )


def test_pending_list_spans_periods(clients, county):
    c = county.campaign
    for period in ("2021-05", "2021-06"):
        town = county.townships[0]
        sub = values_save(
            campaign=c, org=town, period=period, values={"专班抽调人数": "3"}, scope=None, version=0
        )
        values_submit(campaign=c, org=town, period=period, scope=None, version=sub.version)
    body = clients["inspector"].get(reverse("values"), {"status": "已提交"}).content.decode()
    assert body.count(reverse("values_form", args=[county.townships[0].code, "2021-05"])) == 1
    assert body.count(reverse("values_form", args=[county.townships[0].code, "2021-06"])) == 1
    # the west clerk sees none of them
    body = clients["clerk2"].get(reverse("values"), {"status": "已提交"}).content.decode()
    assert county.townships[0].name not in body


def test_two_first_fills_do_not_lose_the_first(clients, county):
    """Two users open the empty form of the same unit and period; the second save is refused,
    and the first one's values stay (issue 9, row 4)."""
    town = county.townships[0]
    first, second = clients["clerk"], clients["office"]
    for client in (first, second):
        assert 'name="version" value="0"' in client.get(_url(town)).content.decode()
    r = first.post(_url(town, "save"), {"v_专班抽调人数": "3", "version": "0"})
    assert r.status_code == 302
    r = second.post(_url(town, "save"), {"v_专班抽调人数": "7", "version": "0"})
    assert "已被其他用户修改" in r.content.decode()
    assert ReportedValue.objects.get(org=town, item="专班抽调人数").value == Decimal("3")


def test_a_save_without_version_is_refused(clients, county):
    town = county.townships[0]
    for version in (None, "", "abc", "-1"):
        data = {"v_专班抽调人数": "3"}
        if version is not None:
            data["version"] = version
        body = clients["clerk"].post(_url(town, "save"), data).content.decode()
        assert "缺少数据版本号" in body
    assert not ReportedValue.objects.filter(org=town).exists()
    sub = values_save(
        campaign=county.campaign,
        org=town,
        period=PERIOD,
        values={"专班抽调人数": "3"},
        scope=None,
        version=0,
    )
    for action in ("submit", "approve"):
        body = clients["office"].post(_url(town, action), {}).content.decode()
        assert "缺少数据版本号" in body
    assert _sub(town).status == sub.status


def test_an_import_of_values_moves_the_version(clients, county, tmp_path):
    """A form opened before an import of the same unit and period is refused on save."""
    from xunzhi.intake.services import ledger_import

    town = county.townships[0]
    opened = clients["clerk"].get(_url(town)).content.decode()
    assert 'name="version" value="0"' in opened
    csv = f"组织,期间,指标,数值\n{town.code},{PERIOD},专班抽调人数,9\n".encode()
    assert ledger_import(files=[("数据.csv", csv)], campaign=county.campaign).ok
    r = clients["clerk"].post(_url(town, "save"), {"v_专班抽调人数": "3", "version": "0"})
    assert "已被其他用户修改" in r.content.decode()
    assert ReportedValue.objects.get(org=town, item="专班抽调人数").value == Decimal("9")
