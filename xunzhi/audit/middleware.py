"""Web requests write audit entries as the signed-in user, from their address, via web or admin."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from xunzhi.audit.context import Via, audit_context


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the login guard (django-axes) sees it: one rule for both."""
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request) or None


class AuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.admin_prefix = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        via = Via.ADMIN if request.path.startswith(self.admin_prefix) else Via.WEB
        with audit_context(via=via, request=request, remote_addr=client_address(request)):
            return self.get_response(request)
