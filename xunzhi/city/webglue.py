"""Everything the city app takes from the web layer, in one place."""

from xunzhi.web.charts import bar_chart, grouped_bars
from xunzhi.web.scope import user_profile, user_scope
from xunzhi.web.selectors import campaign_today, data_stamp, figure_cache
from xunzhi.web.views.common import (
    XLSX,
    download_response,
    page_context,
    request_campaign,
    text_param,
    until_param,
)

__all__ = [
    "XLSX",
    "bar_chart",
    "campaign_today",
    "data_stamp",
    "download_response",
    "figure_cache",
    "grouped_bars",
    "page_context",
    "request_campaign",
    "text_param",
    "until_param",
    "user_profile",
    "user_scope",
]
