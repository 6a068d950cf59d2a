"""Routes of this part of the household registry; included by households/urls.py (pages) and
config/urls.py (API, under /api/v1/)."""

urlpatterns: list = []
api_urlpatterns: list = []
