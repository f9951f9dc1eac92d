"""Reported values: the list of submissions, the form of one unit and period, and one POST view
per step of the approval (save, submit, approve, return, un-approve), each a thin call of its
service in :mod:`xunzhi.ledgers.services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xunzhi.campaigns.models import Campaign
from xunzhi.ledgers.models import ReportedValue, SubmissionStatus, ValueSubmission
from xunzhi.ledgers.services import (
    LOCKED_STATUSES,
    WHOLE,
    campaign_months,
    values_approve,
    values_return,
    values_save,
    values_submit,
    values_unapprove,
)
from xunzhi.lib.errors import UserError
from xunzhi.organisations.models import Org
from xunzhi.web.scope import can, get_scoped_or_404, require, user_scope
from xunzhi.web.selectors import campaign_today
from xunzhi.web.views.common import page_context, plain_number, request_campaign, text_param


@login_required
def values_index(request: HttpRequest) -> HttpResponse:
    campaign = request_campaign(request)
    scope = user_scope(request.user)
    months = campaign_months(campaign)
    default_period = f"{campaign_today(campaign):%Y-%m}"
    status = text_param(request.GET, "status")
    # a status alone (e.g. 已提交 from the dashboard) lists every period
    fallback = "all" if status else (default_period if default_period in months else months[-1])
    period = text_param(request.GET, "period") or fallback
    units = Org.objects.visible_to(request.user).filter(depth__lte=scope.depth + 1)
    subs = (
        ValueSubmission.objects.filter(campaign=campaign)
        .visible_to(request.user)
        .select_related("org")
    )
    if period and period != "all":
        subs = subs.filter(period=period)
    if status:
        subs = subs.filter(status=status)
    page = Paginator(subs.order_by("org__path"), 50).get_page(request.GET.get("page"))
    ctx = page_context(
        request,
        months=months,
        period=period,
        status=status,
        statuses=SubmissionStatus.values,
        units=units,
        page=page,
    )
    return render(request, "web/values_index.html", ctx)


def _target(request: HttpRequest, org_code: str, period: str) -> tuple[Campaign, Org]:
    """The campaign and the unit (in the user's scope) of a values page; else a 404."""
    campaign = request_campaign(request)
    org = get_scoped_or_404(Org.objects.all(), request.user, code=org_code)
    if period not in campaign_months(campaign) and period != WHOLE:
        raise Http404("期间无效。")
    return campaign, org


def _version(request: HttpRequest) -> Any:
    """The version the form showed (the service refuses a missing or malformed one)."""
    raw = request.POST.get("version")
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


@login_required
def values_form(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    """The values of one unit and period. The form posts to itself to save (its default
    button); the other steps have their own URLs (the buttons' ``formaction``)."""
    if request.method == "POST":
        return save(request, org_code, period)
    campaign, org = _target(request, org_code, period)
    return _form_page(request, campaign, org, period)


def _form_page(
    request: HttpRequest,
    campaign: Campaign,
    org: Org,
    period: str,
    *,
    errors: list[str] | None = None,
    posted: dict[str, str] | None = None,
) -> HttpResponse:
    sub = ValueSubmission.objects.filter(campaign=campaign, org=org, period=period).first()
    current = dict(
        ReportedValue.objects.filter(campaign=campaign, org=org, period=period).values_list(
            "item", "value"
        )
    )
    rows = []
    for item in campaign.spec.value_items:
        raw = posted.get(item.code) if posted else None
        value = current.get(item.code)
        shown = raw if raw is not None else ("" if value is None else plain_number(value))
        rows.append({"item": item, "value": shown})
    scope = user_scope(request.user)
    ctx = page_context(
        request,
        org=org,
        period=period,
        rows=rows,
        sub=sub,
        errors=errors or [],
        locked=sub is not None and sub.status in LOCKED_STATUSES,
        can_review=can(request.user, "review") and (org.path != scope.path or scope.depth == 1),
        checks=campaign.spec.value_checks,
        months=campaign_months(campaign),
    )
    return render(request, "web/values_form.html", ctx)


def _step(
    request: HttpRequest,
    org_code: str,
    period: str,
    *,
    right: str,
    run: Callable[[Campaign, Org, Any], object],
    done: str,
    posted: dict[str, str] | None = None,
) -> HttpResponse:
    """One step of the workflow: the unit in scope, the right, the service (``run``); a refusal
    shows the form again with every fault the service found."""
    campaign, org = _target(request, org_code, period)
    require(request.user, right)
    try:
        run(campaign, org, _version(request))
    except UserError as exc:
        errors = str(exc).split("；")  # the service joins every fault it found
        return _form_page(request, campaign, org, period, errors=errors, posted=posted)
    messages.success(request, done)
    return redirect("values_form", org_code=org.code, period=period)


@login_required
@require_POST
def save(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    """Save the unit's values as a draft."""
    if request.POST.get("action", "save") != "save":
        return HttpResponse("未知操作。", status=400, content_type="text/plain; charset=utf-8")
    campaign = request_campaign(request)
    posted = {
        item.code: request.POST.get(f"v_{item.code}", "") for item in campaign.spec.value_items
    }
    return _step(
        request,
        org_code,
        period,
        right="values",
        posted=posted,
        done="填报数据已保存（草稿）。",
        run=lambda c, org, version: values_save(
            campaign=c,
            org=org,
            period=period,
            values=posted,
            scope=user_scope(request.user),
            user=request.user,
            version=version,
        ),
    )


@login_required
@require_POST
def submit(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    return _step(
        request,
        org_code,
        period,
        right="values",
        done="已提交，等待上级审核。",
        run=lambda c, org, version: values_submit(
            campaign=c,
            org=org,
            period=period,
            scope=user_scope(request.user),
            user=request.user,
            version=version,
        ),
    )


@login_required
@require_POST
def approve(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    return _step(
        request,
        org_code,
        period,
        right="review",
        done="已审核通过，数据已锁定。",
        run=lambda c, org, version: values_approve(
            campaign=c,
            org=org,
            period=period,
            reviewer_scope=user_scope(request.user),
            user=request.user,
            version=version,
        ),
    )


@login_required
@require_POST
def send_back(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    return _step(
        request,
        org_code,
        period,
        right="review",
        done="已退回。",
        run=lambda c, org, version: values_return(
            campaign=c,
            org=org,
            period=period,
            reason=request.POST.get("reason", ""),
            reviewer_scope=user_scope(request.user),
            user=request.user,
            version=version,
        ),
    )


@login_required
@require_POST
def unapprove(request: HttpRequest, org_code: str, period: str) -> HttpResponse:
    return _step(
        request,
        org_code,
        period,
        right="review",
        done="已撤销审核，数据回到“已提交”状态。",
        run=lambda c, org, version: values_unapprove(
            campaign=c,
            org=org,
            period=period,
            reviewer_scope=user_scope(request.user),
            user=request.user,
            version=version,
        ),
    )
