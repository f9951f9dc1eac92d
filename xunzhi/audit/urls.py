"""Audit log routes (under /audit/)."""

from django.urls import path

from xunzhi.audit import views

urlpatterns = [
    path("", views.audit_list, name="audit"),
    path("export/", views.audit_export, name="audit_export"),
]
