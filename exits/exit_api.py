"""API of the exit procedures under /api/v1/exits/exit/: household cases (list, one with its
record, each step, bulk steps, the township's proposal, drafting the village's exit publicity
notice), the incidence of an area, poor village exit and county 摘帽. The notice itself is posted,
objected to and concluded through identification's API (/api/v1/notices/, /api/v1/objections/).

Thin like every API here: the input is parsed by the same forms as the pages (exits/exit_forms.py,
so both accept the same fields), one service is called, the object is answered. The services check
role and scope; a refused form answers 400 in the one error shape with its fields.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import prefixes_for
from core.errors import ServiceError
from core.params import ascii_digits
from core.params import year as params_year
from core.parsers import JSONParser
from exits import exit_areas, exit_services
from exits.exit_choices import ExitState
from exits.exit_forms import (
    STEP_FORMS,
    AreaYearForm,
    BulkExitForm,
    LevelCheckForm,
    ProposeManyForm,
    PublicityForm,
    VillagePublicityForm,
)
from exits.exit_incidence import assess_counties, assess_county, assess_villages
from exits.exit_workflow import transition
from exits.models import CountyExitCase, ExitCase, VillageExitCase
from identification.attachments import store_attachment
from identification.models import Notice, Objection

__all__ = [
    "BulkView",
    "CountyProposeView",
    "CountyStepView",
    "ExitCaseDetailView",
    "ExitCaseListView",
    "IncidenceView",
    "ProposeView",
    "PublicityView",
    "StepView",
    "VillageProposeView",
    "VillageStepView",
]

PAGE_SIZE = 200


def _form(form_class, request, **kwargs) -> dict[str, Any]:
    """Validate the request through the page's form; refuse with every field's messages."""
    form = form_class(request.data, request.FILES, **kwargs) if request.FILES else form_class(request.data, **kwargs)
    if not form.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        first = next(iter(fields.values()))[0]
        error = ServiceError(first, field=next(iter(fields)))
        error.fields = fields
        raise error
    return form


def _require_a_role(user, action: str = Action.VIEW) -> None:
    """A user who holds the action nowhere is refused (403); requests naming many cases answer
    for each one otherwise."""
    if not user.is_superuser and not prefixes_for(user, action):
        raise PermissionDenied


def _case_data(case: ExitCase, *, detail: bool = False) -> dict[str, Any]:
    household = case.household
    data = {
        "id": case.pk,
        "year": case.year,
        "state": case.state,
        "state_label": case.get_state_display(),
        "version": case.version,
        "household": household.pk,
        "household_no": household.household_no,
        "head_name": household.head_name,
        "village": case.area_code,
        "household_status": household.status,
        "exit_year": household.exit_year,
        "failures": case.failures,
        "publicity_case": case.publicity_case_id,
        "closing_reason": case.closing_reason,
    }
    if detail:
        data["events"] = [
            {
                "transition": e.transition,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "actor": e.actor.get_username(),
                "time": e.time,
                "reason": e.reason,
                "record": e.record,
                "attachment": e.attachment_id,
            }
            for e in case.events.select_related("actor").order_by("time", "pk")
        ]
        # the village publicity: identification's notices and objections of the case's proxy
        proxy = case.publicity_case_id
        data["notices"] = [
            {"id": n.pk, "title": n.title, "state": n.state, "starts_on": n.starts_on, "ends_on": n.ends_on}
            for n in (Notice.objects.filter(entries__case_id=proxy).order_by("-pk") if proxy else [])
        ]
        data["objections"] = [
            {
                "id": o.pk,
                "notice": o.notice_id,
                "raised_by": o.raised_by,
                "received_on": o.received_on,
                "channel": o.channel,
                "content": o.content,
                "state": o.state,
                "resolution": o.resolution,
            }
            for o in (Objection.objects.filter(case_id=proxy).order_by("-received_on", "-pk") if proxy else [])
        ]
    return data


def _result(result) -> dict[str, Any]:
    return {
        "succeeded": result.succeeded,
        "failed": [{"id": pk, "code": result.codes.get(pk, ""), "message": msg} for pk, msg in result.failed.items()],
    }


def _case(user, pk: int) -> ExitCase:
    case = ExitCase.objects.visible_to(user).select_related("household").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


_OBJ = OpenApiTypes.OBJECT


class ExitCaseListView(APIView):
    """Household exit cases of a year in the caller's areas (filters: year, state, village)."""

    @extend_schema(
        operation_id="exit_case_list",
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("state", str, enum=ExitState.values),
            OpenApiParameter("village", str, description="area code prefix"),
            OpenApiParameter("page", int),
        ],
        responses=_OBJ,
    )
    def get(self, request):
        _require_a_role(request.user)
        params = request.query_params
        year = params_year(params.get("year"), default=timezone.localdate().year, message=_("Give a number."))
        cases = ExitCase.objects.visible_to(request.user).filter(year=year).select_related("household")
        if params.get("state"):
            if params["state"] not in ExitState.values:
                raise ServiceError(_("Unknown value."), field="state")
            cases = cases.filter(state=params["state"])
        if village := ascii_digits(params.get("village"), "village"):
            cases = cases.filter(area_code__startswith=village)
        page = Paginator(cases.order_by("area_code", "pk"), PAGE_SIZE).get_page(params.get("page"))
        return Response(
            {
                "count": page.paginator.count,
                "page": page.number,
                "results": [_case_data(case) for case in page.object_list],
            }
        )


class ExitCaseDetailView(APIView):
    """One case with its record step by step and its objections."""

    @extend_schema(operation_id="exit_case_detail", responses=_OBJ)
    def get(self, request, pk: int):
        return Response(_case_data(_case(request.user, pk), detail=True))


class ProposeView(APIView):
    """The township proposes households to exit in a year: {year, household_ids, plan_note}."""

    @extend_schema(operation_id="exit_case_propose", request=_OBJ, responses=_OBJ)
    def post(self, request):
        _require_a_role(request.user, Action.REVIEW)
        form = _form(ProposeManyForm, request)
        return Response(_result(exit_services.propose_exits(actor=request.user, **form.cleaned_data)))


class BulkView(APIView):
    """The same step on many cases: {step, case_ids, …the step's fields}; the result per case."""

    @extend_schema(operation_id="exit_case_bulk", request=_OBJ, responses=_OBJ)
    def post(self, request):
        _require_a_role(request.user)
        form = _form(BulkExitForm, request)
        step = form.cleaned_data["step"]
        _require_a_role(request.user, transition(step).action)
        values = _form(STEP_FORMS[step], request).values()
        values.pop("version", None)
        result = exit_services.advance_many(
            actor=request.user, case_ids=form.cleaned_data["case_ids"], step=step, **values
        )
        return Response(_result(result))


class StepView(APIView):
    """Take one step on a case: the step's fields, and ``version`` to refuse a stale step (409)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="exit_case_step", request=_OBJ, responses=_OBJ)
    def post(self, request, pk: int, step: str):
        case = _case(request.user, pk)
        if step not in STEP_FORMS:
            raise Http404
        form = _form(STEP_FORMS[step], request)
        values = form.values()
        if step == "record_acknowledgement" and form.cleaned_data.get("scan"):
            values["attachment"] = store_attachment(
                actor=request.user, upload=form.cleaned_data["scan"], area_code=case.area_code
            )
        case = getattr(exit_services, step)(actor=request.user, case_id=case.pk, **values)
        return Response(_case_data(_case(request.user, case.pk), detail=True))


class PublicityView(APIView):
    """Draft a village's exit publicity notice: {village, year, issued_by?, contact, case_ids?}.
    The answer names the notice; post, object to and conclude it under /api/v1/notices/."""

    @extend_schema(operation_id="exit_publicity_draft", request=_OBJ, responses=_OBJ)
    def post(self, request):
        data = _form(PublicityForm, request).cleaned_data
        notice = exit_services.draft_publicity(
            actor=request.user,
            village_code=data["village"],
            year=data["year"],
            issued_by=data["issued_by"],
            contact=data["contact"],
            case_ids=data["case_ids"] or None,
        )
        return Response(
            {"notice": notice.pk, "title": notice.title, "state": notice.state, "cases": notice.entries.count()},
            status=status.HTTP_201_CREATED,
        )


class IncidenceView(APIView):
    """Poverty incidence of an area's villages (and its county's), or of the counties of a city or
    province: who meets the bar, what stops the others."""

    @extend_schema(operation_id="exit_incidence", parameters=[OpenApiParameter("year", int)], responses=_OBJ)
    def get(self, request, code: str):
        area = Area.objects.visible_to(request.user).filter(code=code).first()
        if area is None or area.level == Level.GROUP:
            raise Http404
        year = params_year(
            request.query_params.get("year"), default=timezone.localdate().year, message=_("Give a number.")
        )
        if area.level in (Level.PROVINCE, Level.CITY):
            counties = assess_counties(area.prefix, year)
            return Response({"area": area.code, "year": year, "counties": [c.as_dict() for c in counties]})
        villages = assess_villages(area.prefix, year)
        body: dict[str, Any] = {"area": area.code, "year": year, "villages": [v.as_dict() for v in villages]}
        if area.level == Level.COUNTY:
            body["county"] = assess_county(area, year, villages).as_dict()
        return Response(body)


def _area_case(case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "area": case.area_code,
        "year": case.year,
        "state": case.state,
        "state_label": case.get_state_display(),
        "figures": case.figures,
        "records": getattr(case, "records", {}),
    }


class VillageProposeView(APIView):
    """The township proposes a village that meets the bar: {code, year}."""

    @extend_schema(operation_id="exit_village_propose", request=_OBJ, responses=_OBJ)
    def post(self, request):
        data = _form(AreaYearForm, request).cleaned_data
        case = exit_areas.propose_village(actor=request.user, village_code=data["code"], year=data["year"])
        return Response(_area_case(case), status=status.HTTP_201_CREATED)


class VillageStepView(APIView):
    """post_village_publicity {starts_on, posted_place}, conclude_village_publicity, announce_village."""

    @extend_schema(operation_id="exit_village_step", request=_OBJ, responses=_OBJ)
    def post(self, request, pk: int, step: str):
        case = VillageExitCase.objects.visible_to(request.user).filter(pk=pk).first()
        if case is None or step not in ("post_village_publicity", "conclude_village_publicity", "announce_village"):
            raise Http404
        values = _form(VillagePublicityForm, request).cleaned_data if step == "post_village_publicity" else {}
        case = getattr(exit_areas, step)(actor=request.user, case_id=case.pk, **values)
        return Response(_area_case(case))


class CountyProposeView(APIView):
    """The county applies for 摘帽: {code, year}."""

    @extend_schema(operation_id="exit_county_propose", request=_OBJ, responses=_OBJ)
    def post(self, request):
        data = _form(AreaYearForm, request).cleaned_data
        case = exit_areas.propose_county(actor=request.user, county_code=data["code"], year=data["year"])
        return Response(_area_case(case), status=status.HTTP_201_CREATED)


class CountyStepView(APIView):
    """record_city_check and announce_county: {checked_on, opinion}."""

    @extend_schema(operation_id="exit_county_step", request=_OBJ, responses=_OBJ)
    def post(self, request, pk: int, step: str):
        case = CountyExitCase.objects.visible_to(request.user).filter(pk=pk).first()
        if case is None or step not in ("record_city_check", "announce_county"):
            raise Http404
        data = _form(LevelCheckForm, request).cleaned_data
        case = getattr(exit_areas, step)(actor=request.user, case_id=case.pk, **data)
        return Response(_area_case(case))
