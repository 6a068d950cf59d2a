from django.urls import include, path

from households import urls_import, urls_quality

app_name = "households"

urlpatterns: list = [
    path("", include(urls_import.urlpatterns)),
    path("", include(urls_quality.urlpatterns)),
]
