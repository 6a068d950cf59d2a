from django.urls import path

from reporting import api, views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/request/", views.report_request, name="report_request"),
    path("reports/jobs/<int:pk>/", views.report_detail, name="report_detail"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard"),
]

api_urlpatterns = [
    path("reports/", api.ReportJobsAPI.as_view(), name="report-list"),
]
