"""API shapes of identification: what the endpoints read and what they answer.

Input serializers only parse (types, required inputs, code lists); every rule of the procedure is
identification.services'. Cases and notices carry no ID number, phone, bank account or health
detail; the print data of a notice carries only what DOMAIN.md section 12 lists.

Outputs give states and kinds as plain strings with a ``*_label`` next to them (the code lists are
in identification/choices.py); as enums they would collide in the OpenAPI schema with the other
``state`` and ``kind`` fields of the API.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from areas.choices import Action
from areas.models import Area
from core.serializers import IdField
from households.choices import CAUSES
from households.models import CauseCode
from identification.choices import CampaignKind, CaseState, NoticeKind, ObjectionChannel
from identification.models import (
    Attachment,
    Campaign,
    Case,
    CaseEvent,
    Notice,
    Objection,
    Quota,
    SpotCheck,
    SpotCheckItem,
)
from identification.services import HOME_CHECK_ITEMS, blocking_exclusions
from identification.workflow import TRANSITIONS, next_action, return_targets

__all__ = [
    "ApplySerializer",
    "AttachmentSerializer",
    "AttachmentUploadSerializer",
    "BULK_STEPS",
    "BulkResultSerializer",
    "BulkSerializer",
    "CampaignCreateSerializer",
    "CampaignSerializer",
    "CaseDetailSerializer",
    "CaseEventSerializer",
    "CaseSerializer",
    "ConfirmSerializer",
    "GroupDiscussionSerializer",
    "HomeCheckSerializer",
    "NoticeCreateSerializer",
    "NoticeListSerializer",
    "NoticePostSerializer",
    "NoticePrintSerializer",
    "NoticeSerializer",
    "ObjectionCreateSerializer",
    "ObjectionResolveSerializer",
    "ObjectionSerializer",
    "OverrideExclusionSerializer",
    "QuotaSerializer",
    "QuotaSetSerializer",
    "RejectSerializer",
    "ReturnSerializer",
    "SpotCheckDrawSerializer",
    "SpotCheckFindingSerializer",
    "SpotCheckItemSerializer",
    "SpotCheckSerializer",
    "TownshipReviewSerializer",
    "VillageAppraisalSerializer",
    "notice_print_data",
]

_LABELS = {step.name: step.label for step in TRANSITIONS}
_VERSION_HELP = _("The case's version you read; a case moved since answers 409 with code 'stale'.")


def _user(serializer) -> object | None:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class ScopedAttachmentField(serializers.PrimaryKeyRelatedField):
    """An attachment id, among those the caller views (uploaded through /api/v1/attachments/)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Attachment.objects.all(), **kwargs)

    def get_queryset(self):
        return Attachment.objects.visible_to(_user(self), Action.VIEW)


# --- outputs ------------------------------------------------------------------------------------


class AttachmentSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_code", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "area", "uploaded_at"]
        read_only_fields = fields


class CampaignSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county_id", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)
    kind = serializers.CharField(read_only=True, help_text="initial, new_poverty, return or monitoring")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id", "county", "county_name", "kind", "kind_label", "year", "title", "opens_on", "deadlines",
            "publicity_days", "is_closed", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class QuotaSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    parent_area = serializers.CharField(source="parent.area_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Quota
        fields = [
            "id", "campaign", "area", "area_name", "parent_area", "households", "people", "used_households",
            "used_people", "set_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    """A case in a list: its household by number and head's name, never an ID number."""

    household_no = serializers.CharField(source="household.household_no", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    village = serializers.CharField(source="area_code", read_only=True)
    village_group = serializers.CharField(source="group_code", read_only=True)
    state = serializers.CharField(read_only=True, help_text="a step of identification/choices.py CaseState")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "campaign", "household", "household_no", "head_name", "village", "village_group", "state",
            "state_label", "version", "score", "household_size", "applied_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseDetailSerializer(CaseSerializer):
    """One case, with what may happen next: the action owning its next step, the earlier steps it
    may be sent back to, and the exclusion conditions its household meets."""

    next_action = serializers.SerializerMethodField()
    return_targets = serializers.SerializerMethodField()
    exclusions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [
            *CaseSerializer.Meta.fields, "exclusion_override", "closing_reason", "next_action", "return_targets",
            "exclusions",
        ]  # fmt: skip
        read_only_fields = fields

    def get_next_action(self, case: Case) -> str | None:
        return next_action(case.state)

    def get_return_targets(self, case: Case) -> list[str]:
        return return_targets(case.state)

    def get_exclusions(self, case: Case) -> list[str]:
        return blocking_exclusions(case)


class CaseEventSerializer(serializers.ModelSerializer):
    """One entry of a case's timeline: the step, who took it and when, why, and what it recorded."""

    label = serializers.SerializerMethodField()
    actor = serializers.CharField(source="actor.username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "transition",
            "label",
            "from_state",
            "to_state",
            "actor",
            "time",
            "reason",
            "record",
            "attachments",
        ]
        read_only_fields = fields

    def get_label(self, event: CaseEvent) -> str:
        return _LABELS.get(event.transition, "")


class NoticeEntrySerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.id")
    village = serializers.CharField(source="case.area_code")
    village_group = serializers.CharField(source="case.group_code")
    head_name = serializers.CharField(source="case.household.head_name")
    household_size = serializers.IntegerField(source="case.household_size")
    state = serializers.CharField(source="case.state")


class NoticeSerializer(serializers.ModelSerializer):
    """A notice with the cases on it, de-identified (DOMAIN.md section 12)."""

    kind = serializers.CharField(read_only=True, help_text="first_publicity, second_publicity or announcement")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state = serializers.CharField(read_only=True, help_text="draft, posted or concluded")
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    area = serializers.CharField(source="area_id", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id", "campaign", "kind", "kind_label", "area", "area_name", "title", "issued_by", "contact", "state",
            "state_label", "starts_on", "ends_on", "posted_place", "photo", "created_at", "concluded_at", "entries",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(NoticeEntrySerializer(many=True))
    def get_entries(self, notice: Notice) -> list[dict]:
        entries = notice.entries.select_related("case__household").order_by("case__group_code", "-case__score", "pk")
        return NoticeEntrySerializer(entries, many=True).data


class NoticeListSerializer(NoticeSerializer):
    class Meta(NoticeSerializer.Meta):
        fields = [name for name in NoticeSerializer.Meta.fields if name != "entries"]
        read_only_fields = fields


class ObjectionSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(read_only=True, help_text="in_person, phone, letter, hotline or other")
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    state = serializers.CharField(read_only=True, help_text="open, upheld or rejected")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id", "notice", "case", "raised_by", "received_on", "channel", "channel_label", "content", "state",
            "state_label", "resolution", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields


class SpotCheckItemSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="case.area_code", read_only=True)
    head_name = serializers.CharField(source="case.household.head_name", read_only=True)

    class Meta:
        model = SpotCheckItem
        fields = ["id", "case", "village", "head_name", "finding", "has_problem", "checked_at"]
        read_only_fields = fields


class SpotCheckSerializer(serializers.ModelSerializer):
    """A city's sample; its items are those whose cases the caller views."""

    city = serializers.CharField(source="city_id", read_only=True)
    items = serializers.SerializerMethodField()

    class Meta:
        model = SpotCheck
        fields = ["id", "campaign", "city", "share", "seed", "drawn_at", "items"]
        read_only_fields = fields

    @extend_schema_field(SpotCheckItemSerializer(many=True))
    def get_items(self, check: SpotCheck) -> list[dict]:
        visible = Case.objects.visible_to(_user(self), Action.VIEW)
        items = check.items.filter(case__in=visible).select_related("case__household").order_by("case_id")
        return SpotCheckItemSerializer(items, many=True).data


# --- the print data of a notice -----------------------------------------------------------------


class NoticePrintRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    village_group = serializers.CharField()
    head_name = serializers.CharField()
    household_size = serializers.IntegerField()
    attribute = serializers.CharField()
    main_cause = serializers.CharField()
    year = serializers.IntegerField()


class NoticePrintSerializer(serializers.Serializer):
    """What a printed notice shows (DOMAIN.md section 12), one sheet per village group; nothing else."""

    title = serializers.CharField()
    issued_by = serializers.CharField()
    level = serializers.CharField()
    area = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    contact = serializers.CharField()
    sheets = inline_serializer(
        "NoticePrintSheet",
        {"village_group": serializers.CharField(), "rows": NoticePrintRowSerializer(many=True)},
        many=True,
    )


def notice_print_data(notice: Notice) -> dict:
    """The notice as printed: its heading and, per village group, the numbered rows of village
    group, head of household, household size, attribute, main cause and year."""
    entries = list(
        notice.entries.select_related("case__household").order_by("case__group_code", "case__area_code", "-case__score")
    )
    codes = {entry.case.area_code for entry in entries} | {entry.case.group_code for entry in entries}
    names = dict(Area.objects.filter(code__in=codes - {""}).values_list("code", "name"))
    causes = dict(CAUSES)
    province = notice.area_id[:2] + "0" * 10
    rows = CauseCode.objects.filter(Q(province__isnull=True) | Q(province_id=province)).order_by(
        F("province_id").asc(nulls_first=True)
    )
    causes.update(rows.values_list("code", "name"))  # a province's own name replaces the national one
    sheets: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        case, household = entry.case, entry.case.household
        group = names.get(case.area_code, case.area_code) + (names.get(case.group_code, "") if case.group_code else "")
        sheet = sheets[group]
        sheet.append(
            {
                "number": len(sheet) + 1,
                "village_group": group,
                "head_name": household.head_name,
                "household_size": case.household_size,
                "attribute": household.get_poverty_attribute_display(),
                "main_cause": causes.get(household.main_cause, household.main_cause),
                "year": notice.campaign.year,
            }
        )
    return {
        "title": notice.title,
        "issued_by": notice.issued_by,
        "level": str(notice.area.get_level_display()),
        "area": notice.area.name,
        "starts_on": notice.starts_on,
        "ends_on": notice.ends_on,
        "contact": notice.contact,
        "sheets": [{"village_group": group, "rows": rows} for group, rows in sheets.items()],
    }


# --- inputs -------------------------------------------------------------------------------------


class CampaignCreateSerializer(serializers.Serializer):
    county = serializers.RegexField(r"^[0-9]{12}$", help_text="county code (12 digits)")
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    year = serializers.IntegerField(min_value=1, max_value=32767)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    opens_on = serializers.DateField()
    deadlines = serializers.DictField(
        child=serializers.DateField(), required=False, default=dict, help_text="step (case state) → last day for it"
    )
    publicity_days = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)

    def validate_deadlines(self, value: dict) -> dict:
        unknown = sorted(set(value) - set(CaseState.values))
        if unknown:
            raise serializers.ValidationError(_("Unknown steps: %(steps)s.") % {"steps": ", ".join(unknown)})
        return {step: day.isoformat() for step, day in value.items()}


class QuotaSetSerializer(serializers.Serializer):
    campaign = IdField()
    area = serializers.RegexField(r"^[0-9]{12}$", help_text="area code (12 digits)")
    households = serializers.IntegerField(min_value=0)
    people = serializers.IntegerField(min_value=0)


class ApplySerializer(serializers.Serializer):
    campaign = IdField()
    household = IdField()
    informed_on = serializers.DateField(help_text="the day the household was told the criteria and procedure")
    self_assessment = serializers.CharField(required=False, allow_blank=True, default="")


class _StepSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text=_VERSION_HELP)


class _StepWithAttachmentsSerializer(_StepSerializer):
    attachments = ScopedAttachmentField(many=True, required=False, default=list, help_text="attachment ids")


class GroupDiscussionSerializer(_StepWithAttachmentsSerializer):
    meeting_date = serializers.DateField()
    attendance = serializers.IntegerField()
    recommended = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class VillageAppraisalSerializer(_StepWithAttachmentsSerializer):
    meeting_date = serializers.DateField()
    representatives = serializers.IntegerField()
    present = serializers.IntegerField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    comparison_read = serializers.BooleanField(help_text="the data-comparison results were read out first")


class SignatureSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True)
    date = serializers.CharField(allow_blank=True)


class HomeCheckSerializer(_StepWithAttachmentsSerializer):
    visited_on = serializers.DateField()
    checklist = serializers.DictField(
        child=serializers.BooleanField(), help_text="each of: " + ", ".join(HOME_CHECK_ITEMS)
    )
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    signatures = serializers.DictField(child=SignatureSerializer(), help_text="head, surveyor, team_leader")


class TownshipReviewSerializer(_StepSerializer):
    checked_in_field = serializers.BooleanField()
    finding = serializers.CharField(required=False, allow_blank=True, default="")


class ConfirmSerializer(_StepSerializer):
    checked_in_field = serializers.BooleanField(required=False, default=False)


class OverrideExclusionSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ReturnSerializer(_StepSerializer):
    to_state = serializers.ChoiceField(choices=CaseState.choices, help_text="an earlier step")
    reason = serializers.CharField(allow_blank=True)


class RejectSerializer(_StepSerializer):
    reason = serializers.CharField(allow_blank=True)


#: the steps taken for many cases at once, with the inputs of each (the service's names)
BULK_STEPS = {
    "record_group_discussion": GroupDiscussionSerializer,
    "record_township_review": TownshipReviewSerializer,
    "confirm": ConfirmSerializer,
}


class BulkSerializer(serializers.Serializer):
    """The same step for many cases; the other inputs are those of the step's own endpoint
    (without ``version`` and ``attachments``)."""

    step = serializers.ChoiceField(choices=sorted(BULK_STEPS))
    case_ids = serializers.ListField(child=IdField(), min_length=1, max_length=500)
    meeting_date = serializers.DateField(required=False)
    attendance = serializers.IntegerField(required=False)
    recommended = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    checked_in_field = serializers.BooleanField(required=False)
    finding = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        inputs = BULK_STEPS[attrs["step"]](data=self.initial_data, context=self.context)
        inputs.is_valid(raise_exception=True)
        attrs["values"] = {
            name: value for name, value in inputs.validated_data.items() if name not in ("version", "attachments")
        }
        attrs["case_ids"] = list(dict.fromkeys(attrs["case_ids"]))
        return attrs


class BulkResultSerializer(serializers.Serializer):
    step = serializers.CharField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    results = inline_serializer(
        "BulkCaseResult",
        {
            "case": serializers.IntegerField(),
            "ok": serializers.BooleanField(),
            "state": serializers.CharField(required=False),
            "version": serializers.IntegerField(required=False),
            "message": serializers.CharField(required=False),
        },
        many=True,
    )


class NoticeCreateSerializer(serializers.Serializer):
    campaign = IdField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    area = serializers.RegexField(r"^[0-9]{12}$", help_text="village, township or county code, by kind")
    issued_by = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    contact = serializers.CharField(allow_blank=True, help_text="phones for objections")
    case_ids = serializers.ListField(
        child=IdField(),
        required=False,
        allow_null=True,
        default=None,
        help_text="all waiting if left out",
    )


class NoticePostSerializer(serializers.Serializer):
    starts_on = serializers.DateField()
    posted_place = serializers.CharField(allow_blank=True, max_length=200)
    photo = ScopedAttachmentField(required=False, allow_null=True, default=None, help_text="attachment id")


class ObjectionCreateSerializer(serializers.Serializer):
    notice = IdField()
    case = IdField()
    raised_by = serializers.CharField(allow_blank=True, max_length=50)
    received_on = serializers.DateField()
    channel = serializers.ChoiceField(choices=ObjectionChannel.choices)
    content = serializers.CharField(allow_blank=True)


class ObjectionResolveSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    resolution = serializers.CharField(allow_blank=True)
    return_to = serializers.CharField(
        required=False,
        default=CaseState.GROUP_DISCUSSED,
        help_text="when upheld: applied, group_discussed or village_appraised",
    )


class SpotCheckDrawSerializer(serializers.Serializer):
    campaign = IdField()
    share = serializers.DecimalField(max_digits=4, decimal_places=3, help_text="0.1 for 10%")
    seed = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1, max_value=2**31 - 1)


class SpotCheckFindingSerializer(serializers.Serializer):
    item = IdField(help_text="an item of this spot-check")
    finding = serializers.CharField(allow_blank=True, required=False, default="")
    has_problem = serializers.BooleanField()


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG or PDF")
    area = serializers.RegexField(r"^[0-9]{12}([0-9]{3})?$", help_text="the area the attachment belongs to")
