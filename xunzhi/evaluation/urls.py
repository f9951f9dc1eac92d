"""Routes of the evaluation: the ranking, its workbook, manual scores, surveys."""

from django.urls import path

from xunzhi.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.scores, name="scores"),
    path("export/", views.scores_export, name="scores_export"),
    path("manual/<str:org_code>/<str:indicator>/", views.manual, name="manual"),
    path("surveys/", views.scores, name="surveys"),  # replaced by the survey pages
]
