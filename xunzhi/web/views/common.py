"""What every area of the web application shares: the page context, the campaign of the
request, query-string parameters that refuse bad input with a 404, and file downloads.

Other apps (audit, the feature apps) import these from here and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.encoding import escape_uri_path

from xunzhi.campaigns.models import Campaign
from xunzhi.campaigns.state import campaign_state
from xunzhi.ledgers.selectors import KINDS
from xunzhi.lib.numbers import decimal_text
from xunzhi.organisations.models import Org
from xunzhi.web.roles import scope_role_label
from xunzhi.web.scope import can, user_profile

#: The navigation entry a URL name belongs to (by prefix).
_NAV = (
    ("dashboard", "dashboard"),
    ("ledger", "ledgers"),
    ("values", "values"),
    ("org", "orgs"),
    ("user", "users"),
    ("upload", "upload"),
    ("job", "upload"),
    ("report", "reports"),
    ("figure", "reports"),
    ("audit", "audit"),
    ("city", "city"),
)

#: The actions whose rights every page's template may ask about.
_ACTIONS = ("edit", "upload", "values", "review", "report", "visits", "manage", "audit")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def request_campaign(request: HttpRequest) -> Campaign:
    """The campaign the request works in (read once per request): ``?campaign=CODE`` (a shared
    link), else the one the user chose in the switcher, else the current one."""
    campaign: Campaign | None = getattr(request, "_xz_campaign", None)
    if campaign is None:
        state = campaign_state(request)
        code = text_param(request.GET, "campaign")
        if code:
            campaign = state.by_code(code)
            if campaign is None:
                raise Http404("找不到该学习教育活动。")
        else:
            campaign = state.working()
        setattr(request, "_xz_campaign", campaign)  # noqa: B010 - a per-request memo
    return campaign


def page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """The context every page's layout needs (navigation, profile, scope, campaign, rights),
    updated with ``extra``."""
    profile = user_profile(request.user)
    name = getattr(request.resolver_match, "url_name", "") or ""
    nav = next((n for prefix, n in _NAV if name.startswith(prefix)), "")
    campaign = request_campaign(request)
    base: dict[str, Any] = {
        "nav": nav,
        "profile": profile,
        "scope": profile.scope,
        "campaign": campaign,
        "campaigns": campaign_state(request).campaigns,
        "role_label": scope_role_label(profile.role, profile.scope, campaign),
        "kinds": KINDS,
        "perm": {a: can(request.user, a) for a in _ACTIONS},
    }
    base.update(extra)
    return base


def download_response(data: bytes, name: str, content_type: str) -> HttpResponse:
    """``data`` as an attachment named ``name`` (any characters, RFC 5987)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(name)}"
    return response


def id_param(data: Any, name: str, label: str) -> int:
    """A record id from a form or query string; anything but a plain positive integer is a 404
    naming the field (never a 500)."""
    raw = str(data.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18 or int(raw) == 0:
        shown = raw if len(raw) <= 20 else raw[:20] + "…"
        raise Http404(f"{label}编号“{shown}”无效。" if raw else f"请选择{label}。")
    return int(raw)


def text_param(data: Any, name: str, default: str = "") -> str:
    """A query-string text as a filter may use it: trimmed, at most 200 characters, without
    NUL (PostgreSQL refuses NUL in text: it would be a 500)."""
    return str(data.get(name) or default).replace("\x00", "").strip()[:200]


def unit_param(request: HttpRequest, scope: Org) -> Org:
    """The unit named by ``?unit=<code>`` inside ``scope`` (``scope`` itself when absent);
    a unit outside it is a 404."""
    code = text_param(request.GET, "unit")
    if not code:
        return scope
    unit: Org | None = Org.objects.in_subtree(scope).filter(code=code).first()
    if unit is None:
        raise Http404("该组织不存在，或不在您的管理范围内。")
    return unit


def until_param(request: HttpRequest) -> dt.date | None:
    """``?until=YYYY-MM-DD``; anything else is no cut-off."""
    raw = request.GET.get("until", "")
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def unit_choices(request: HttpRequest, scope: Org, current: Org | None) -> list[Org]:
    """The scope and the units directly below it (plus the current unit when deeper):
    a short list that renders fast; deeper units are reached from the organisation page."""
    units = list(
        Org.objects.visible_to(request.user)
        .filter(depth__lte=scope.depth + 1)
        .only("id", "code", "name", "depth", "path")
    )
    if current is not None and all(u.pk != current.pk for u in units):
        units.append(current)
    return units


def cell_value(obj: Any, path: str) -> Any:
    """The value at a ``field__field`` path of ``obj`` ('' where a link is empty)."""
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return ""
    return value


def plain_number(value: Decimal) -> str:
    """A decimal as a person writes it: ``12`` not ``12.00``, ``3.5`` as stored."""
    return decimal_text(value)
