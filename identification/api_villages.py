"""API of poor-village identification under /api/v1/: the villages' yearly figures and the poor
village cases (proposal, the township cadres' vote, the one publicity, the county announcement).

Thin like the rest of the API: parse (serializers below), call one service of
identification.villages, answer with the object. Reads go through ``visible_to``; the services
check role and scope (404 outside the caller's view scope, 403 without the action).
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from areas.choices import Action
from areas.models import VillageFigures
from core.serializers import IdField
from identification import villages
from identification.api import _area_prefix, _choice, _number, _parse, _require_a_role
from identification.models import PoorVillageCase, PoorVillageState
from identification.services import Vote

__all__ = ["PoorVillageCaseViewSet", "VillageFiguresViewSet"]

_ID = "[0-9]+"


class VillageFiguresSerializer(serializers.ModelSerializer):
    """A village's figures for a year (贫困村信息采集表) and the poverty incidence they give."""

    village = serializers.CharField(source="village_id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    incidence = serializers.DecimalField(
        max_digits=6, decimal_places=4, read_only=True, allow_null=True, help_text="poor people ÷ rural population"
    )

    class Meta:
        model = VillageFigures
        fields = ["id", "village", "village_name", "year", *villages.FIGURE_FIELDS, "incidence"]
        read_only_fields = ["id", "village", "village_name", "year", "incidence"]


class VillageFiguresWriteSerializer(serializers.ModelSerializer):
    """Enter (POST, with village and year) or correct (PATCH, only the figures that change)."""

    village = serializers.RegexField(r"^[0-9]{12}$", help_text="village code (12 digits)")
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = VillageFigures
        fields = ["village", "year", *villages.FIGURE_FIELDS]
        # a second POST for the same village and year replaces the figures: no uniqueness refusal
        validators: list = []


class VillageFiguresPatchSerializer(serializers.ModelSerializer):
    class Meta:
        model = VillageFigures
        fields = villages.FIGURE_FIELDS
        extra_kwargs = {name: {"required": False} for name in villages.FIGURE_FIELDS}


class VillageFiguresViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Villages' yearly figures in the caller's scope. Village clerks and township reviewers enter
    and correct them; everyone who sees the village reads them."""

    serializer_class = VillageFiguresSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        rows = VillageFigures.objects.visible_to(user, Action.VIEW).select_related("village")
        if self.action == "list":
            params = self.request.query_params
            village = _area_prefix(user, params, "village")
            _require_a_role(user)
            if (year := _number(params, "year")) is not None:
                rows = rows.filter(year=year)
            if village:
                rows = rows.filter(village_id__startswith=village)
        return rows.order_by("village_id", "-year")

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("village", str, description="area code prefix"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @staticmethod
    def _shown(figures_id: int) -> dict:
        return VillageFiguresSerializer(VillageFigures.objects.select_related("village").get(pk=figures_id)).data

    @extend_schema(
        request=VillageFiguresWriteSerializer, responses={201: VillageFiguresSerializer, 200: VillageFiguresSerializer}
    )
    def create(self, request):
        """Enter a village's figures for a year (201), or replace those entered (200)."""
        values = _parse(VillageFiguresWriteSerializer, request)
        village, year = values.pop("village"), values.pop("year")
        existed = VillageFigures.objects.filter(village_id=village, year=year).exists()
        figures = villages.record_village_figures(actor=request.user, village_code=village, year=year, values=values)
        return Response(self._shown(figures.pk), status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    @extend_schema(request=VillageFiguresPatchSerializer, responses=VillageFiguresSerializer)
    def partial_update(self, request, pk=None):
        """Correct some figures; the others stay."""
        figures = self.get_queryset().filter(pk=pk).first()
        if figures is None:
            raise Http404
        values = _parse(VillageFiguresPatchSerializer, request)
        villages.record_village_figures(
            actor=request.user, village_code=figures.village_id, year=figures.year, values=values
        )
        return Response(self._shown(figures.pk))


class PoorVillageCaseSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    state = serializers.CharField(read_only=True, help_text="proposed, appraised, in_publicity, publicized, …")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = PoorVillageCase
        fields = [
            "id", "campaign", "village", "village_name", "state", "state_label", "version", "figures", "vote",
            "publicity_starts_on", "publicity_ends_on", "posted_place", "closing_reason", "announced_at",
            "proposed_at",
        ]  # fmt: skip
        read_only_fields = fields


class ProposeSerializer(serializers.Serializer):
    campaign = IdField()
    village = serializers.RegexField(r"^[0-9]{12}$", help_text="village code (12 digits)")


class CadreVoteSerializer(serializers.Serializer):
    meeting_date = serializers.DateField()
    representatives = serializers.IntegerField(help_text="village cadres of the township")
    present = serializers.IntegerField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()


class VillagePublicitySerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    posted_place = serializers.CharField(max_length=200)


class AnnounceVillagesSerializer(serializers.Serializer):
    campaign = IdField()
    case_ids = serializers.ListField(child=IdField(), min_length=1, max_length=1000)


class PoorVillageCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Poor-village cases (贫困村识别) in the caller's scope: POST proposes a village with its figures
    for the campaign's year; the township records the cadres' vote and runs the one publicity; the
    county announces (一公示、一公告)."""

    serializer_class = PoorVillageCaseSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        cases = PoorVillageCase.objects.visible_to(user, Action.VIEW).select_related("village")
        if self.action == "list":
            params = self.request.query_params
            village = _area_prefix(user, params, "village")
            _require_a_role(user)
            if (campaign := _number(params, "campaign")) is not None:
                cases = cases.filter(campaign_id=campaign)
            if state := _choice(params, "state", PoorVillageState.values):
                cases = cases.filter(state=state)
            if village:
                cases = cases.filter(village_id__startswith=village)
        return cases

    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int, description="campaign id"),
            OpenApiParameter("state", str, enum=PoorVillageState.values),
            OpenApiParameter("village", str, description="area code prefix"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @staticmethod
    def _shown(case_id: int) -> dict:
        return PoorVillageCaseSerializer(PoorVillageCase.objects.select_related("village").get(pk=case_id)).data

    @extend_schema(request=ProposeSerializer, responses={201: PoorVillageCaseSerializer})
    def create(self, request):
        values = _parse(ProposeSerializer, request)
        case = villages.propose_poor_village(
            actor=request.user, campaign_id=values["campaign"], village_code=values["village"]
        )
        return Response(self._shown(case.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=CadreVoteSerializer, responses=PoorVillageCaseSerializer)
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """The vote of all village cadres of the township (two thirds present, more than half for)."""
        values = _parse(CadreVoteSerializer, request)
        meeting_date = values.pop("meeting_date")
        villages.record_cadre_vote(actor=request.user, case_id=int(pk), meeting_date=meeting_date, vote=Vote(**values))
        return Response(self._shown(int(pk)))

    @extend_schema(request=VillagePublicitySerializer, responses=PoorVillageCaseSerializer)
    @action(detail=True, methods=["post"])
    def publicity(self, request, pk=None):
        """Post the village's one publicity, for the campaign's publicity days."""
        values = _parse(VillagePublicitySerializer, request)
        villages.post_village_publicity(actor=request.user, case_id=int(pk), **values)
        return Response(self._shown(int(pk)))

    @extend_schema(request=None, responses=PoorVillageCaseSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """End the publicity, from the day after its last day."""
        villages.conclude_village_publicity(actor=request.user, case_id=int(pk))
        return Response(self._shown(int(pk)))

    @extend_schema(request=AnnounceVillagesSerializer, responses=PoorVillageCaseSerializer(many=True))
    @action(detail=False, methods=["post"])
    def announce(self, request):
        """The county announces the villages whose publicity ended (all or none)."""
        values = _parse(AnnounceVillagesSerializer, request)
        announced = villages.announce_poor_villages(
            actor=request.user, campaign_id=values["campaign"], case_ids=values["case_ids"]
        )
        rows = PoorVillageCase.objects.select_related("village").filter(pk__in=[case.pk for case in announced])
        return Response(PoorVillageCaseSerializer(rows, many=True).data)
