"""URL configuration: the admin, and the web application at the root."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "巡指 管理后台"
admin.site.site_title = "巡指"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("audit/", include("xunzhi.audit.urls")),
    path("campaigns/", include("xunzhi.campaigns.urls")),
    path("supervision/", include("xunzhi.supervision.urls")),
    path("drafts/", include("xunzhi.drafts.urls")),
    path("city/", include("xunzhi.city.urls")),
    path("", include("xunzhi.evaluation.urls")),
    path("", include("xunzhi.web.urls")),
]
