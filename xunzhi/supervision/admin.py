"""The loop's records in the admin, read-only: every change goes through the services (the
problem page), which keep the history, the versions and the problem's 整改状态 in step."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xunzhi.supervision.models import ProblemStep, Rectification, RectificationFile


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ["problem", "state", "submitted_at", "closed_at", "version"]
    list_filter = ["state"]
    list_select_related = ["problem"]


@admin.register(ProblemStep)
class ProblemStepAdmin(ReadOnly):
    list_display = ["at", "problem", "action", "state", "actor_name"]
    list_filter = ["action"]
    list_select_related = ["problem"]


@admin.register(RectificationFile)
class RectificationFileAdmin(ReadOnly):
    list_display = ["name", "kind", "size", "step"]
    list_select_related = ["step"]
