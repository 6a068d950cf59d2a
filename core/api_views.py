"""API of the audit trail: /api/v1/changes/ (auditors)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, viewsets

from areas.choices import Action
from areas.scopes import prefixes_for
from core.models import ChangeAction, ObjectChange
from core.params import ascii_digits, clean_text
from core.serializers import ObjectChangeSerializer

__all__ = ["ObjectChangeViewSet"]


class ObjectChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ObjectChangeSerializer
    queryset = ObjectChange.objects.none()  # for the schema: get_queryset scopes every request

    def get_queryset(self):
        user = self.request.user
        if not user.is_superuser and not prefixes_for(user, Action.AUDIT):
            raise PermissionDenied
        changes = ObjectChange.objects.visible_to(user, Action.AUDIT).select_related("content_type")
        params = self.request.query_params
        if area := ascii_digits(params.get("area"), "area"):
            changes = changes.filter(area_code__startswith=area)
        if params.get("action") in ChangeAction.values:
            changes = changes.filter(action=params["action"])
        if actor := clean_text(params.get("actor"), "actor", max_length=150):
            changes = changes.filter(actor_username=actor)
        return changes.order_by("-time", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="area code prefix"),
            OpenApiParameter("action", str),
            OpenApiParameter("actor", str, description="username"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
