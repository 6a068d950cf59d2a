"""API of identification under /api/v1/: campaigns, quotas, cases and their steps (one endpoint per
step, and one for a step on many cases), notices with their print data, objections, the city's
spot-checks, attachments, and each case's timeline.

Thin, like every API here: parse the request (identification/serializers.py), call one service of
identification.services, answer with the object. The services check role and scope (404 out of
the caller's view scope, 403 without the action) and every rule; lists and reads go through
``visible_to``. A case answers with its ``version``; a step sent with an older one answers 409
``stale``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from areas.choices import Action
from areas.scopes import may, prefixes_for
from core.errors import Conflict, ServiceError
from core.params import ascii_digits, object_id
from identification import services
from identification.attachments import store_attachment
from identification.choices import CampaignKind, CaseState, NoticeKind, NoticeState, ObjectionState
from identification.models import Attachment, Case, Notice, Objection, Quota, SpotCheck, SpotCheckItem
from identification.serializers import (
    ApplySerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    BulkResultSerializer,
    BulkSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    CaseDetailSerializer,
    CaseEventSerializer,
    CaseSerializer,
    ConfirmSerializer,
    GroupDiscussionSerializer,
    HomeCheckSerializer,
    NoticeCreateSerializer,
    NoticeListSerializer,
    NoticePostSerializer,
    NoticePrintSerializer,
    NoticeSerializer,
    ObjectionCreateSerializer,
    ObjectionResolveSerializer,
    ObjectionSerializer,
    OverrideExclusionSerializer,
    QuotaSerializer,
    QuotaSetSerializer,
    RejectSerializer,
    ReturnSerializer,
    SpotCheckDrawSerializer,
    SpotCheckFindingSerializer,
    SpotCheckItemSerializer,
    SpotCheckSerializer,
    TownshipReviewSerializer,
    VillageAppraisalSerializer,
    notice_print_data,
)
from identification.workflow import transition

__all__ = [
    "CASE_STEP_ENDPOINTS",
    "AttachmentViewSet",
    "CampaignViewSet",
    "CaseViewSet",
    "NoticeViewSet",
    "ObjectionViewSet",
    "QuotaViewSet",
    "SpotCheckViewSet",
    "visible_campaigns",
]

_ID = "[0-9]+"


def visible_campaigns(user):
    """The campaigns the services let the user work in (identification.services.campaigns_visible_to)."""
    return services.campaigns_visible_to(user)


def _require_a_role(user) -> None:
    """A user with no role at all has no list to see (403); a single object answers 404."""
    if not user.is_superuser and not prefixes_for(user, Action.VIEW):
        raise PermissionDenied


def _parse(serializer_class, request) -> dict:
    data = serializer_class(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _number(params, name: str) -> int | None:
    return object_id(params.get(name), name, message=_("Give a number."))


def _choice(params, name: str, values) -> str | None:
    value = params.get(name, "").strip()
    if value and value not in values:
        raise ServiceError(_("Unknown value."), field=name)
    return value or None


def _area_prefix(user, params, name: str) -> str | None:
    """An area-code prefix filter; one outside the view scope answers 404, like the area itself."""
    value = ascii_digits(params.get(name), name, message=_("Give an area code or the leading digits of one."))
    if not value:
        return None
    if not may(user, Action.VIEW, value.ljust(12, "0")):
        raise Http404
    return value


_CAMPAIGN_PARAM = OpenApiParameter("campaign", int, description="campaign id")


# --- campaigns and quotas -----------------------------------------------------------------------


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Campaigns (识别批次) of the counties in the caller's scope; county officers open them."""

    serializer_class = CampaignSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        campaigns = visible_campaigns(user).select_related("county")
        if self.action == "list":
            _require_a_role(user)
            params = self.request.query_params
            if (year := _number(params, "year")) is not None:
                campaigns = campaigns.filter(year=year)
            if kind := _choice(params, "kind", CampaignKind.values):
                campaigns = campaigns.filter(kind=kind)
        return campaigns

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("kind", str, enum=CampaignKind.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CampaignCreateSerializer, responses={201: CampaignSerializer})
    def create(self, request):
        values = _parse(CampaignCreateSerializer, request)
        campaign = services.create_campaign(
            actor=request.user,
            county_code=values["county"],
            kind=values["kind"],
            year=values["year"],
            title=values["title"],
            opens_on=values["opens_on"],
            deadlines=values["deadlines"],
            publicity_days=values["publicity_days"],
        )
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class QuotaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quotas (规模指标) of the areas in the caller's scope. Each level sets those of the areas
    just below it; POST sets or changes one."""

    serializer_class = QuotaSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        quotas = Quota.objects.visible_to(user, Action.VIEW).select_related("area", "parent")
        if self.action == "list":
            params = self.request.query_params
            area = _area_prefix(user, params, "area")
            _require_a_role(user)
            if (campaign := _number(params, "campaign")) is not None:
                quotas = quotas.filter(campaign_id=campaign)
            if area:
                quotas = quotas.in_area(area)
        return quotas

    @extend_schema(parameters=[_CAMPAIGN_PARAM, OpenApiParameter("area", str, description="area code prefix")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=QuotaSetSerializer, responses={200: QuotaSerializer})
    def create(self, request):
        values = _parse(QuotaSetSerializer, request)
        quota = services.set_quota(
            actor=request.user,
            campaign_id=values["campaign"],
            area_code=values["area"],
            households=values["households"],
            people=values["people"],
        )
        return Response(QuotaSerializer(Quota.objects.select_related("area", "parent").get(pk=quota.pk)).data)


# --- cases --------------------------------------------------------------------------------------


def _vote_of(values: dict) -> services.Vote:
    return services.Vote(
        representatives=values["representatives"],
        present=values["present"],
        votes_for=values["votes_for"],
        votes_against=values["votes_against"],
    )


@dataclass(frozen=True)
class StepEndpoint:
    """One step endpoint under a case: its URL segment, request body, the service call (actor,
    case id, parsed body) and the description the API docs show."""

    url_path: str
    serializer: type[serializers.Serializer]
    take: Callable[[Any, int, dict], Any]
    doc: str


CASE_STEP_ENDPOINTS: dict[str, StepEndpoint] = {
    "group_discussion": StepEndpoint(
        "group-discussion",
        GroupDiscussionSerializer,
        lambda user, case_id, v: services.record_group_discussion(actor=user, case_id=case_id, **v),
        "小组议: the meeting of household representatives of the village group recommends.",
    ),
    "village_appraisal": StepEndpoint(
        "village-appraisal",
        VillageAppraisalSerializer,
        lambda user, case_id, v: services.record_village_appraisal(
            actor=user,
            case_id=case_id,
            meeting_date=v["meeting_date"],
            vote=_vote_of(v),
            comparison_read=v["comparison_read"],
            version=v["version"],
            attachments=v["attachments"],
        ),
        "村评定: the villagers' representative assembly's vote; a vote without a majority rejects the case.",
    ),
    "home_check": StepEndpoint(
        "home-check",
        HomeCheckSerializer,
        lambda user, case_id, v: services.record_home_check(
            actor=user,
            case_id=case_id,
            visited_on=v["visited_on"],
            checklist=dict(v["checklist"]),
            findings=v["findings"],
            signatures={role: dict(signed) for role, signed in v["signatures"].items()},
            version=v["version"],
            attachments=v["attachments"],
        ),
        "入户查: the visit, every item of the checklist, and the three signatures.",
    ),
    "township_review": StepEndpoint(
        "township-review",
        TownshipReviewSerializer,
        lambda user, case_id, v: services.record_township_review(actor=user, case_id=case_id, **v),
        "逐级核: the township's review, in the field or not.",
    ),
    "confirm": StepEndpoint(
        "confirm",
        ConfirmSerializer,
        lambda user, case_id, v: services.confirm(actor=user, case_id=case_id, **v),
        "县确认: the county confirms the case within the village's quota (409 ``quota_exhausted``).",
    ),
    "override_exclusion": StepEndpoint(
        "override-exclusion",
        OverrideExclusionSerializer,
        lambda user, case_id, v: services.override_exclusion(actor=user, case_id=case_id, **v),
        "The county lets the case through an exclusion condition, with the reason.",
    ),
    "return_case": StepEndpoint(
        "return",
        ReturnSerializer,
        lambda user, case_id, v: services.return_case(actor=user, case_id=case_id, **v),
        "Send the case back to an earlier step, with the reason.",
    ),
    "reject": StepEndpoint(
        "reject",
        RejectSerializer,
        lambda user, case_id, v: services.reject_case(actor=user, case_id=case_id, **v),
        "Reject the case, with the reason.",
    ),
}


def _step_endpoint(name: str):
    """The POST endpoint of one step under a case (``CaseViewSet._step`` does the work); the
    method is named as its attribute, which DRF's router and the schema rely on."""
    spec = CASE_STEP_ENDPOINTS[name]

    def endpoint(self, request, pk=None):
        return self._step(request, pk, spec.serializer, lambda case_id, v: spec.take(request.user, case_id, v))

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = spec.doc
    endpoint = action(detail=True, methods=["post"], url_path=spec.url_path, url_name=spec.url_path)(endpoint)
    return extend_schema(request=spec.serializer, responses=CaseDetailSerializer)(endpoint)


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases (识别对象) in the caller's scope. POST applies for a household (户申报); each later
    step has its own endpoint under the case. Steps accept the ``version`` read: a case moved
    since answers 409 ``stale`` and changes nothing."""

    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        cases = Case.objects.visible_to(user, Action.VIEW).select_related("household", "campaign")
        if self.action == "list":
            params = self.request.query_params
            village = _area_prefix(user, params, "village")
            _require_a_role(user)
            if (campaign := _number(params, "campaign")) is not None:
                cases = cases.filter(campaign_id=campaign)
            if state := _choice(params, "state", CaseState.values):
                cases = cases.filter(state=state)
            if (household := _number(params, "household")) is not None:
                cases = cases.filter(household_id=household)
            if village:
                cases = cases.in_area(village)
        return cases

    def get_serializer_class(self):
        return CaseSerializer if self.action == "list" else CaseDetailSerializer

    @extend_schema(
        parameters=[
            _CAMPAIGN_PARAM,
            OpenApiParameter("state", str, enum=CaseState.values),
            OpenApiParameter("village", str, description="area code prefix (village, township, county…)"),
            OpenApiParameter("household", int, description="household id"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ApplySerializer, responses={201: CaseDetailSerializer})
    def create(self, request):
        """户申报: the household's application (village clerks; its survey form submitted)."""
        values = _parse(ApplySerializer, request)
        case = services.apply(
            actor=request.user,
            campaign_id=values["campaign"],
            household_id=values["household"],
            informed_on=values["informed_on"],
            self_assessment=values["self_assessment"],
        )
        return Response(self._shown(case.pk), status=status.HTTP_201_CREATED)

    @staticmethod
    def _shown(case_id: int) -> dict:
        return CaseDetailSerializer(Case.objects.select_related("household", "campaign").get(pk=case_id)).data

    def _step(self, request, pk, serializer_class, take) -> Response:
        """Parse the step's inputs, take it through its service, answer with the case.

        A step refused because the case is no longer where the caller saw it (``wrong_step``)
        while the caller sent an older ``version`` answers 409 ``stale``: someone moved it first.
        """
        values = _parse(serializer_class, request)
        version = values.get("version")
        try:
            take(int(pk), values)
        except ServiceError as exc:
            if exc.code == "wrong_step" and version is not None:
                current = (
                    Case.objects.visible_to(request.user, Action.VIEW)
                    .filter(pk=int(pk))
                    .values_list("version", flat=True)
                    .first()
                )
                if current is not None and current != version:
                    raise Conflict(
                        _("Someone else took a step on this case a moment ago; reload it to see where it stands."),
                        code="stale",
                    ) from exc
            raise
        return Response(self._shown(int(pk)))

    # the steps, each an endpoint under the case built from the table CASE_STEP_ENDPOINTS below
    group_discussion = _step_endpoint("group_discussion")
    village_appraisal = _step_endpoint("village_appraisal")
    home_check = _step_endpoint("home_check")
    township_review = _step_endpoint("township_review")
    confirm = _step_endpoint("confirm")
    override_exclusion = _step_endpoint("override_exclusion")
    return_case = _step_endpoint("return_case")
    reject = _step_endpoint("reject")

    @extend_schema(request=BulkSerializer, responses=BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """One step for many cases (group discussion, township review or county confirmation):
        each case on its own, so some may fail (quota, rules, a race, scope) while others pass;
        the answer says, per case, its new state and version or why it failed."""
        _require_a_role(request.user)
        values = _parse(BulkSerializer, request)
        if not request.user.is_superuser and not prefixes_for(request.user, transition(values["step"]).action):
            raise PermissionDenied
        result = services.advance_many(
            actor=request.user, case_ids=values["case_ids"], step=values["step"], **values["values"]
        )
        moved = {pk: (state, version) for pk, state, version in Case.objects.filter(
            pk__in=result.succeeded
        ).values_list("pk", "state", "version")}  # fmt: skip
        results = []
        for case_id in values["case_ids"]:
            if case_id in result.failed:
                results.append(
                    {
                        "case": case_id,
                        "ok": False,
                        "code": result.codes.get(case_id, ""),
                        "message": str(result.failed[case_id]),
                    }
                )
            else:
                state, version = moved[case_id]
                results.append({"case": case_id, "ok": True, "state": state, "version": version})
        return Response(
            {
                "step": values["step"],
                "succeeded": len(result.succeeded),
                "failed": len(result.failed),
                "results": results,
            }
        )

    @extend_schema(responses=CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def events(self, request, pk=None):
        """The case's timeline: every step, who took it and when, why, what it recorded."""
        case = self.get_object()
        events = case.events.select_related("actor").prefetch_related("attachments").order_by("time", "id")
        return Response(CaseEventSerializer(events, many=True).data)


# --- notices and objections ---------------------------------------------------------------------


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Publicity notices and announcements (公示公告) of the areas in the caller's scope: drafted
    for the cases waiting in an area, posted, concluded when the period is over and no objection
    is open. Township reviewers run publicity; county officers announce."""

    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        notices = Notice.objects.visible_to(user, Action.VIEW).select_related("area", "campaign")
        if self.action == "list":
            params = self.request.query_params
            area = _area_prefix(user, params, "area")
            _require_a_role(user)
            if (campaign := _number(params, "campaign")) is not None:
                notices = notices.filter(campaign_id=campaign)
            if kind := _choice(params, "kind", NoticeKind.values):
                notices = notices.filter(kind=kind)
            if state := _choice(params, "state", NoticeState.values):
                notices = notices.filter(state=state)
            if area:
                notices = notices.in_area(area)
        return notices

    def get_serializer_class(self):
        return NoticeListSerializer if self.action == "list" else NoticeSerializer

    @extend_schema(
        parameters=[
            _CAMPAIGN_PARAM,
            OpenApiParameter("kind", str, enum=NoticeKind.values),
            OpenApiParameter("state", str, enum=NoticeState.values),
            OpenApiParameter("area", str, description="area code prefix"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @staticmethod
    def _shown(notice_id: int) -> dict:
        return NoticeSerializer(Notice.objects.select_related("area", "campaign").get(pk=notice_id)).data

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer})
    def create(self, request):
        """Draft a notice for the cases of an area waiting for it (all, or those given)."""
        values = _parse(NoticeCreateSerializer, request)
        notice = services.create_notice(
            actor=request.user,
            campaign_id=values["campaign"],
            kind=values["kind"],
            area_code=values["area"],
            issued_by=values["issued_by"],
            contact=values["contact"],
            case_ids=values["case_ids"],
        )
        return Response(self._shown(notice.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=NoticePostSerializer, responses=NoticeSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_notice(self, request, pk=None):
        """Post the notice (date, place, photo): its cases enter the publicity, or are announced."""
        values = _parse(NoticePostSerializer, request)
        services.post_notice(
            actor=request.user,
            notice_id=int(pk),
            starts_on=values["starts_on"],
            posted_place=values["posted_place"],
            photo=values["photo"],
        )
        return Response(self._shown(int(pk)))

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request, pk=None):
        """End the publicity: from the day after its last day, with no objection open."""
        services.conclude_notice(actor=request.user, notice_id=int(pk))
        return Response(self._shown(int(pk)))

    @extend_schema(responses=NoticePrintSerializer)
    @action(detail=True, methods=["get"], url_path="print", url_name="print")
    def print_data(self, request, pk=None):
        """What the printed notice shows, one sheet per village group: no ID number, phone, bank
        account or health detail."""
        return Response(NoticePrintSerializer(notice_print_data(self.get_object())).data)


class ObjectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Objections (异议) raised during publicity against cases in the caller's scope: recorded by
    township reviewers or village clerks, resolved by township reviewers."""

    serializer_class = ObjectionSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        objections = Objection.objects.filter(case__in=Case.objects.visible_to(user, Action.VIEW))
        if self.action == "list":
            _require_a_role(user)
            params = self.request.query_params
            if (notice := _number(params, "notice")) is not None:
                objections = objections.filter(notice_id=notice)
            if (case := _number(params, "case")) is not None:
                objections = objections.filter(case_id=case)
            if state := _choice(params, "state", ObjectionState.values):
                objections = objections.filter(state=state)
        return objections

    @extend_schema(
        parameters=[
            OpenApiParameter("notice", int, description="notice id"),
            OpenApiParameter("case", int, description="case id"),
            OpenApiParameter("state", str, enum=ObjectionState.values),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ObjectionCreateSerializer, responses={201: ObjectionSerializer})
    def create(self, request):
        values = _parse(ObjectionCreateSerializer, request)
        objection = services.record_objection(
            actor=request.user,
            notice_id=values["notice"],
            case_id=values["case"],
            raised_by=values["raised_by"],
            received_on=values["received_on"],
            channel=values["channel"],
            content=values["content"],
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ObjectionResolveSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Upheld: the case goes back to the village; rejected: it stays, with the reason recorded."""
        values = _parse(ObjectionResolveSerializer, request)
        objection = services.resolve_objection(actor=request.user, objection_id=int(pk), **values)
        return Response(ObjectionSerializer(objection).data)


# --- city spot-checks ---------------------------------------------------------------------------


class SpotCheckViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The city's random samples of announced cases (市抽查), for the campaigns the caller sees;
    each lists the sampled cases the caller views."""

    serializer_class = SpotCheckSerializer
    lookup_value_regex = _ID

    def get_queryset(self):
        user = self.request.user
        checks = SpotCheck.objects.filter(campaign__in=visible_campaigns(user)).order_by("-drawn_at", "-id")
        if self.action == "list":
            _require_a_role(user)
            if (campaign := _number(self.request.query_params, "campaign")) is not None:
                checks = checks.filter(campaign_id=campaign)
        return checks

    @extend_schema(parameters=[_CAMPAIGN_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SpotCheckDrawSerializer, responses={201: SpotCheckSerializer})
    def create(self, request):
        """Draw a sample of the campaign's announced cases (city inspectors)."""
        values = _parse(SpotCheckDrawSerializer, request)
        check = services.draw_spot_check(
            actor=request.user, campaign_id=values["campaign"], share=values["share"], seed=values["seed"]
        )
        return Response(SpotCheckSerializer(check, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SpotCheckFindingSerializer, responses=SpotCheckItemSerializer)
    @action(detail=True, methods=["post"])
    def findings(self, request, pk=None):
        """Record what the check of one sampled case found; a problem sends the case back."""
        values = _parse(SpotCheckFindingSerializer, request)
        if not SpotCheckItem.objects.filter(pk=values["item"], spot_check_id=int(pk)).exists():
            raise Http404
        item = services.record_spot_check(
            actor=request.user, item_id=values["item"], finding=values["finding"], has_problem=values["has_problem"]
        )
        return Response(SpotCheckItemSerializer(item).data)


# --- attachments --------------------------------------------------------------------------------


class AttachmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Photos and scans (JPEG, PNG or PDF) for an area the caller works in; a step or a posted
    notice then refers to them by id."""

    serializer_class = AttachmentSerializer
    lookup_value_regex = _ID
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        return Attachment.objects.visible_to(self.request.user, Action.VIEW)

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    def create(self, request):
        values = _parse(AttachmentUploadSerializer, request)
        attachment = store_attachment(actor=request.user, upload=values["file"], area_code=values["area"])
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)
