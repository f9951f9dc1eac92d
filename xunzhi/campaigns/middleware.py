"""Carry the chosen campaign in the address: a person who chose a campaign other than the current
one in the switcher is sent to the same page with ``?campaign=CODE``, so the address they copy
opens the same campaign for a colleague."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from xunzhi.campaigns.state import campaign_state
from xunzhi.campaigns.urlquery import with_campaign

#: Paths that are not pages of a campaign.
_SKIP = ("/static/", "/admin/", "/login/", "/logout/", "/password/", "/audit/", "/campaigns/")


class CampaignInUrlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method == "GET"
            and "campaign" not in request.GET
            and not request.headers.get("HX-Request")
            and not request.path.startswith(_SKIP)
            and request.user.is_authenticated
        ):
            chosen = campaign_state(request).chosen
            if chosen is not None and not chosen.is_current:
                return HttpResponseRedirect(with_campaign(request.get_full_path(), chosen.code))
        return self.get_response(request)
