"""API of the yearly review, the status procedures and frozen years, under /api/v1/exits/. Thin
like the pages: parse the request, call one service of exits.review, exits.status or exits.frozen,
answer with the object. Services check role and scope (404 outside the caller's view scope, 403
without the action); errors have the one shape of core.api.exception_handler. Route names start
with "exits-" so that they stay apart from the other apps' in the one "api" namespace."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from areas.choices import Action, Level
from areas.scopes import may
from core.params import year as params_year
from core.serializers import IdField
from core.shortcuts import area_or_404, require_any
from exits import frozen, review
from exits import status as procedures
from exits.models import FrozenYear, ReviewCampaign, ReviewFinding, ReviewForm, ReviewResult, StatusChange
from households.models import Household

__all__ = ["api_urlpatterns"]

PAGE_SIZE = 100


# --- serializers --------------------------------------------------------------------------------


class ReviewCampaignSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county_id", read_only=True)

    class Meta:
        model = ReviewCampaign
        fields = [
            "id", "county", "year", "title", "opens_on", "deadline", "start_households", "start_people", "is_closed",
        ]  # fmt: skip


class ReviewCampaignCreateSerializer(serializers.Serializer):
    county = serializers.CharField(max_length=12)
    year = serializers.IntegerField(min_value=2014, max_value=2100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    opens_on = serializers.DateField()
    deadline = serializers.DateField()


class ReviewProgressSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    to_check = serializers.IntegerField()
    recorded = serializers.IntegerField()
    township_checked = serializers.IntegerField()
    decided = serializers.IntegerField()
    percent = serializers.IntegerField()


class ReviewCampaignDetailSerializer(ReviewCampaignSerializer):
    progress = serializers.SerializerMethodField()

    class Meta(ReviewCampaignSerializer.Meta):
        fields = [*ReviewCampaignSerializer.Meta.fields, "progress"]

    @extend_schema(responses=ReviewProgressSerializer(many=True))
    def get_progress(self, campaign) -> list[dict]:
        return ReviewProgressSerializer(review.progress(campaign), many=True).data


class ReviewSignatureSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50, allow_blank=True)
    date = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class ReviewSignaturesSerializer(serializers.Serializer):
    head = ReviewSignatureSerializer(required=False)
    surveyor = ReviewSignatureSerializer(required=False)
    team_leader = ReviewSignatureSerializer(required=False)
    deputy = ReviewSignatureSerializer(required=False)


class ReviewResultSerializer(serializers.ModelSerializer):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    signatures = ReviewSignaturesSerializer(read_only=True)

    class Meta:
        model = ReviewResult
        fields = [
            "id", "campaign", "form", "household", "household_no", "head_name", "area_code", "finding", "people",
            "reason", "answers", "signatures", "state", "version", "recorded_on", "recorded_at", "township_note",
            "township_on", "township_at", "county_note", "county_on", "county_at", "case",
        ]  # fmt: skip


class ReviewResultCreateSerializer(serializers.Serializer):
    household = IdField()
    form = serializers.ChoiceField(choices=ReviewForm.choices)
    finding = serializers.ChoiceField(choices=ReviewFinding.choices)
    reason = serializers.CharField()
    signatures = ReviewSignaturesSerializer()
    answers = serializers.DictField(required=False, default=dict)
    recorded_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="the date the form was filled (default today)"
    )


class ReviewTownshipSerializer(serializers.Serializer):
    agree = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)
    on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="the date of the act (default today)"
    )


class ReviewCountySerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False)
    on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="the date of the act (default today)"
    )


class ReviewIdentifySerializer(serializers.Serializer):
    campaign = IdField()
    informed_on = serializers.DateField()


class ReviewRatesSerializer(serializers.Serializer):
    wrong_inclusion_rate = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    wrong_exit_rate = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    missed_rate = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    start_households = serializers.IntegerField(source="campaign.start_households")
    start_people = serializers.IntegerField(source="campaign.start_people")
    after_people = serializers.IntegerField()
    findings = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
    exited_rechecked = serializers.DictField(child=serializers.IntegerField())
    natural = serializers.DictField(child=serializers.IntegerField())


class ReviewStatusChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = StatusChange
        fields = [
            "id", "procedure", "from_status", "to_status", "year", "effective_on", "reason", "documents", "actor",
            "created_at", "review_result", "case",
        ]  # fmt: skip


class ReviewStatusChangeCreateSerializer(serializers.Serializer):
    procedure = serializers.ChoiceField(choices=["remove", "close", "reopen"])
    reason = serializers.CharField()
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    documents = serializers.ListField(child=serializers.CharField(max_length=200), required=False, default=list)
    attachments = serializers.ListField(child=IdField(), required=False, default=list)


class ReviewFrozenYearSerializer(serializers.ModelSerializer):
    frozen_by = serializers.CharField(source="frozen_by.username", read_only=True)
    county = serializers.CharField(source="county_id", read_only=True)

    class Meta:
        model = FrozenYear
        fields = ["county", "year", "frozen_by", "frozen_at"]


class ReviewFreezeSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2014, max_value=2100)


class ReviewAreaDifferenceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())


class ReviewDifferencesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    base_year = serializers.IntegerField()
    frozen = serializers.BooleanField()
    base_frozen = serializers.BooleanField()
    areas = ReviewAreaDifferenceSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())


def _parse(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _paged(request, queryset, serializer_class) -> Response:
    page = Paginator(queryset, PAGE_SIZE).get_page(request.query_params.get("page"))
    return Response(
        {"count": page.paginator.count, "page": page.number, "results": serializer_class(page, many=True).data}
    )


# --- campaigns ---------------------------------------------------------------------------------


class CampaignListView(APIView):
    """The review campaigns of the caller's counties; county officers open one."""

    @extend_schema(responses=ReviewCampaignSerializer(many=True))
    def get(self, request):
        require_any(request.user, (Action.VIEW,))
        return _paged(request, review.review_campaigns_visible_to(request.user), ReviewCampaignSerializer)

    @extend_schema(request=ReviewCampaignCreateSerializer, responses={201: ReviewCampaignSerializer})
    def post(self, request):
        data = _parse(ReviewCampaignCreateSerializer, request)
        campaign = review.open_review(
            actor=request.user,
            county_code=data["county"],
            year=data["year"],
            title=data["title"],
            opens_on=data["opens_on"],
            deadline=data["deadline"],
        )
        return Response(ReviewCampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailView(APIView):
    @extend_schema(responses=ReviewCampaignDetailSerializer)
    def get(self, request, pk: int):
        return Response(ReviewCampaignDetailSerializer(review.campaign_for(request.user, pk)).data)


class CampaignReportView(APIView):
    """Counts in households and people, and 错评率, 错退率, 漏评率 in percent (DOMAIN.md 9)."""

    @extend_schema(responses=ReviewRatesSerializer)
    def get(self, request, pk: int):
        return Response(ReviewRatesSerializer(review.report(review.campaign_for(request.user, pk))).data)


class ResultListView(APIView):
    """The forms of a campaign the caller sees; village clerks record one."""

    @extend_schema(responses=ReviewResultSerializer(many=True))
    def get(self, request, pk: int):
        campaign = review.campaign_for(request.user, pk)
        return _paged(request, review.results_of(request.user, campaign), ReviewResultSerializer)

    @extend_schema(request=ReviewResultCreateSerializer, responses={201: ReviewResultSerializer})
    def post(self, request, pk: int):
        data = _parse(ReviewResultCreateSerializer, request)
        result = review.record_result(
            actor=request.user,
            campaign_id=pk,
            household_id=data["household"],
            form=data["form"],
            finding=data["finding"],
            reason=data["reason"],
            signatures=data["signatures"],
            answers=data["answers"],
            recorded_on=data["recorded_on"],
        )
        return Response(ReviewResultSerializer(result).data, status=status.HTTP_201_CREATED)


def _result(request, pk: int) -> ReviewResult:
    result = (
        ReviewResult.objects.visible_to(request.user, Action.VIEW).select_related("household").filter(pk=pk).first()
    )
    if result is None:
        raise Http404
    return result


class ResultDetailView(APIView):
    @extend_schema(responses=ReviewResultSerializer)
    def get(self, request, pk: int):
        return Response(ReviewResultSerializer(_result(request, pk)).data)


class ResultTownshipView(APIView):
    """乡镇复核: agree with the village, or send the form back with a note (township reviewers)."""

    @extend_schema(request=ReviewTownshipSerializer, responses=ReviewResultSerializer)
    def post(self, request, pk: int):
        data = _parse(ReviewTownshipSerializer, request)
        result = review.township_check(
            actor=request.user, result_id=pk, agree=data["agree"], note=data["note"], version=data.get("version"),
            on=data["on"],
        )  # fmt: skip
        return Response(ReviewResultSerializer(result).data)


class ResultCountyView(APIView):
    """县级审定: confirm the finding (applied at once through the procedures) or not (with a note)."""

    @extend_schema(request=ReviewCountySerializer, responses=ReviewResultSerializer)
    def post(self, request, pk: int):
        data = _parse(ReviewCountySerializer, request)
        result = review.county_review(
            actor=request.user, result_id=pk, approve=data["approve"], note=data["note"], version=data.get("version"),
            on=data["on"],
        )  # fmt: skip
        return Response(ReviewResultSerializer(result).data)


class ResultIdentifyView(APIView):
    """A missed or returned household applies in an identification campaign (village clerks)."""

    @extend_schema(request=ReviewIdentifySerializer, responses=ReviewResultSerializer)
    def post(self, request, pk: int):
        data = _parse(ReviewIdentifySerializer, request)
        result = review.file_identification(
            actor=request.user, result_id=pk, campaign_id=data["campaign"], informed_on=data["informed_on"]
        )
        return Response(ReviewResultSerializer(result).data)


# --- a household's status ----------------------------------------------------------------------

_PROCEDURES = {
    "remove": procedures.remove_household,
    "close": procedures.close_household,
    "reopen": procedures.reopen_wrong_exit,
}


class HouseholdStatusView(APIView):
    """A household's status history; county officers apply remove, close or reopen."""

    @extend_schema(responses=ReviewStatusChangeSerializer(many=True))
    def get(self, request, pk: int):
        household = Household.objects.visible_to(request.user, Action.VIEW).filter(pk=pk).first()
        if household is None:
            raise Http404
        return Response(ReviewStatusChangeSerializer(procedures.history_of(household), many=True).data)

    @extend_schema(request=ReviewStatusChangeCreateSerializer, responses={201: ReviewStatusChangeSerializer})
    def post(self, request, pk: int):
        data = _parse(ReviewStatusChangeCreateSerializer, request)
        change = _PROCEDURES[data["procedure"]](
            actor=request.user,
            household_id=pk,
            reason=data["reason"],
            effective_on=data["effective_on"],
            documents=data["documents"],
            attachment_ids=data["attachments"],
        )
        return Response(ReviewStatusChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class ReviewPersonSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=20)
    relation = serializers.CharField(max_length=2)


class ReviewNaturalChangeSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=list(review.NATURAL_CHANGES))
    member = serializers.IntegerField(required=False, allow_null=True, default=None)
    person = ReviewPersonSerializer(required=False, allow_null=True, default=None)
    changed_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReviewNaturalChangeResultSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk")
    version = serializers.IntegerField(source="household.version")
    household_size = serializers.IntegerField(source="household.household_size")


class HouseholdNaturalChangeView(APIView):
    """A birth, death, marriage or move recorded on the household's members (village clerks);
    the household's version must be the one read (409 otherwise)."""

    @extend_schema(request=ReviewNaturalChangeSerializer, responses={201: ReviewNaturalChangeResultSerializer})
    def post(self, request, pk: int):
        data = _parse(ReviewNaturalChangeSerializer, request)
        person = dict(data["person"]) if data["person"] else None
        if person is not None:
            person["gender"] = ""
        result = review.record_natural_change(
            actor=request.user,
            household_id=pk,
            version=data["version"],
            kind=data["kind"],
            member_id=data["member"],
            person=person,
            changed_on=data["changed_on"],
        )
        return Response(ReviewNaturalChangeResultSerializer(result).data, status=status.HTTP_201_CREATED)


# --- frozen years ------------------------------------------------------------------------------


class FrozenYearsView(APIView):
    """A county's frozen years; county officers freeze one (refused with the list of what is open)."""

    @extend_schema(responses=ReviewFrozenYearSerializer(many=True))
    def get(self, request, code: str):
        county = area_or_404(request.user, code, levels=(Level.COUNTY,))
        years = FrozenYear.objects.filter(county=county).select_related("frozen_by").order_by("-year")
        return Response(ReviewFrozenYearSerializer(years, many=True).data)

    @extend_schema(request=ReviewFreezeSerializer, responses={201: ReviewFrozenYearSerializer})
    def post(self, request, code: str):
        county = area_or_404(request.user, code, levels=(Level.COUNTY,))
        if not may(request.user, Action.APPROVE, county.code):
            raise PermissionDenied
        data = _parse(ReviewFreezeSerializer, request)
        year = frozen.freeze_year(actor=request.user, county_code=county.code, year=data["year"])
        return Response(ReviewFrozenYearSerializer(year).data, status=status.HTTP_201_CREATED)


class DifferencesView(APIView):
    """Year-over-year differences per village (new, exited, returned, removed, closed, members in
    and out) between the end of ``year - 1`` and ``year``."""

    @extend_schema(
        parameters=[OpenApiParameter("year", int, description="the year compared with the year before")],
        responses=ReviewDifferencesSerializer,
    )
    def get(self, request, code: str):
        area = area_or_404(request.user, code, levels=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE))
        year = params_year(
            request.query_params.get("year"), default=timezone.localdate().year, message=_("Give a number.")
        )
        return Response(
            ReviewDifferencesSerializer(
                frozen.differences(actor=request.user, area_code=area.code, year=year, area=area)
            ).data
        )


api_urlpatterns = [
    path("exits/review/campaigns/", CampaignListView.as_view(), name="exits-review-campaign-list"),
    path("exits/review/campaigns/<int:pk>/", CampaignDetailView.as_view(), name="exits-review-campaign-detail"),
    path("exits/review/campaigns/<int:pk>/report/", CampaignReportView.as_view(), name="exits-review-campaign-report"),
    path("exits/review/campaigns/<int:pk>/forms/", ResultListView.as_view(), name="exits-review-result-list"),
    path("exits/review/forms/<int:pk>/", ResultDetailView.as_view(), name="exits-review-result-detail"),
    path("exits/review/forms/<int:pk>/township/", ResultTownshipView.as_view(), name="exits-review-result-township"),
    path("exits/review/forms/<int:pk>/county/", ResultCountyView.as_view(), name="exits-review-result-county"),
    path("exits/review/forms/<int:pk>/identify/", ResultIdentifyView.as_view(), name="exits-review-result-identify"),
    path("exits/households/<int:pk>/status/", HouseholdStatusView.as_view(), name="exits-household-status"),
    path(
        "exits/households/<int:pk>/natural-changes/",
        HouseholdNaturalChangeView.as_view(),
        name="exits-household-natural-change",
    ),
    path("exits/frozen-years/<str:code>/", FrozenYearsView.as_view(), name="exits-frozen-years"),
    path("exits/differences/<str:code>/", DifferencesView.as_view(), name="exits-differences"),
]
