"""Web application routes."""

from django.contrib.auth import views as auth_views
from django.urls import path

from xunzhi.web.views import account, dashboard, jobs, ledgers, organisations, reports, values

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account.PasswordChangeView.as_view(), name="password_change"),
    path("ledgers/<str:kind>/", ledgers.ledger_list, name="ledger_list"),
    path("ledgers/<str:kind>/export/", ledgers.ledger_export, name="ledger_export"),
    path("ledgers/<str:kind>/new/", ledgers.ledger_edit, name="ledger_new"),
    path("ledgers/<str:kind>/<int:pk>/edit/", ledgers.ledger_edit, name="ledger_edit"),
    path("ledgers/<str:kind>/<int:pk>/delete/", ledgers.ledger_remove, name="ledger_delete"),
    path("values/", values.values_index, name="values"),
    path("values/<str:org_code>/<str:period>/", values.values_form, name="values_form"),
    path("values/<str:org_code>/<str:period>/save/", values.save, name="values_save"),
    path("values/<str:org_code>/<str:period>/submit/", values.submit, name="values_submit"),
    path("values/<str:org_code>/<str:period>/approve/", values.approve, name="values_approve"),
    path("values/<str:org_code>/<str:period>/return/", values.send_back, name="values_return"),
    path(
        "values/<str:org_code>/<str:period>/unapprove/", values.unapprove, name="values_unapprove"
    ),
    path("orgs/", organisations.org_tree, name="orgs"),
    path("orgs/new/", organisations.org_new, name="org_new"),
    path("orgs/<str:code>/edit/", organisations.org_edit, name="org_edit"),
    path("orgs/leaders/new/", organisations.leader_edit, name="leader_new"),
    path("orgs/leaders/<int:pk>/edit/", organisations.leader_edit, name="leader_edit"),
    path("users/", organisations.user_list, name="users"),
    path("users/<str:username>/active/", organisations.user_active, name="user_active"),
    path("users/<str:username>/unlock/", organisations.user_unlock, name="user_unlock"),
    path("users/new/", organisations.user_edit, name="user_new"),
    path("users/<str:username>/edit/", organisations.user_edit, name="user_edit"),
    path("upload/", jobs.upload, name="upload"),
    path("upload/template/<str:kind>/", jobs.upload_template, name="upload_template"),
    path("jobs/<int:pk>/", jobs.job_page, name="job"),
    path("jobs/<int:pk>/progress/", jobs.job_progress, name="job_progress"),
    path("jobs/<int:pk>/confirm/", jobs.job_confirm, name="job_confirm"),
    path("jobs/<int:pk>/annotated/<int:index>/", jobs.job_annotated, name="job_annotated"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<int:pk>/", reports.report_preview, name="report_preview"),
    path("reports/report.css", reports.report_css, name="report_css"),
    path("reports/<int:pk>/download/<str:fmt>/", reports.report_download, name="report_download"),
    path("figures/<str:code>/", reports.figure_page, name="figure"),
    path("rules/<str:code>/", reports.rule_page, name="rule"),
]
