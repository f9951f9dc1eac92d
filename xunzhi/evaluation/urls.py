"""Routes of the evaluation: the ranking, its workbook, manual scores, surveys, and the public
answer page ``/s/<code>/``."""

from django.urls import path

from xunzhi.evaluation import views, views_survey

app_name = "evaluation"

urlpatterns = [
    path("evaluation/", views.scores, name="scores"),
    path("evaluation/export/", views.scores_export, name="scores_export"),
    path("evaluation/manual/<str:org_code>/<str:indicator>/", views.manual, name="manual"),
    path("evaluation/surveys/", views_survey.surveys, name="surveys"),
    path("evaluation/surveys/<int:pk>/", views_survey.survey, name="survey"),
    path("evaluation/surveys/<int:pk>/sheet/", views_survey.survey_sheet, name="survey_sheet"),
    path("s/<str:code>/", views_survey.answer, name="answer"),
]
