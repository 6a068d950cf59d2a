"""API of assistance under /api/v1/: cadres, pairings (one household, or many of a village), visits,
plans with their measures (add a measure, change its status, copy a plan), the project library
(propose, advance), payments to households, work teams and assistance units, and the coverage and
rolling plan of an area.

Thin like every API here: parse the request (assistance/serializers.py), call one service of
assistance.services (or assistance.units), answer with the object. The services check role and
scope (404 out of the caller's view scope, 403 without the action) and every rule; lists and
reads go through ``visible_to``; a user with no role has no list (403). Errors have the one shape
of core.api.exception_handler.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.choices import Action, Level
from assistance import selectors, services, units
from assistance.cadre_scope import my_households, paired_on, paired_running
from assistance.choices import ProjectState
from assistance.models import (
    FundPayment,
    Measure,
    Pairing,
    Plan,
    Project,
    ProjectBeneficiary,
    UnitAssignment,
    Visit,
    WorkTeam,
)
from assistance.serializers import (
    AdvanceSerializer,
    BeneficiariesWriteSerializer,
    BeneficiaryComparisonSerializer,
    BulkPairingResultSerializer,
    BulkPairingSerializer,
    BulkPlanCopySerializer,
    CadreCreateSerializer,
    CadreEndSerializer,
    CadreLoginSerializer,
    CadreSerializer,
    CoverageSerializer,
    LedgerSerializer,
    MeasureCreateSerializer,
    MeasureSerializer,
    MeasureStatusSerializer,
    MyHouseholdSerializer,
    PairingCreateSerializer,
    PairingSerializer,
    PaymentCreateSerializer,
    PaymentSerializer,
    PlanChangeSerializer,
    PlanCopySerializer,
    PlanSerializer,
    PlanWriteSerializer,
    ProjectCreateSerializer,
    ProjectSerializer,
    RollingPlanSerializer,
    UnitAssignmentCreateSerializer,
    UnitAssignmentSerializer,
    VisitCreateSerializer,
    VisitSerializer,
    WorkTeamCreateSerializer,
    WorkTeamSerializer,
)
from assistance.units import cadres_visible_to
from assistance.views_base import (
    ASSIGNERS,
    WORKERS,
    area_or_404,
    cause_names,
    county_or_404,
    household_or_404,
    require_any,
)
from core.errors import ServiceError
from core.params import ascii_digits, object_id
from households.choices import HouseholdStatus
from households.idnumbers import age_on, mask_id_number
from households.models import Household, Member

__all__ = [
    "CadreViewSet",
    "CoverageView",
    "HouseholdLedgerView",
    "MeasureViewSet",
    "MyHouseholdsView",
    "PairingViewSet",
    "PaymentViewSet",
    "PlanViewSet",
    "ProjectViewSet",
    "RollingPlanView",
    "UnitAssignmentViewSet",
    "VisitViewSet",
    "WorkTeamViewSet",
]

_ID = "[0-9]+"
_POOR = (HouseholdStatus.REGISTERED, HouseholdStatus.PRE_EXIT, HouseholdStatus.RETURNED)
_AREA_LEVELS = (Level.COUNTY, Level.TOWNSHIP)


def _parse(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer


def _number(params, name: str) -> int | None:
    return object_id(params.get(name), name, message=_("Give a number."))


def _prefix(params, name: str) -> str | None:
    value = ascii_digits(params.get(name), name, message=_("Give an area code or the leading digits of one."))
    return value or None


def _list_scope(viewset) -> None:
    if viewset.action == "list":
        require_any(viewset.request.user, (Action.VIEW,))


_BENEFICIARY_KEYS = ProjectBeneficiary.objects.only("id", "project_id", "household_id")
_HOUSEHOLD = OpenApiParameter("household", int, description="household id")
_AREA = OpenApiParameter("area", str, description="area code prefix")


# --- cadres and pairings ----------------------------------------------------------------------------


class CadreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Responsible cadres of the counties the caller works in; county officers register them and
    end their assignment."""

    serializer_class = CadreSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        cadres = cadres_visible_to(self.request.user)
        if self.action == "list":
            params = self.request.query_params
            if county := _prefix(params, "county"):
                cadres = cadres.filter(county__code__startswith=county[:6])
            if query := params.get("q", "").strip():
                cadres = cadres.filter(Q(name__contains=query) | Q(unit__contains=query))
            today = timezone.localdate()
            state = params.get("state", "current")
            if state == "current":
                cadres = cadres.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
            elif state == "ended":
                cadres = cadres.filter(ends_on__lt=today)
            elif state != "all":
                raise ServiceError(_("Unknown value."), field="state")
        return cadres.order_by("name", "id")

    @extend_schema(
        parameters=[
            OpenApiParameter("county", str, description="county code"),
            OpenApiParameter("q", str, description="part of the name or unit"),
            OpenApiParameter("state", str, enum=["current", "ended", "all"], description="default: current"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CadreCreateSerializer, responses={201: CadreSerializer})
    def create(self, request):
        values = dict(_parse(CadreCreateSerializer, request).validated_data)
        county = county_or_404(request.user, values.pop("county"), (Action.APPROVE,))  # as on the page
        cadre = services.create_cadre(actor=request.user, county_code=county.code, **values)
        return Response(CadreSerializer(cadre).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CadreLoginSerializer, responses={200: CadreSerializer})
    @action(detail=True, methods=["post"])
    def login(self, request, pk=None):
        """Link the login the cadre uses to see the households paired with them (empty: unlink)."""
        username = _parse(CadreLoginSerializer, request).validated_data["username"]
        cadre = services.set_cadre_login(actor=request.user, cadre_id=int(pk), username=username)
        return Response(CadreSerializer(cadre).data)

    @extend_schema(request=CadreEndSerializer, responses={200: CadreSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the cadre's assignment; refused while households are still paired with them."""
        ends_on = _parse(CadreEndSerializer, request).validated_data["ends_on"]
        cadre = services.end_cadre(actor=request.user, cadre_id=int(pk), ends_on=ends_on)
        return Response(CadreSerializer(cadre).data)


class PairingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pairings of households with their responsible cadres, past and current. POST gives a
    household a cadre (the current pairing ends the day before); ``bulk`` gives one cadre to many
    households of a village, with a result per household."""

    serializer_class = PairingSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        pairings = Pairing.objects.visible_to(self.request.user, Action.VIEW).select_related("cadre")
        if self.action == "list":
            params = self.request.query_params
            if (household := _number(params, "household")) is not None:
                pairings = pairings.filter(household_id=household)
            if area := _prefix(params, "area"):  # a village's households with their cadres
                pairings = pairings.in_area(area)
            if params.get("current", "").strip() in ("1", "true"):
                today = timezone.localdate()
                pairings = pairings.filter(paired_on(today))
        return pairings.order_by("household_id", "starts_on", "id")

    @extend_schema(
        parameters=[
            _HOUSEHOLD,
            _AREA,
            OpenApiParameter("current", str, enum=["1", "0"], description="1: only the pairings running today"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PairingCreateSerializer, responses={201: PairingSerializer})
    def create(self, request):
        values = _parse(PairingCreateSerializer, request).validated_data
        pairing = services.assign_cadre(
            actor=request.user,
            household_id=values["household"],
            cadre_id=values["cadre"],
            starts_on=values["starts_on"],
            reason=values["reason"],
        )
        return Response(PairingSerializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BulkPairingSerializer, responses={200: BulkPairingResultSerializer})
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """One cadre for many poor households of a village; a household not of the village, or
        refused by the rules, is listed under ``failed`` with the reason."""
        values = _parse(BulkPairingSerializer, request).validated_data
        village = area_or_404(request.user, values["village"], ASSIGNERS, levels=(Level.VILLAGE,))
        wanted = list(dict.fromkeys(values["households"]))
        of_village = set(
            Household.objects.visible_to(request.user, Action.VIEW)
            .filter(village=village, status__in=_POOR, pk__in=wanted)
            .values_list("pk", flat=True)
        )
        result = services.assign_cadre_many(
            actor=request.user,
            household_ids=[pk for pk in wanted if pk in of_village],
            cadre_id=values["cadre"],
            starts_on=values["starts_on"],
            reason=values["reason"],
        )
        failed = {str(pk): _("Not a poor household of this village.") for pk in wanted if pk not in of_village}
        failed.update({str(pk): str(message) for pk, message in result.failed.items()})
        return Response({"succeeded": result.succeeded, "failed": failed})


# --- visits -------------------------------------------------------------------------------------------


class VisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The visit log of households, in date order; POST records a visit."""

    serializer_class = VisitSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        visits = Visit.objects.visible_to(self.request.user, Action.VIEW).select_related("cadre")
        if self.action == "list":
            params = self.request.query_params
            if (household := _number(params, "household")) is not None:
                visits = visits.filter(household_id=household)
            if area := _prefix(params, "area"):
                visits = visits.in_area(area)
        return visits.order_by("household_id", "visited_on", "id")

    @extend_schema(parameters=[_HOUSEHOLD, _AREA])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request):
        values = _parse(VisitCreateSerializer, request).validated_data
        visit = services.record_visit(
            actor=request.user,
            household_id=values["household"],
            cadre_id=values["cadre"],
            visited_on=values["visited_on"],
            found=values["found"],
            done=values["done"],
        )
        return Response(VisitSerializer(visit).data, status=status.HTTP_201_CREATED)


# --- plans and measures ---------------------------------------------------------------------------------


def _measures(measures=None):
    """Measures with their members' keys, in the order of the plan."""
    measures = Measure.objects.all() if measures is None else measures
    return measures.prefetch_related(Prefetch("members", queryset=Member.objects.only("id"))).order_by(
        "year", "code", "id"
    )


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Household plans by year with their measures. POST creates the plan of a year or changes it
    (send the version read); PATCH changes one; ``measures`` adds a measure; ``copy`` starts
    another year's plan from this one."""

    serializer_class = PlanSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        plans = Plan.objects.visible_to(self.request.user, Action.VIEW).prefetch_related(
            Prefetch("measures", queryset=_measures())
        )
        if self.action == "list":
            params = self.request.query_params
            if (household := _number(params, "household")) is not None:
                plans = plans.filter(household_id=household)
            if (year := _number(params, "year")) is not None:
                plans = plans.filter(year=year)
        return plans.order_by("household_id", "-year")

    def _fresh(self, pk: int):
        return self.get_queryset().get(pk=pk)

    @extend_schema(parameters=[_HOUSEHOLD, OpenApiParameter("year", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PlanWriteSerializer, responses={201: PlanSerializer, 200: PlanSerializer})
    def create(self, request):
        values = _parse(PlanWriteSerializer, request).validated_data
        existed = (
            Plan.objects.visible_to(request.user, Action.VIEW)
            .filter(household_id=values["household"], year=values["year"])
            .exists()
        )
        plan = services.save_plan(
            actor=request.user,
            household_id=values["household"],
            year=values["year"],
            planned_exit_year=values["planned_exit_year"],
            note=values["note"],
            version=values.get("version"),
        )
        return Response(
            PlanSerializer(self._fresh(plan.pk)).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(request=PlanChangeSerializer, responses={200: PlanSerializer})
    def partial_update(self, request, pk=None):
        plan = self.get_object()
        values = _parse(PlanChangeSerializer, request).validated_data
        saved = services.save_plan(
            actor=request.user,
            household_id=plan.household_id,
            year=plan.year,
            planned_exit_year=values.get("planned_exit_year", plan.planned_exit_year),
            note=values.get("note", plan.note),
            version=values.get("version"),
        )
        return Response(PlanSerializer(self._fresh(saved.pk)).data)

    @extend_schema(request=MeasureCreateSerializer, responses={201: MeasureSerializer})
    @action(detail=True, methods=["post"])
    def measures(self, request, pk=None):
        """Add a measure: ``members`` for a measure for persons (到人), none for the household (到户)."""
        values = _parse(MeasureCreateSerializer, request).validated_data
        measure = services.add_measure(
            actor=request.user,
            plan_id=int(pk),
            code=values["code"],
            year=values["year"],
            content=values["content"],
            cost=values["cost"],
            funding_source=values["funding_source"],
            status=values["status"],
            member_ids=values["members"],
            project_id=values["project"],
        )
        return Response(MeasureSerializer(_measures().get(pk=measure.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BulkPlanCopySerializer, responses={200: BulkPairingResultSerializer})
    @action(detail=False, methods=["post"], url_path="bulk-copy")
    def bulk_copy(self, request):
        """Start the plans of ``to_year`` of many poor households of a village as drafts of their
        plans of ``from_year``; a household not of the village, or refused by the rules (no plan
        to copy, a plan already), is listed under ``failed`` with the reason."""
        values = _parse(BulkPlanCopySerializer, request).validated_data
        village = area_or_404(request.user, values["village"], WORKERS, levels=(Level.VILLAGE,))
        wanted = list(dict.fromkeys(values["households"]))
        of_village = set(
            Household.objects.visible_to(request.user, Action.VIEW)
            .filter(village=village, status__in=_POOR, pk__in=wanted)
            .values_list("pk", flat=True)
        )
        result = services.copy_plans_many(
            actor=request.user,
            household_ids=[pk for pk in wanted if pk in of_village],
            from_year=values["from_year"],
            to_year=values["to_year"],
        )
        failed = {str(pk): _("Not a poor household of this village.") for pk in wanted if pk not in of_village}
        failed.update({str(pk): str(message) for pk, message in result.failed.items()})
        return Response({"succeeded": result.succeeded, "failed": failed})

    @extend_schema(request=PlanCopySerializer, responses={201: PlanSerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """Start the plan of ``to_year`` as a copy of this one: its measures, all planned."""
        plan = self.get_object()
        to_year = _parse(PlanCopySerializer, request).validated_data["to_year"]
        copy = services.copy_plan(
            actor=request.user, household_id=plan.household_id, from_year=plan.year, to_year=to_year
        )
        return Response(PlanSerializer(self._fresh(copy.pk)).data, status=status.HTTP_201_CREATED)


class MeasureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Measures of household plans; PATCH changes the status (and the cost and content)."""

    serializer_class = MeasureSerializer
    lookup_value_regex = _ID
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        _list_scope(self)
        measures = _measures(Measure.objects.visible_to(self.request.user, Action.VIEW))
        if self.action == "list":
            params = self.request.query_params
            if (household := _number(params, "household")) is not None:
                measures = measures.filter(household_id=household)
            if (year := _number(params, "year")) is not None:
                measures = measures.filter(year=year)
            if (project := _number(params, "project")) is not None:
                measures = measures.filter(project_id=project)
        return measures

    @extend_schema(parameters=[_HOUSEHOLD, OpenApiParameter("year", int), OpenApiParameter("project", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MeasureStatusSerializer, responses={200: MeasureSerializer})
    def partial_update(self, request, pk=None):
        values = _parse(MeasureStatusSerializer, request).validated_data
        measure = services.set_measure_status(
            actor=request.user,
            measure_id=int(pk),
            status=values["status"],
            cost=values.get("cost"),
            content=values.get("content"),
        )
        return Response(MeasureSerializer(_measures().get(pk=measure.pk)).data)


# --- the project library -------------------------------------------------------------------------------------


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The county project library: a village proposes (performance targets required, funding
    sources adding up to the budget), ``advance`` takes the next step, by its role; approval and
    completion record their publicity."""

    serializer_class = ProjectSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        projects = (
            Project.objects.visible_to(self.request.user, Action.VIEW)
            .select_related("location")
            .prefetch_related(Prefetch("beneficiaries", queryset=_BENEFICIARY_KEYS))
        )
        if self.action == "list":
            params = self.request.query_params
            state = params.get("state", "").strip()
            if state:
                if state not in ProjectState.values:
                    raise ServiceError(_("Unknown value."), field="state")
                projects = projects.filter(state=state)
            if area := _prefix(params, "area"):
                projects = projects.filter(location__code__startswith=area)
            if query := params.get("q", "").strip():
                projects = projects.filter(name__contains=query)
        return projects.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=ProjectState.values), _AREA, OpenApiParameter("q", str)]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectSerializer})
    def create(self, request):
        serializer = _parse(ProjectCreateSerializer, request)
        values, meeting = serializer.service_values()
        project = services.propose_project(
            actor=request.user,
            location_code=serializer.validated_data["location"],
            values=values,
            meeting=meeting,
            beneficiary_ids=serializer.validated_data["households"],
        )
        return Response(ProjectSerializer(self._fresh(project.pk)).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _fresh(pk: int) -> Project:
        return Project.objects.prefetch_related("beneficiaries").select_related("location").get(pk=pk)

    @extend_schema(responses={200: BeneficiaryComparisonSerializer})
    @action(detail=True, methods=["get"])
    def beneficiaries(self, request, pk=None):
        """The planned beneficiaries beside the households the project's measures reached; a POST
        to the same address changes them."""
        return Response(self._comparison(self.get_object()))

    @extend_schema(request=BeneficiariesWriteSerializer, responses={200: BeneficiaryComparisonSerializer})
    @beneficiaries.mapping.post
    def set_beneficiaries(self, request, pk=None):
        """Change the planned households and people and the poor households named; send the
        ``version`` read (a stale one answers 409)."""
        values = _parse(BeneficiariesWriteSerializer, request).validated_data
        project = services.set_project_beneficiaries(
            actor=request.user,
            project_id=int(pk),
            planned_households=values["planned_households"],
            planned_people=values["planned_people"],
            household_ids=values["households"],
            version=values["version"],
        )
        return Response(self._comparison(project))

    def _comparison(self, project: Project) -> dict:
        measures = Measure.objects.visible_to(self.request.user, Action.VIEW).filter(project=project)
        comparison = selectors.compare_beneficiaries(project, measures)
        body = {
            "version": project.version,
            "planned_households": comparison.planned_households,
            "planned_people": comparison.planned_people,
            "named": comparison.named,
            "named_people": comparison.named_people,
            "reached": comparison.reached,
            "reached_people": comparison.reached_people,
            "not_reached": comparison.not_reached,
            "not_named": comparison.not_named,
        }
        return BeneficiaryComparisonSerializer(body).data

    @extend_schema(request=AdvanceSerializer, responses={200: ProjectSerializer})
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """The next step; send the ``version`` read (a stale one answers 409)."""
        serializer = _parse(AdvanceSerializer, request)
        project = services.advance_project(
            actor=request.user,
            project_id=int(pk),
            note=serializer.validated_data["note"],
            publicity=serializer.service_publicity(),
            version=serializer.validated_data["version"],
        )
        return Response(ProjectSerializer(self._fresh(project.pk)).data)


# --- payments --------------------------------------------------------------------------------------------------


class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Funds paid to households (资金到户): head of household, amount, date and purpose."""

    serializer_class = PaymentSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        payments = FundPayment.objects.visible_to(self.request.user, Action.VIEW).select_related("household")
        if self.action == "list":
            params = self.request.query_params
            if (household := _number(params, "household")) is not None:
                payments = payments.filter(household_id=household)
            if area := _prefix(params, "area"):
                payments = payments.in_area(area)
            if (year := _number(params, "year")) is not None:
                payments = payments.filter(paid_on__year=year)
            if (project := _number(params, "project")) is not None:
                payments = payments.filter(project_id=project)
        return payments.order_by("area_code", "paid_on", "id")

    @extend_schema(parameters=[_HOUSEHOLD, _AREA, OpenApiParameter("year", int), OpenApiParameter("project", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PaymentCreateSerializer, responses={201: PaymentSerializer})
    def create(self, request):
        values = _parse(PaymentCreateSerializer, request).validated_data
        project = values["project"]
        if (
            project is not None
            and not Project.objects.visible_to(request.user, Action.VIEW).filter(pk=project).exists()
        ):
            # record_payment takes the key as given: an unknown one would fail only at commit
            raise ServiceError(_("The project is not in the library."), field="project", code="bad_project")
        payment = services.record_payment(
            actor=request.user,
            household_id=values["household"],
            amount=values["amount"],
            paid_on=values["paid_on"],
            purpose=values["purpose"],
            measure_id=values["measure"],
            project_id=values["project"],
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


# --- work teams and assistance units ---------------------------------------------------------------------------


class WorkTeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Village work teams; POST stations one (the team before it ends the day before)."""

    serializer_class = WorkTeamSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        teams = WorkTeam.objects.visible_to(self.request.user, Action.VIEW)
        if self.action == "list" and (area := _prefix(self.request.query_params, "area")):
            teams = teams.filter(village__code__startswith=area)
        return teams.order_by("village_id", "-starts_on", "-id")

    @extend_schema(parameters=[_AREA])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=WorkTeamCreateSerializer, responses={201: WorkTeamSerializer})
    def create(self, request):
        values = dict(_parse(WorkTeamCreateSerializer, request).validated_data)
        team = services.set_work_team(actor=request.user, village_code=values.pop("village"), **values)
        return Response(WorkTeamSerializer(team).data, status=status.HTTP_201_CREATED)


class UnitAssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assistance units of villages; POST assigns one, ``end`` ends its assistance."""

    serializer_class = UnitAssignmentSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        _list_scope(self)
        assignments = UnitAssignment.objects.visible_to(self.request.user, Action.VIEW).select_related("unit")
        if self.action == "list" and (area := _prefix(self.request.query_params, "area")):
            assignments = assignments.filter(village__code__startswith=area)
        return assignments.order_by("village_id", "-starts_on", "-id")

    @extend_schema(parameters=[_AREA])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=UnitAssignmentCreateSerializer, responses={201: UnitAssignmentSerializer})
    def create(self, request):
        values = dict(_parse(UnitAssignmentCreateSerializer, request).validated_data)
        assignment = units.assign_unit(actor=request.user, village_code=values.pop("village"), **values)
        return Response(UnitAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CadreEndSerializer, responses={200: UnitAssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        ends_on = _parse(CadreEndSerializer, request).validated_data["ends_on"]
        assignment = units.end_unit_assignment(actor=request.user, assignment_id=int(pk), ends_on=ends_on)
        return Response(UnitAssignmentSerializer(assignment).data)


# --- reads of a township or county -----------------------------------------------------------------------------


def _names(codes) -> dict[str, str]:
    from areas.models import Area

    codes = set(codes)
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}


class CoverageView(APIView):
    """Households without a responsible cadre per village, and poor villages without a work team
    or assistance unit, under a township or county."""

    @extend_schema(responses={200: CoverageSerializer})
    def get(self, request, code: str):
        area = area_or_404(request.user, code, levels=_AREA_LEVELS)
        gaps = selectors.coverage_gaps(area.prefix, on=timezone.localdate())
        names = _names([*gaps.by_village, *gaps.villages_without_team, *gaps.villages_without_unit])
        body = {
            "area": area.code,
            "households_without_cadre": gaps.households_without_cadre,
            "by_village": [
                {"village": code, "name": names.get(code, ""), "households": count}
                for code, count in sorted(gaps.by_village.items())
            ],
            "villages_without_team": [{"village": c, "name": names.get(c, "")} for c in gaps.villages_without_team],
            "villages_without_unit": [{"village": c, "name": names.get(c, "")} for c in gaps.villages_without_unit],
        }
        return Response(CoverageSerializer(body).data)


class RollingPlanView(APIView):
    """The rolling plan of a township or county for the plans of ``year`` (default: this year):
    each village's remaining poor people and exit year over three years, and the households and
    people planned to exit per village and year."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: RollingPlanSerializer})
    def get(self, request, code: str):
        area = area_or_404(request.user, code, levels=_AREA_LEVELS)
        year = _number(request.query_params, "year") or timezone.localdate().year
        if not 2000 <= year <= 2100:
            raise ServiceError(_("Give a year between 2000 and 2100."), field="year")
        exits = selectors.planned_exits(area.prefix, year)
        threshold = selectors.exit_threshold(area.code)
        villages = selectors.village_exit_years(area.prefix, year, years=3, exits=exits, threshold=threshold)
        names = _names([*exits, *(v.village for v in villages)])
        area_plan = selectors.area_exit_year(villages, threshold)
        body = {
            "area": area.code,
            "plan_year": year,
            "years": list(range(year, year + 3)),
            "threshold": threshold,
            "area_plan": {
                "rural_population": area_plan.rural_population,
                "poor_people": area_plan.poor_people,
                "remaining_by_year": {str(k): n for k, n in area_plan.remaining_by_year.items()},
                "exit_year": area_plan.exit_year,
            },
            "villages": [
                {
                    "village": v.village,
                    "name": names.get(v.village, ""),
                    "figures_year": v.figures_year,
                    "rural_population": v.rural_population,
                    "poor_people": v.poor_people,
                    "remaining_by_year": {str(k): n for k, n in v.remaining_by_year.items()},
                    "exit_year": v.exit_year,
                }
                for v in villages
            ],
            "planned_exits": [
                {"village": village, "year": exit_year, "households": households, "people": people}
                for village in sorted(exits)
                for exit_year, (households, people) in sorted(exits[village].items())
            ],
        }
        return Response(RollingPlanSerializer(body).data)


# --- a cadre's households and a household's ledger ---------------------------------------------------------


class MyHouseholdsView(generics.ListAPIView):
    """The households paired with the caller as their responsible cadre today (no role needed;
    empty for anyone who is nobody's cadre). Each one's ledger is at ``households/<id>/ledger/``."""

    serializer_class = MyHouseholdSerializer

    def get_queryset(self):
        return my_households(self.request.user)


class HouseholdLedgerView(APIView):
    """A household's assistance ledger, as the handbook prints it: facts, members with masked ID
    numbers, causes, cadre and pairing history, plans with measures, visits and funds. For those
    who see the household by role, and for the cadre paired with it today; 404 otherwise."""

    @extend_schema(responses={200: LedgerSerializer})
    def get(self, request, pk: int):
        household = household_or_404(request.user, pk, paired=True)
        today = timezone.localdate()
        members = list(household.members.filter(is_active=True).order_by("position"))
        for member in members:
            member.masked_id = mask_id_number(member.id_number)
            member.age = age_on(member.birth_date, today) if member.birth_date else None
        pairings = list(Pairing.objects.filter(household=household).select_related("cadre").order_by("starts_on", "id"))
        current = next((p for p in pairings if paired_running(p, today)), None)
        plans = list(
            Plan.objects.filter(household=household)
            .prefetch_related(Prefetch("measures", queryset=_measures()))
            .order_by("-year")
        )
        payments = list(
            FundPayment.objects.filter(household=household).select_related("household").order_by("paid_on", "id")
        )
        body = {
            "household": household,
            "causes": cause_names(household),
            "members": members,
            "current_cadre": current.cadre if current else None,
            "pairings": pairings,
            "planned_exit_year": plans[0].planned_exit_year if plans else None,
            "plans": plans,
            "visits": list(
                Visit.objects.filter(household=household).select_related("cadre").order_by("visited_on", "id")
            ),
            "payments": payments,
            "payments_total": sum((p.amount for p in payments), start=Decimal("0")),
        }
        return Response(LedgerSerializer(body).data)
