"""The campaigns of one web request: the loaded ones (the switcher's list) and the one the user
chose, read once per request (two queries) and shared by the middleware and the views."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from xunzhi.campaigns.models import Campaign, CampaignChoice
from xunzhi.campaigns.selectors import campaign_get, campaigns_for_user


@dataclass(frozen=True)
class CampaignState:
    campaigns: list[Campaign]  # newest first
    chosen: Campaign | None  # the user's choice in the switcher, if any

    def by_code(self, code: str) -> Campaign | None:
        return next((c for c in self.campaigns if c.code == code), None)

    def working(self) -> Campaign:
        """The chosen campaign, else the current one (``campaign_get`` explains when none)."""
        current = next((c for c in self.campaigns if c.is_current), None)
        return self.chosen or current or campaign_get()


def campaign_state(request: HttpRequest) -> CampaignState:
    state: CampaignState | None = getattr(request, "_xz_campaigns", None)
    if state is None:
        campaigns = campaigns_for_user(request.user)
        chosen = None
        if request.user.is_authenticated:
            chosen_id = (
                CampaignChoice.objects.filter(user_id=request.user.pk)
                .values_list("campaign_id", flat=True)
                .first()
            )
            chosen = next((c for c in campaigns if c.pk == chosen_id), None)
        state = CampaignState(campaigns=campaigns, chosen=chosen)
        setattr(request, "_xz_campaigns", state)  # noqa: B010 - a per-request memo
    return state
