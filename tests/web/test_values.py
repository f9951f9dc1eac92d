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


def _url(org):
    return reverse("values_form", args=[org.code, PERIOD])


def _sub(org):
    return ValueSubmission.objects.get(org=org, period=PERIOD)


def test_numerator_above_denominator_is_refused(clients, county):
    town = county.townships[0]
    response = clients["clerk"].post(
        _url(town), {"action": "save", "v_网上可办事项数": "120", "v_依申请政务服务事项数": "100"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "“网上可办事项数”（120）不能大于“依申请政务服务事项数”（100）" in body
    assert not ReportedValue.objects.filter(org=town).exists()


def test_the_whole_workflow(clients, county):
    town = county.townships[0]
    clerk, inspector = clients["clerk"], clients["inspector"]
    r = clerk.post(
        _url(town), {"action": "save", "v_网上可办事项数": "90", "v_依申请政务服务事项数": "100"}
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
    assert clerk.post(_url(town), {"action": "approve", "version": sub.version}).status_code == 403
    r = clerk.post(_url(town), {"action": "submit", "version": sub.version})
    assert r.status_code == 302 and _sub(town).status == SubmissionStatus.SUBMITTED
    # submitted: locked for the clerk
    r = clerk.post(_url(town), {"action": "save", "v_网上可办事项数": "95"})
    assert "已锁定" in r.content.decode()
    # the guidance group returns it with a reason (a reason is required)
    sub = _sub(town)
    r = inspector.post(_url(town), {"action": "return", "reason": "", "version": sub.version})
    assert "必须填写退回理由" in r.content.decode()
    r = inspector.post(
        _url(town), {"action": "return", "reason": "数字有误", "version": sub.version}
    )
    assert _sub(town).status == SubmissionStatus.RETURNED and _sub(town).reason == "数字有误"
    assert "数字有误" in clerk.get(_url(town)).content.decode()
    # the clerk corrects and resubmits; the inspector approves
    clerk.post(
        _url(town), {"action": "save", "v_网上可办事项数": "95", "v_依申请政务服务事项数": "100"}
    )
    clerk.post(_url(town), {"action": "submit", "version": _sub(town).version})
    inspector.post(_url(town), {"action": "approve", "version": _sub(town).version})
    assert _sub(town).status == SubmissionStatus.APPROVED
    # approved: locked, through the form and through the generic ledger service alike
    r = clerk.post(_url(town), {"action": "save", "v_网上可办事项数": "99"})
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
    inspector.post(_url(town), {"action": "unapprove", "version": _sub(town).version})
    assert _sub(town).status == SubmissionStatus.SUBMITTED


def test_approval_is_by_the_level_above(county):
    c = county.campaign
    town = county.townships[0]
    values_save(campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "3"}, scope=town)
    values_submit(campaign=c, org=town, period=PERIOD, scope=town)
    with pytest.raises(UserError, match="应由上级审核"):
        values_approve(campaign=c, org=town, period=PERIOD, reviewer_scope=town)
    with pytest.raises(UserError, match="不在您的管理范围"):
        values_approve(campaign=c, org=town, period=PERIOD, reviewer_scope=county.townships[1])
    values_approve(campaign=c, org=town, period=PERIOD, reviewer_scope=county.county)
    assert _sub(town).status == SubmissionStatus.APPROVED


def test_stale_submission_version_is_refused(county):
    c = county.campaign
    town = county.townships[0]
    sub = values_save(campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "3"}, scope=None)
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
        values_submit(campaign=c, org=town, period=PERIOD, scope=None)
    with pytest.raises(UserError, match="不是数字"):
        values_save(campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "三"}, scope=None)
    with pytest.raises(UserError, match="不能为负数"):
        values_save(campaign=c, org=town, period=PERIOD, values={"专班抽调人数": "-1"}, scope=None)
    with pytest.raises(UserError, match="期间“2021-13”无效"):
        values_save(
            campaign=c, org=town, period="2021-13", values={"专班抽调人数": "1"}, scope=None
        )


def test_pending_list_spans_periods(clients, county):
    c = county.campaign
    for period in ("2021-05", "2021-06"):
        town = county.townships[0]
        values_save(campaign=c, org=town, period=period, values={"专班抽调人数": "3"}, scope=None)
        values_submit(campaign=c, org=town, period=period, scope=None)
    body = clients["inspector"].get(reverse("values"), {"status": "已提交"}).content.decode()
    assert body.count(reverse("values_form", args=[county.townships[0].code, "2021-05"])) == 1
    assert body.count(reverse("values_form", args=[county.townships[0].code, "2021-06"])) == 1
    # the west clerk sees none of them
    body = clients["clerk2"].get(reverse("values"), {"status": "已提交"}).content.decode()
    assert county.townships[0].name not in body
