"""API routes of monitoring, included by config/urls.py under /api/v1/ (namespace "api"); names
start with "monitoring-" to stay apart from the other apps' in the one namespace."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from exits import monitoring_api as api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("exits/monitoring/cases", api.CaseViewSet, basename="monitoring-case")
router.register("exits/monitoring/flags", api.FlagViewSet, basename="monitoring-flag")

api_urlpatterns: list = [
    path("exits/monitoring/lines/", api.LineView.as_view(), name="monitoring-lines"),
    *router.urls,
]
