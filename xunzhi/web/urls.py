"""Web application routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from xunzhi.web import views, views_jobs

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("ledgers/<str:kind>/", views.ledger_list, name="ledger_list"),
    path("ledgers/<str:kind>/export/", views.ledger_export, name="ledger_export"),
    path("ledgers/<str:kind>/new/", views.ledger_edit, name="ledger_new"),
    path("ledgers/<str:kind>/<int:pk>/edit/", views.ledger_edit, name="ledger_edit"),
    path("ledgers/<str:kind>/<int:pk>/delete/", views.ledger_remove, name="ledger_delete"),
    path("values/", views.values_index, name="values"),
    path("values/<str:org_code>/<str:period>/", views.values_form, name="values_form"),
    path("orgs/", views.org_tree, name="orgs"),
    path("orgs/new/", views.org_new, name="org_new"),
    path("orgs/<str:code>/edit/", views.org_edit, name="org_edit"),
    path("orgs/leaders/new/", views.leader_edit, name="leader_new"),
    path("orgs/leaders/<int:pk>/edit/", views.leader_edit, name="leader_edit"),
    path("users/", views.user_list, name="users"),
    path("users/<str:username>/active/", views.user_active, name="user_active"),
    path("users/<str:username>/unlock/", views.user_unlock, name="user_unlock"),
    path("users/new/", views.user_edit, name="user_new"),
    path("users/<str:username>/edit/", views.user_edit, name="user_edit"),
    path("upload/", views_jobs.upload, name="upload"),
    path("upload/template/<str:kind>/", views_jobs.upload_template, name="upload_template"),
    path("jobs/<int:pk>/", views_jobs.job_page, name="job"),
    path("jobs/<int:pk>/progress/", views_jobs.job_progress, name="job_progress"),
    path("jobs/<int:pk>/confirm/", views_jobs.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/annotated/<int:index>/", views_jobs.job_annotated, name="job_annotated"),
    path("reports/", views_jobs.reports, name="reports"),
    path("reports/<int:pk>/", views_jobs.report_preview, name="report_preview"),
    path("reports/report.css", views_jobs.report_css, name="report_css"),
    path(
        "reports/<int:pk>/download/<str:fmt>/", views_jobs.report_download, name="report_download"
    ),
    path("figures/<str:code>/", views_jobs.figure_page, name="figure"),
    path("rules/<str:code>/", views_jobs.rule_page, name="rule"),
]
