"""Everything the drafts app takes from the web layer, in one place (the issue-10 refactor
renames these; adapting to it is this file)."""

from __future__ import annotations

from xunzhi.web.models import Role
from xunzhi.web.scope import can, get_scoped_or_404, scoped, user_profile
from xunzhi.web.selectors import data_stamp, figure_cache
from xunzhi.web.views import _ctx as page_context
from xunzhi.web.views import _download as download_response
from xunzhi.web.views import id_param, text_param

__all__ = [
    "Role",
    "can",
    "data_stamp",
    "download_response",
    "figure_cache",
    "get_scoped_or_404",
    "id_param",
    "page_context",
    "scoped",
    "text_param",
    "user_profile",
]
