"""Everything this app takes from the web layer, in one module."""

from __future__ import annotations

from xunzhi.web.http import redirect_next
from xunzhi.web.scope import can, get_scoped_or_404, require, user_scope
from xunzhi.web.selectors import campaign_today
from xunzhi.web.views.common import (
    download_response,
    id_param,
    page_context,
    request_campaign,
    text_param,
    unit_param,
)
from xunzhi.web.views.jobs import LimitedUploadHandler

__all__ = [
    "LimitedUploadHandler",
    "campaign_today",
    "can",
    "download_response",
    "get_scoped_or_404",
    "id_param",
    "page_context",
    "redirect_next",
    "request_campaign",
    "require",
    "text_param",
    "unit_param",
    "user_scope",
]
