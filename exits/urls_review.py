"""Pages of the yearly review, the status procedures and frozen years, under /exits/review/."""

from django.urls import path

from exits import review_views as views

app_name = "exits_review"

urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("add/<str:code>/", views.campaign_add, name="campaign_add"),
    path("<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("<int:pk>/report/", views.campaign_report, name="campaign_report"),
    path("<int:pk>/forms/add/", views.result_add, name="result_add"),
    path("forms/<int:pk>/", views.result_detail, name="result_detail"),
    path("forms/<int:pk>/print/", views.result_print, name="result_print"),
    path("forms/<int:pk>/township/", views.result_township, name="result_township"),
    path("forms/<int:pk>/county/", views.result_county, name="result_county"),
    path("forms/<int:pk>/identify/", views.result_identify, name="result_identify"),
    path("households/<int:pk>/status/", views.household_status, name="household_status"),
    path("households/<int:pk>/natural/", views.household_natural, name="household_natural"),
    path("frozen/<str:code>/", views.frozen_years, name="frozen_years"),
    path("differences/<str:code>/", views.differences, name="differences"),
]
