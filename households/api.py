"""API of the household registry: /api/v1/households/ (list, create, read, change with a version
check) and /api/v1/members/{id}/reveal/. The same services, scopes and masking as the pages."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from areas.choices import Action
from areas.scopes import prefixes_for
from core.errors import ServiceError
from households import services
from households.filters import SORTS, HouseholdFilter
from households.models import Household, Member
from households.serializers import (
    FindingSerializer,
    HouseholdDetailSerializer,
    HouseholdListSerializer,
    HouseholdWriteSerializer,
)

__all__ = ["HouseholdViewSet", "MemberViewSet"]


def _invalid(exc: services.HouseholdInvalid) -> ServiceError:
    """The form's errors in the API's one error shape: household fields under ``fields``,
    member rows under ``details.members`` (by the 0-based index of the row sent)."""
    error = ServiceError(exc.message, code="invalid", details={"members": exc.details["members"]})
    error.fields = exc.errors
    return error


class HouseholdViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):  # fmt: skip
    """Households in the caller's scope. Changing one needs the ``version`` read (or an
    ``If-Match: "<version>"`` header); a stale version answers 409 and changes nothing."""

    def get_queryset(self):
        user = self.request.user
        if self.action == "list" and not user.is_superuser and not prefixes_for(user, Action.VIEW):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied  # a user with no role has no list; a single household answers 404
        households = Household.objects.visible_to(user, Action.VIEW)
        if self.action == "list":
            households = HouseholdFilter(self.request.query_params, queryset=households, request=self.request).qs
            if "sort" not in self.request.query_params:
                households = households.order_by(*SORTS["household_no"])
        return households

    def get_serializer_class(self):
        if self.action == "list":
            return HouseholdListSerializer
        if self.action in ("create", "update", "partial_update"):
            return HouseholdWriteSerializer
        return HouseholdDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        household = self.get_object()
        response = Response(HouseholdDetailSerializer(household, context={"request": request}).data)
        response["ETag"] = f'"{household.version}"'
        return response

    def _save(self, request, *, household: Household | None, partial: bool):
        data = HouseholdWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        version = values.pop("version", None)
        if version is None and household is not None:
            match = request.headers.get("If-Match", "").strip('" W/')
            version = int(match) if match.isdigit() else None
        members = [dict(row) for row in values.pop("members", [])]
        fields = {name: values[name] for name in services.HOUSEHOLD_INPUT_FIELDS if name in values}
        if household is not None and not partial:
            # a full update: fields not sent take their empty value, as on a blank paper form
            for name in services.HOUSEHOLD_INPUT_FIELDS:
                fields.setdefault(name, Household._meta.get_field(name).get_default())
        group = (
            values.get("village_group")
            if "village_group" in values
            else (household.village_group_id if household else None)
        )
        try:
            result = services.save_household(
                actor=request.user,
                village_code=values.get("village") if household is None else None,
                household_id=household.pk if household is not None else None,
                expected_version=version,
                group_code=group or None,
                fields=fields,
                members=members,
                submit=values.get("submit", False),
                notes=values.get("notes") or {},
            )
        except services.HouseholdInvalid as exc:
            raise _invalid(exc) from exc
        saved = Household.objects.get(pk=result.household.pk)
        response = Response(
            HouseholdDetailSerializer(saved, context={"request": request}).data,
            status=status.HTTP_201_CREATED if household is None else status.HTTP_200_OK,
        )
        response["ETag"] = f'"{saved.version}"'
        return response

    @extend_schema(request=HouseholdWriteSerializer, responses={201: HouseholdDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not request.data.get("village"):
            raise ServiceError(_("Give the code of the household's village."), field="village", code="required")
        return self._save(request, household=None, partial=False)

    @extend_schema(request=HouseholdWriteSerializer, responses={200: HouseholdDetailSerializer})
    def update(self, request, *args, **kwargs):
        return self._save(request, household=self.get_object(), partial=kwargs.get("partial", False))

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get"])
    def findings(self, request, pk=None):
        household = self.get_object()
        return Response(FindingSerializer(household.findings.order_by("resolved_at", "rule"), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="household number prefix, last 4 ID characters, or a name"),
            OpenApiParameter("village", str, description="area code prefix"),
            OpenApiParameter("attribute", str),
            OpenApiParameter("cause", str),
            OpenApiParameter("status", str),
            OpenApiParameter("entry_state", str),
            OpenApiParameter("has_errors", bool),
            OpenApiParameter("sort", str),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class MemberViewSet(viewsets.GenericViewSet):
    """Members are read and written through their household; this only reveals an ID number."""

    queryset = Member.objects.none()

    @extend_schema(request=None, responses={200: inline_serializer("Revealed", {"id_number": serializers.CharField()})})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The full ID number of one member; each call is recorded in the audit trail."""
        if not str(pk).isdigit():
            raise Http404
        return Response({"id_number": services.reveal_id_number(actor=request.user, member_id=int(pk))})
