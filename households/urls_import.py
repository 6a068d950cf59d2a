"""Routes of the Excel import of households; included by households/urls.py (pages) and
config/urls.py (API, under /api/v1/)."""

from django.urls import path

from households import import_views as views

urlpatterns: list = [
    path("areas/<str:code>/households/import/", views.import_upload, name="import_upload"),
    path("areas/<str:code>/households/import/template/", views.import_template, name="import_template"),
    path("households/imports/<int:pk>/", views.import_result, name="import_result"),
    path("households/imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
]
api_urlpatterns: list = [
    path("households/import/<str:code>/", views.ImportUploadAPI.as_view(), name="household-import-upload"),
    path("households/imports/<int:pk>/", views.ImportResultAPI.as_view(), name="household-import-result"),
    path("households/imports/<int:pk>/commit/", views.ImportCommitAPI.as_view(), name="household-import-commit"),
]
