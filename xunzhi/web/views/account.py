"""Signing in and changing one's password (Django's views with our templates and forms)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse

from xunzhi.web.forms import LoginForm, PasswordForm
from xunzhi.web.views.common import page_context


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "web/password.html"
    form_class = PasswordForm

    def get_success_url(self) -> str:
        messages.success(self.request, "密码已修改。")
        return reverse("dashboard")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), **page_context(self.request)}
