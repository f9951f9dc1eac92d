"""Everything this app takes from the web layer, in one module (the issue-10 refactor renames
these: ``_ctx`` → ``page_context``, ``_download`` → ``download_response``, ``_campaign`` →
``request_campaign``, ``_unit_param`` → ``unit_param``; adapting is this file only)."""

from __future__ import annotations

from xunzhi.web.http import redirect_next
from xunzhi.web.scope import (
    can,
    get_scoped_or_404,
    in_scope,
    require,
    scope_orgs,
    scoped,
    user_scope,
)
from xunzhi.web.selectors import campaign_today
from xunzhi.web.views import _campaign as request_campaign
from xunzhi.web.views import _ctx as page_context
from xunzhi.web.views import _download as download_response
from xunzhi.web.views import _unit_param as unit_param
from xunzhi.web.views import id_param, text_param
from xunzhi.web.views_jobs import LimitedUploadHandler

__all__ = [
    "LimitedUploadHandler",
    "campaign_today",
    "can",
    "download_response",
    "get_scoped_or_404",
    "id_param",
    "in_scope",
    "page_context",
    "redirect_next",
    "request_campaign",
    "require",
    "scope_orgs",
    "scoped",
    "text_param",
    "unit_param",
    "user_scope",
]
