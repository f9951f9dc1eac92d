"""Everything the drafts app takes from the web layer, in one place (so that a change of the web
layer is a change of this file)."""

from __future__ import annotations

from xunzhi.web.models import Role
from xunzhi.web.scope import can, get_scoped_or_404, user_profile
from xunzhi.web.selectors import data_stamp, figure_cache
from xunzhi.web.views.common import download_response, id_param, page_context, text_param

__all__ = [
    "Role",
    "can",
    "data_stamp",
    "download_response",
    "figure_cache",
    "get_scoped_or_404",
    "id_param",
    "page_context",
    "text_param",
    "user_profile",
]
