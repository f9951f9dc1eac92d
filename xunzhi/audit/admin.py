"""The audit log in the admin: read only, in Chinese (replaces django-auditlog's own page)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils import timezone

from xunzhi.audit.models import AuditEntry
from xunzhi.audit.selectors import audit_changes_text, audit_type_label

if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at runtime
    list_display = ["when", "actor_name", "via", "what", "kind", "object_repr", "unit_name", "diff"]
    list_filter = ["via", "event", "action", "content_type"]
    search_fields = ["actor_name", "object_repr", "unit_name"]
    date_hierarchy = "timestamp"
    list_select_related = ["content_type"]
    list_per_page = 50
    show_full_result_count = False
    fields = (
        "when",
        "actor_name",
        "remote_addr",
        "via",
        "what",
        "kind",
        "object_repr",
        "unit_name",
        "diff",
    )
    readonly_fields = fields

    @admin.display(description="时间", ordering="timestamp")
    def when(self, entry: AuditEntry) -> str:
        return f"{timezone.localtime(entry.timestamp):%Y-%m-%d %H:%M:%S}"

    @admin.display(description="操作")
    def what(self, entry: AuditEntry) -> str:
        return entry.what

    @admin.display(description="对象类型")
    def kind(self, entry: AuditEntry) -> str:
        return audit_type_label(entry)

    @admin.display(description="变更（修改前 → 修改后）")
    def diff(self, entry: AuditEntry) -> str:
        return audit_changes_text(entry)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
