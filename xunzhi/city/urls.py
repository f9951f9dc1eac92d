"""City routes (under /city/)."""

from django.urls import path

from xunzhi.city import views

urlpatterns = [
    path("", views.city_page, name="city"),
    path("export/", views.city_export, name="city_export"),
]
