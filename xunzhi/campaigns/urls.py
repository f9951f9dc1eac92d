"""Routes of the campaigns app (mounted at /campaigns/)."""

from django.urls import path

from xunzhi.campaigns import views

urlpatterns = [
    path("switch/", views.campaign_switch, name="campaign_switch"),
    path("versions/", views.campaign_versions_page, name="campaign_versions"),
    path("upload/", views.campaign_upload, name="campaign_upload"),
]
