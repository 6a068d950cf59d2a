"""API routes of identification, included by config/urls.py under /api/v1/ (namespace "api")."""

api_urlpatterns: list = []
