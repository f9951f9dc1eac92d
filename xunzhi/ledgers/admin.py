from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xunzhi.audit.services import audit_log_delete
from xunzhi.ledgers.models import (
    Activity,
    Problem,
    Project,
    ReportedValue,
    Resource,
    SupervisionVisit,
    ValueSubmission,
)
from xunzhi.ledgers.services import ledger_changed


class LedgerAdmin(admin.ModelAdmin[Any]):
    """Ledger rows in the admin; deletes announce ``ledger_changed`` like the services do."""

    list_select_related = ["org", "campaign"]
    autocomplete_fields = ["org"]
    readonly_fields = [
        "version",
        "source_batch",
        "source_sheet",
        "source_row",
        "created_at",
        "updated_at",
    ]
    list_per_page = 50
    show_full_result_count = False

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_log_delete(instance=obj)  # the ledgers have no delete receiver (see xunzhi.audit)
        super().delete_model(request, obj)
        ledger_changed.send(sender=None, kind=obj._meta.model_name)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset.select_related("org"):
            audit_log_delete(instance=obj)
        super().delete_queryset(request, queryset)
        ledger_changed.send(sender=None, kind=queryset.model._meta.model_name)


@admin.register(Activity)
class ActivityAdmin(LedgerAdmin):
    list_display = ["date", "title", "type", "org", "participants", "leader"]
    list_filter = ["campaign", "type", "date"]
    search_fields = ["title", "org__name", "location", "tags"]
    date_hierarchy = "date"
    raw_id_fields = ["leader"]


@admin.register(Project)
class ProjectAdmin(LedgerAdmin):
    list_display = ["name", "org", "field", "status", "leader", "leader_rank", "planned_date"]
    list_filter = ["campaign", "status", "field", "leader_rank"]
    search_fields = ["name", "org__name"]
    raw_id_fields = ["leader"]


@admin.register(Problem)
class ProblemAdmin(LedgerAdmin):
    list_display = ["description", "org", "source", "category", "deadline", "status"]
    list_filter = ["campaign", "source", "status", "category"]
    search_fields = ["description", "org__name", "measures"]
    raw_id_fields = ["visit"]


@admin.register(Resource)
class ResourceAdmin(LedgerAdmin):
    list_display = ["type", "name", "org", "quantity", "leader"]
    list_filter = ["campaign", "type"]
    search_fields = ["name", "org__name"]
    raw_id_fields = ["leader"]


@admin.register(ReportedValue)
class ReportedValueAdmin(LedgerAdmin):
    list_display = ["org", "period", "item", "value"]
    list_filter = ["campaign", "item", "period"]
    search_fields = ["org__name", "item"]


@admin.register(ValueSubmission)
class ValueSubmissionAdmin(admin.ModelAdmin[ValueSubmission]):
    list_display = ["org", "period", "status", "submitted_at", "reviewed_at"]
    list_filter = ["campaign", "status", "period"]
    search_fields = ["org__name"]
    autocomplete_fields = ["org"]


@admin.register(SupervisionVisit)
class SupervisionVisitAdmin(LedgerAdmin):
    list_display = ["date", "group_name", "org", "method"]
    list_filter = ["campaign", "method", "group_name"]
    search_fields = ["org__name", "findings", "feedback"]
