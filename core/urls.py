from django.urls import path

from core import job_views, pages

app_name = "core"

urlpatterns = [
    path("audit/", pages.change_list, name="change_list"),
    path("jobs/<int:pk>/", job_views.job_detail, name="job_detail"),
    path("jobs/<int:pk>/download/", job_views.job_download, name="job_download"),
]
