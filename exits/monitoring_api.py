"""API of monitoring under /api/v1/exits/monitoring/: cases (list, read, alert, steps, return,
close, risks, elimination), monitoring lines, and the attention flags (list, refresh, start an
alert). Thin: parse (exits/monitoring_serializers.py), call one service, answer with the object.
Services check role, scope and rules; errors have the one shape of core.api.exception_handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.choices import Action
from assistance.views_base import require_any
from core.params import ascii_digits
from exits import monitoring_flags as flags
from exits import monitoring_services as services
from exits.models import AttentionFlag, MonitoringCase, MonitoringEvent, MonitoringLine, RiskRecord
from exits.monitoring_choices import FlagKind, MonitoringKind, MonitoringState
from exits.monitoring_serializers import (
    MonitoringAlertSerializer,
    MonitoringCaseDetailSerializer,
    MonitoringCaseSerializer,
    MonitoringCloseSerializer,
    MonitoringEliminateSerializer,
    MonitoringFlagSerializer,
    MonitoringFlagStartSerializer,
    MonitoringLineSerializer,
    MonitoringLineWriteSerializer,
    MonitoringRefreshResultSerializer,
    MonitoringRefreshSerializer,
    MonitoringReturnSerializer,
    MonitoringRiskSerializer,
    MonitoringRiskWriteSerializer,
    MonitoringStepSerializer,
)

__all__ = ["CASE_ACTIONS", "CaseViewSet", "FlagViewSet", "LineView"]

_ID = "[0-9]+"


def _parse(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _area(params) -> str:
    return ascii_digits(params.get("area"), "area", max_length=12)


@dataclass(frozen=True)
class CaseAction:
    """One POST endpoint under a case: its URL segment, request body, the service call (actor,
    case id, parsed body), and what it answers (the case, or the risk it recorded)."""

    url_path: str
    serializer: type[serializers.Serializer]
    take: Callable[[Any, int, dict], Any]
    response: type[serializers.Serializer] = MonitoringCaseDetailSerializer
    status: int = status.HTTP_200_OK


CASE_ACTIONS: dict[str, CaseAction] = {
    # the next step of the transition table (all but risk elimination)
    "steps": CaseAction(
        "steps",
        MonitoringStepSerializer,
        lambda user, case_id, v: services.advance(
            actor=user, case_id=case_id, step=v["step"], note=v["note"], on=v.get("on"), version=v.get("version")
        ),
    ),
    "send_back": CaseAction(
        "return",
        MonitoringReturnSerializer,
        lambda user, case_id, v: services.return_case(
            actor=user, case_id=case_id, to_state=v["to_state"], reason=v["reason"], version=v.get("version")
        ),
    ),
    "close": CaseAction(
        "close",
        MonitoringCloseSerializer,
        lambda user, case_id, v: services.close_case(
            actor=user, case_id=case_id, reason=v["reason"], version=v.get("version")
        ),
    ),
    "risks": CaseAction(
        "risks",
        MonitoringRiskWriteSerializer,
        lambda user, case_id, v: services.add_risk(
            actor=user,
            case_id=case_id,
            kind=v["kind"],
            found_on=v["found_on"],
            description=v["description"],
            measure_ids=v["measures"],
        ),  # fmt: skip
        MonitoringRiskSerializer,
        status.HTTP_201_CREATED,
    ),
    "eliminate": CaseAction(
        "eliminate",
        MonitoringEliminateSerializer,
        lambda user, case_id, v: services.eliminate_risk(
            actor=user, case_id=case_id, mode=v["mode"], note=v["note"], version=v.get("version")
        ),
    ),
}


def _case_endpoint(name: str):
    """The POST endpoint of one entry of CASE_ACTIONS (``CaseViewSet._act`` does the work); the
    method is named as its attribute, which DRF's router (URL names) and the schema rely on."""
    spec = CASE_ACTIONS[name]

    def endpoint(self, request, pk=None):
        return self._act(request, pk, spec)

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint = action(detail=True, methods=["post"], url_path=spec.url_path)(endpoint)
    return extend_schema(request=spec.serializer, responses={spec.status: spec.response})(endpoint)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Monitored households (监测对象) in the caller's areas. POST raises an alert; ``steps`` takes
    the next step of the transition table; ``return``, ``close``, ``risks``, ``eliminate``."""

    lookup_value_regex = _ID

    def get_serializer_class(self):
        return MonitoringCaseSerializer if self.action == "list" else MonitoringCaseDetailSerializer

    def get_queryset(self):
        if self.action == "list":
            require_any(self.request.user, (Action.VIEW,))
        cases = MonitoringCase.objects.visible_to(self.request.user, Action.VIEW).select_related("household")
        if self.action == "list":
            params = self.request.query_params
            if area := _area(params):
                cases = cases.filter(area_code__startswith=area)
            if params.get("state") in MonitoringState.values:
                cases = cases.filter(state=params["state"])
            if params.get("kind") in MonitoringKind.values:
                cases = cases.filter(kind=params["kind"])
        else:
            cases = cases.prefetch_related(
                Prefetch("events", queryset=MonitoringEvent.objects.select_related("actor").order_by("time", "id")),
                Prefetch("risks", queryset=RiskRecord.objects.prefetch_related("measures").order_by("found_on", "id")),
            )
        return cases.order_by("area_code", "-created_at", "-id")

    def _answer(self, case, code=status.HTTP_200_OK):
        fresh = self.get_queryset().get(pk=case.pk)
        return Response(MonitoringCaseDetailSerializer(fresh).data, status=code)

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="area code prefix"),
            OpenApiParameter("state", str, enum=MonitoringState.values),
            OpenApiParameter("kind", str, enum=MonitoringKind.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MonitoringAlertSerializer, responses={201: MonitoringCaseDetailSerializer})
    def create(self, request):
        values = _parse(MonitoringAlertSerializer, request)
        case = services.start_alert(
            actor=request.user,
            household_id=values["household"],
            kind=values["kind"],
            channel=values["channel"],
            note=values["note"],
        )
        return self._answer(case, status.HTTP_201_CREATED)

    def _act(self, request, pk, spec: CaseAction) -> Response:
        """Parse the body, take the action through its service, answer with what it made."""
        made = spec.take(request.user, int(pk), _parse(spec.serializer, request))
        if spec.response is MonitoringCaseDetailSerializer:
            return self._answer(made, spec.status)
        return Response(spec.response(made).data, status=spec.status)

    # the actions under a case, each an endpoint built from the table CASE_ACTIONS below
    steps = _case_endpoint("steps")
    send_back = _case_endpoint("send_back")
    close = _case_endpoint("close")
    risks = _case_endpoint("risks")
    eliminate = _case_endpoint("eliminate")


class LineView(APIView):
    """GET: the monitoring lines entered (any role); POST: a province officer enters or changes its
    province's line for a year."""

    @extend_schema(responses={200: MonitoringLineSerializer(many=True)})
    def get(self, request):
        require_any(request.user, (Action.VIEW,))
        lines = MonitoringLine.objects.order_by("-year", "province_id")[:500]
        return Response(MonitoringLineSerializer(lines, many=True).data)

    @extend_schema(request=MonitoringLineWriteSerializer, responses={200: MonitoringLineSerializer})
    def post(self, request):
        values = _parse(MonitoringLineWriteSerializer, request)
        line = services.set_monitoring_line(
            actor=request.user,
            province_code=values["province"],
            year=values["year"],
            amount=values["amount"],
            note=values["note"],
        )
        return Response(MonitoringLineSerializer(line).data)


class FlagViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Open attention flags in the caller's areas; ``refresh`` recomputes an area's flags;
    ``start`` raises an alert from a flag in one step."""

    serializer_class = MonitoringFlagSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        require_any(self.request.user, (Action.VIEW,))
        found = (
            AttentionFlag.objects.visible_to(self.request.user, Action.VIEW)
            .filter(cleared_at__isnull=True)
            .select_related("household")
        )
        params = self.request.query_params
        if area := _area(params):
            found = found.filter(area_code__startswith=area)
        if params.get("kind") in FlagKind.values:
            found = found.filter(kind=params["kind"])
        return found.order_by("area_code", "household_id", "kind", "id")

    @extend_schema(
        parameters=[
            OpenApiParameter("area", str, description="area code prefix"),
            OpenApiParameter("kind", str, enum=FlagKind.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MonitoringRefreshSerializer, responses={200: MonitoringRefreshResultSerializer})
    @action(detail=False, methods=["post"])
    def refresh(self, request):
        values = _parse(MonitoringRefreshSerializer, request)
        result = flags.refresh_flags(actor=request.user, area_code=values["area"], year=values.get("year"))
        return Response(MonitoringRefreshResultSerializer(asdict(result)).data)

    @extend_schema(request=MonitoringFlagStartSerializer, responses={201: MonitoringCaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        values = _parse(MonitoringFlagStartSerializer, request)
        case = flags.start_from_flag(actor=request.user, flag_id=int(pk), kind=values.get("kind"))
        return Response(MonitoringCaseDetailSerializer(case).data, status=status.HTTP_201_CREATED)
