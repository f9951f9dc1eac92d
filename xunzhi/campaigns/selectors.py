"""Reads for campaigns."""

from __future__ import annotations

from xunzhi.campaigns.models import Campaign
from xunzhi.lib.errors import UserError


def campaign_get(code: str | None = None) -> Campaign:
    """The campaign with ``code``, or the most recent one when no code is given."""
    qs = Campaign.objects.all()
    campaign = qs.filter(code=code).first() if code else qs.order_by("-start_date").first()
    if campaign is None:
        if code:
            known = "、".join(qs.values_list("code", flat=True)) or "（无）"
            raise UserError(f"找不到学习教育活动“{code}”。已载入：{known}。")
        raise UserError("还没有载入任何学习教育活动。请先运行 xunzhi init。")
    return campaign
