"""Pages of monitoring, included by config/urls.py under /exits/monitoring/ (namespace "monitoring")."""

from django.urls import path

from exits import monitoring_views as views

app_name = "monitoring"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("new/", views.case_add, name="case_add"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/step/", views.case_step, name="case_step"),
    path("<int:pk>/return/", views.case_return, name="case_return"),
    path("<int:pk>/close/", views.case_close, name="case_close"),
    path("<int:pk>/risks/", views.risk_add, name="risk_add"),
    path("<int:pk>/eliminate/", views.case_eliminate, name="case_eliminate"),
    path("lines/", views.line_list, name="line_list"),
    path("flags/", views.flag_list, name="flag_list"),
    path("flags/refresh/", views.flag_refresh, name="flag_refresh"),
    path("flags/<int:pk>/start/", views.flag_start, name="flag_start"),
]
