"""The login guard: django-axes with one limit per account and another per address.

django-axes counts failed logins per lockout parameter (here the account, then the address) and
compares the largest count with one limit. The address gets a higher limit (a county office
behind one NAT address shares it), so its count is scaled to the account's limit before the
comparison: both thresholds hold with axes' own bookkeeping, cool-off and reset.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from xunzhi.web.forms import LoginForm


class LoginGuardHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes ships no types
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        by_account, by_address = (
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        setattr(request, "xz_failures", {"account": by_account, "address": by_address})  # noqa: B010 - read by audit.registry
        scaled = by_address * settings.AXES_FAILURE_LIMIT // settings.LOGIN_FAILURES_ADDRESS
        return int(max(by_account, scaled))


def lockout_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"登录失败次数过多，该账号或本机地址已被锁定 {minutes} 分钟，期间无法登录。"
        "请稍后再试；如急需登录，请联系县学习教育办解除锁定。"
    )


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The login page again with the lockout message (HTTP 429), for the web and the admin."""
    return render(
        request,
        "web/login.html",
        {"form": LoginForm(request), "next": "", "locked": lockout_message()},
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are locked now (by their own failures; an address lock is
    lifted by waiting or by clearing that address in the admin)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(username__in=usernames, attempt_time__gte=since)
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


def login_failures_clear(*, username: str) -> int:
    """Forget an account's failed logins (unlocks it); returns how many records went."""
    return int(reset(username=username))
