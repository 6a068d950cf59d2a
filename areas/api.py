"""API of areas and of the caller: /api/v1/areas/, /api/v1/me/, /api/v1/auth/token/."""

from __future__ import annotations

from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from areas import services
from areas.choices import Action, Role
from areas.excel import read_area_rows
from areas.models import Area
from areas.roles import ROLE_ACTIONS
from areas.scopes import grants_of, may, prefixes_for
from areas.serializers import (
    AreaCreateSerializer,
    AreaRenameSerializer,
    AreaRevokeSerializer,
    AreaSerializer,
    MeSerializer,
)
from core.auth import LockedOut, is_locked
from core.errors import ServiceError
from core.tokens import issue_token, token_expires

__all__ = ["AreaViewSet", "MeView", "TokenView"]


class AreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Areas in the caller's scope. County officers add villages and groups, rename and revoke them."""

    serializer_class = AreaSerializer
    lookup_field = "code"
    lookup_value_regex = "[0-9]{2,15}"

    def get_queryset(self):
        return Area.objects.visible_to(self.request.user, Action.VIEW).order_by("code")

    @extend_schema(
        parameters=[
            OpenApiParameter("parent", str, description="children of this area code"),
            OpenApiParameter("level", str, description="province, city, county, township, village or group"),
            OpenApiParameter("q", str, description="name contains"),
            OpenApiParameter("include_revoked", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        if not request.user.is_superuser and not prefixes_for(request.user, Action.VIEW):
            if request.query_params.get("parent"):
                raise Http404  # the parent is out of scope, like everything for this user
            raise PermissionDenied  # a user with no role has no list to see
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        parent = params.get("parent")
        if parent:
            # listing the children of an area outside one's scope is refused like the area itself
            if not queryset.filter(code=parent).exists():
                raise Http404
            queryset = queryset.filter(parent_id=parent)
        if params.get("level"):
            queryset = queryset.filter(level=params["level"])
        if params.get("q"):
            queryset = queryset.filter(name__contains=params["q"].strip())
        if params.get("include_revoked") not in ("1", "true", "True"):
            queryset = queryset.filter(is_revoked=False)
        return queryset

    @extend_schema(request=AreaCreateSerializer, responses={201: AreaSerializer})
    def create(self, request):
        data = AreaCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.create_area(
            actor=request.user,
            parent_code=data.validated_data["parent"],
            code=data.validated_data["code"],
            name=data.validated_data["name"],
        )
        return Response(AreaSerializer(area).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AreaRenameSerializer, responses={200: AreaSerializer})
    def partial_update(self, request, code=None):
        data = AreaRenameSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.rename_area(actor=request.user, code=code, **data.validated_data)
        return Response(AreaSerializer(area).data)

    @extend_schema(request=AreaRevokeSerializer, responses={200: AreaSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, code=None):
        data = AreaRevokeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.revoke_area(
            actor=request.user,
            code=code,
            successor_code=data.validated_data["successor"] or None,
            reason=data.validated_data["reason"],
        )
        return Response(AreaSerializer(area).data)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("AreaImport", {"file": serializers.FileField()})},
        responses={
            201: inline_serializer(
                "AreaImportResult", {"created": serializers.ListField(), "unchanged": serializers.IntegerField()}
            )
        },
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_children(self, request, code=None):
        """Import villages and groups into this county from a .xlsx or .csv list; all rows or none."""
        # the role first: nothing of the upload is read or parsed for a caller who may not import
        county = self.get_object()
        if not may(request.user, Action.MANAGE_AREAS, county.code):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            raise ServiceError(_("Choose a file to upload."), field="file", code="required")
        rows, cell_errors = read_area_rows(upload)
        result = services.import_areas(
            actor=request.user, county_code=county.code, rows=rows, dry_run=bool(cell_errors)
        )
        errors = sorted([*cell_errors, *result.errors], key=lambda e: (e.row_number, e.column))
        if errors:
            raise ServiceError(
                _("%(count)s rows have errors; nothing was imported.") % {"count": len({e.row_number for e in errors})},
                code="row_errors",
                details=[{"row": e.row_number, "column": e.column, "message": e.message} for e in errors],
            )
        return Response(
            {"created": [area.code for area in result.created], "unchanged": result.unchanged},
            status=status.HTTP_201_CREATED,
        )


class MeView(APIView):
    """The caller: roles, the areas they hold them on, and what each role allows."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        grants = grants_of(user)
        body = {
            "username": user.username,
            "full_name": user.get_full_name() or user.username,
            "is_superuser": user.is_superuser,
            "roles": sorted({grant.role for grant in grants}),
            "grants": [
                {
                    "role": grant.role,
                    "role_label": str(Role(grant.role).label),
                    "area": grant.area_code,
                    "area_name": grant.area_name,
                    "area_level": grant.area_level,
                    "via_group": grant.via_group,
                }
                for grant in grants
            ],
            "actions": {
                action: prefixes_for(user, action)
                for action in sorted({a for grant in grants for a in ROLE_ACTIONS[grant.role]})
            },
        }
        return Response(MeSerializer(body).data)


class LoginRateThrottle(AnonRateThrottle):
    """20 calls a minute from one client address (``core.auth.client_address``: NUM_PROXIES)."""

    rate = "20/min"


class TokenView(APIView):
    """Exchange a username and password for an API token (``Authorization: Token …``), good for
    API_TOKEN_HOURS hours or until the password changes. Failures count toward the same lockout as
    the login page's (core/auth.py); a locked name or address gets 429 and its password is not checked."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
        ),
        responses={
            200: inline_serializer(
                "TokenResponse", {"token": serializers.CharField(), "expires": serializers.DateTimeField()}
            )
        },
    )
    def post(self, request):
        # normalised as the login form does, so that the lockout and the user lookup see one name
        username = get_user_model().normalize_username(str(request.data.get("username", ""))).strip()
        password = str(request.data.get("password", ""))
        if username and is_locked(username, request):
            raise LockedOut
        user = authenticate(request, username=username, password=password) if username and password else None
        if user is None or not user.is_active:
            raise ServiceError(_("Wrong username or password."), code="bad_credentials")
        token = issue_token(user)
        return Response({"token": token.key, "expires": token_expires(token)})
