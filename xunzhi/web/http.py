"""HTTP helpers shared by the views: the only place a ``next`` address is turned into a redirect."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, target: str | None, default: str) -> str:
    """``target`` when it is a same-site address (``/ledgers/…``), else ``default``.

    Absolute URLs, scheme-relative ``//host`` addresses, backslash tricks and ``javascript:``
    or ``data:`` schemes all fall back to ``default``: a crafted link cannot send a user off
    the site after a save, nor make the redirect itself fail."""
    target = (target or "").strip()
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def redirect_next(request: HttpRequest, target: str | None, default: str) -> HttpResponseRedirect:
    """A redirect to ``safe_next(request, target, default)``."""
    return HttpResponseRedirect(safe_next(request, target, default))
