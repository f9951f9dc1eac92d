"""Routes of the supervision loop (included once under ``supervision/``)."""

from django.urls import path

from xunzhi.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.index, name="index"),
    path("attention/", views.attention_fragment, name="attention"),
    path("archive/", views.archive, name="archive"),
    path("ledger.xlsx", views.ledger_download, name="ledger"),
    path("visits/<int:pk>/", views.visit_page, name="visit"),
    path("problems/<int:pk>/", views.problem_page, name="problem"),
    path("problems/<int:pk>/submit/", views.problem_submit, name="submit"),
    path("problems/<int:pk>/close/", views.problem_close, name="close"),
    path("problems/<int:pk>/return/", views.problem_return, name="return"),
    path("files/<int:pk>/", views.file_download, name="file"),
]
