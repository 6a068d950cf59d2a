"""Routes of this part of the household registry; included by households/urls.py (pages) and
config/urls.py (API, under /api/v1/)."""

from django.urls import path

from households import quality_views as views

urlpatterns: list = [
    path("worklist/<str:code>/", views.worklist_page, name="worklist"),
    path("worklist/<str:code>/findings/", views.finding_list, name="finding_list"),
    path("worklist/<str:code>/scan/", views.quality_scan, name="quality_scan"),
    path("worklist/findings/<int:pk>/confirm/", views.finding_confirm, name="finding_confirm"),
]
api_urlpatterns: list = [
    path("quality/findings/", views.FindingListAPI.as_view(), name="quality-finding-list"),
    path("quality/findings/<int:pk>/confirm/", views.FindingConfirmAPI.as_view(), name="quality-finding-confirm"),
    path("quality/areas/<str:code>/counts/", views.AreaCountsAPI.as_view(), name="quality-counts"),
    path("quality/areas/<str:code>/scan/", views.QualityScanAPI.as_view(), name="quality-scan"),
]
