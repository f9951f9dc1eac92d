"""Evaluation settings and report versions in the Django admin (Chinese labels come from the models)."""

from __future__ import annotations

from django.contrib import admin

from xunzhi.reports.models import Evaluation, ReportVersion


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at runtime
    list_display = ("unit", "campaign", "group_number", "arrival_date", "until", "updated_at")
    list_filter = ("campaign",)
    search_fields = ("unit__name", "unit__code")
    raw_id_fields = ("unit",)
    fieldsets = (
        (None, {"fields": ("campaign", "unit", "until")}),
        ("指导组", {"fields": ("group_number", "group_title", "arrival_date", "city")}),
        ("报告文字", {"fields": ("strategies", "brand", "lecture_places")}),
        ("主送与落款", {"fields": ("addressee", "signature", "sign_date")}),
    )


@admin.register(ReportVersion)
class ReportVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at runtime
    list_display = ("evaluation", "created_at", "created_by", "until")
    list_filter = ("evaluation__campaign",)
    readonly_fields = (
        "evaluation",
        "created_at",
        "created_by",
        "until",
        "docx_path",
        "pdf_path",
        "html_path",
        "md_path",
        "check_sheet_path",
        "fired_rules",
    )
