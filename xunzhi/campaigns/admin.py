from django.contrib import admin

from xunzhi.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]  # not generic at runtime
    list_display = ["name", "code", "start_date", "end_date", "loaded_at"]
    search_fields = ["name", "code"]
    readonly_fields = ["source_path", "source_sha256", "loaded_at"]
