from django.urls import path

from core import pages

app_name = "core"

urlpatterns = [
    path("audit/", pages.change_list, name="change_list"),
]
