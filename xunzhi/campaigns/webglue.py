"""Everything the campaigns app takes from the web layer, in one place."""

from xunzhi.web.scope import can, require, user_profile
from xunzhi.web.views.common import page_context, request_campaign, text_param

__all__ = ["can", "page_context", "request_campaign", "require", "text_param", "user_profile"]
