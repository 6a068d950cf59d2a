from django.urls import path

from areas import views

app_name = "areas"

urlpatterns = [
    path("areas/", views.area_list, name="area_list"),
    path("areas/<str:code>/", views.area_detail, name="area_detail"),
    path("areas/<str:code>/add/", views.area_add, name="area_add"),
    path("areas/<str:code>/edit/", views.area_edit, name="area_edit"),
    path("areas/<str:code>/revoke/", views.area_revoke, name="area_revoke"),
    path("areas/<str:code>/import/", views.area_import, name="area_import"),
    path("areas/<str:code>/history/", views.area_history, name="area_history"),
    path("people/", views.person_list, name="person_list"),
    path("people/add/", views.person_add, name="person_add"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/revoke/", views.person_revoke, name="person_revoke"),
    path("people/<int:pk>/status/", views.person_status, name="person_status"),
    path("people/<int:pk>/password/", views.person_password, name="person_password"),
]
