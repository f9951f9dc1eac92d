from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from xunzhi.organisations.models import Leader, Org


@admin.register(Org)
class OrgAdmin(TreeAdmin):  # type: ignore[misc]  # treebeard ships no types
    form = movenodeform_factory(Org)
    list_display = ["name", "code", "kind", "member_count", "is_leading_body"]
    list_filter = ["kind", "is_leading_body", "depth"]
    search_fields = ["name", "code"]


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin[Leader]):
    list_display = ["name", "title", "rank", "is_principal", "org"]
    list_filter = ["rank", "is_principal"]
    search_fields = ["name", "title", "org__name"]
    autocomplete_fields = ["org"]
