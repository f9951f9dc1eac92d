from django.contrib import admin

from xunzhi.intake.models import ImportBatch


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ["file_name", "kind", "user", "created_at", "added", "updated", "unchanged"]
    list_filter = ["kind"]
    search_fields = ["file_name"]
