"""Draft routes (mounted at ``drafts/``)."""

from django.urls import path

from xunzhi.drafts import views, views_refresh

app_name = "drafts"

urlpatterns = [
    path("new/", views.draft_new, name="new"),
    path("compare/", views_refresh.compare, name="compare"),
    path("<int:pk>/", views.editor, name="editor"),
    path("<int:pk>/blocks/<int:block_pk>/", views.block_save, name="block_save"),
    path("<int:pk>/blocks/<int:block_pk>/insert/", views.block_insert, name="block_insert"),
    path("<int:pk>/blocks/<int:block_pk>/delete/", views.block_delete, name="block_delete"),
    path("<int:pk>/blocks/<int:block_pk>/move/", views.block_move, name="block_move"),
    path("<int:pk>/figures/<str:key>/", views.figure_override, name="figure_override"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/unlock/", views.unlock, name="unlock"),
    path("<int:pk>/refresh/", views_refresh.refresh, name="refresh"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/download/<str:fmt>/", views.download, name="download"),
]
