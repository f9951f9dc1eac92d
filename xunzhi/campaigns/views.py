"""The campaign switcher (every user) and the campaign versions page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xunzhi.campaigns.selectors import campaign_versions
from xunzhi.campaigns.services import campaign_choose
from xunzhi.campaigns.urlquery import with_campaign
from xunzhi.campaigns.webglue import page_context, request_campaign, text_param
from xunzhi.lib.errors import UserError


@login_required
@require_POST
def campaign_switch(request: HttpRequest) -> HttpResponse:
    """Keep the chosen campaign for this user and go back to the page, the choice in its URL."""
    target = text_param(request.POST, "next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    try:
        campaign = campaign_choose(user=request.user, code=text_param(request.POST, "campaign"))
    except UserError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(with_campaign(target, campaign.code))


@login_required
def campaign_versions_page(request: HttpRequest) -> HttpResponse:
    """The stored versions of the campaign in use (who loaded each, when)."""
    campaign = request_campaign(request)
    return render(
        request,
        "campaigns/versions.html",
        page_context(request, versions=campaign_versions(campaign=campaign)),
    )
