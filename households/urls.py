from django.urls import include, path

from households import urls_import, urls_quality, views

app_name = "households"

urlpatterns: list = [
    path("households/", views.household_list, name="household_list"),
    path("households/export.<str:fmt>", views.household_export, name="household_export"),
    path("households/new/", views.household_add, name="household_add"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/check-id/", views.check_id, name="check_id"),
    path("households/figures/", views.live_figures, name="live_figures"),
    path("households/member-row/", views.member_row, name="member_row"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member_reveal"),
    path("", include(urls_import.urlpatterns)),
    path("", include(urls_quality.urlpatterns)),
]
