"""API shapes of households and members. ID numbers go out masked; the full number only through
the logged reveal endpoint."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exits.monitoring_serializers import HouseholdExitSerializer, HouseholdMonitoringSerializer
from exits.selectors import HouseholdProcedures, procedures_of
from households.idnumbers import mask_id_number
from households.models import Household, Member, QualityFinding
from households.services import HOUSEHOLD_INPUT_FIELDS, MEMBER_INPUT_FIELDS

__all__ = [
    "FindingSerializer",
    "HouseholdDetailSerializer",
    "HouseholdListSerializer",
    "HouseholdWriteSerializer",
    "MemberSerializer",
]


class MemberSerializer(serializers.ModelSerializer):
    id_number_masked = serializers.SerializerMethodField()
    # a disability certificate number is the holder's ID number and 2 digits: masked the same way
    # (sent back unchanged in a write, the mask keeps the stored number)
    disability_cert_no = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "position", "is_active", "birth_date", "change_reason", "changed_on", "id_number_masked"] + [
            name for name in MEMBER_INPUT_FIELDS if name != "id_number"
        ]
        read_only_fields = fields

    def get_id_number_masked(self, member: Member) -> str:
        return mask_id_number(member.id_number)

    def get_disability_cert_no(self, member: Member) -> str:
        return mask_id_number(member.disability_cert_no)


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = QualityFinding
        fields = ["id", "rule", "severity", "field", "member_position", "message", "note", "found_at", "resolved_at"]
        read_only_fields = fields


class HouseholdListSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)
    village_group = serializers.CharField(source="village_group_id", read_only=True, allow_null=True)

    class Meta:
        model = Household
        fields = [
            "id", "household_no", "village", "village_group", "head_name", "household_size", "poverty_attribute",
            "main_cause", "other_causes", "status", "exit_year", "entry_state", "net_income_per_capita",
            "quality_errors", "quality_warnings", "version", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class HouseholdDetailSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)
    village_group = serializers.CharField(source="village_group_id", read_only=True, allow_null=True)
    members = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    monitored = serializers.SerializerMethodField()
    monitoring = serializers.SerializerMethodField()
    exit_case = serializers.SerializerMethodField()

    class Meta:
        model = Household
        fields = [
            "id", "household_no", "village", "village_group", "survey_year", "status", "exit_year", "entry_state",
            "head_name", "household_size", "net_income", "net_income_per_capita", *HOUSEHOLD_INPUT_FIELDS,
            "quality_errors", "quality_warnings", "version", "created_at", "updated_at", "members", "findings",
            "monitored", "monitoring", "exit_case",
        ]  # fmt: skip
        read_only_fields = fields

    def _procedures(self, household: Household) -> HouseholdProcedures:
        """Read once for the three fields (exits.selectors; the caller already sees the household)."""
        cached = getattr(self, "_procedures_cache", None)
        if cached is None or cached[0] != household.pk:
            request = self.context.get("request")
            cached = (household.pk, procedures_of(request.user if request else None, household))
            self._procedures_cache = cached
        return cached[1]

    def get_monitored(self, household: Household) -> bool:
        """Whether the household is a monitoring object now (entered, its risk not yet eliminated)."""
        return self._procedures(household).is_monitored

    @extend_schema_field(HouseholdMonitoringSerializer(allow_null=True))
    def get_monitoring(self, household: Household) -> dict | None:
        """Its latest monitoring case (the open one if any), with its risks; null if never alerted."""
        case = self._procedures(household).monitoring
        return HouseholdMonitoringSerializer(case).data if case else None

    @extend_schema_field(HouseholdExitSerializer(allow_null=True))
    def get_exit_case(self, household: Household) -> dict | None:
        """Its latest exit case (state, year), null if none."""
        case = self._procedures(household).exit_case
        return HouseholdExitSerializer(case).data if case else None

    def get_members(self, household: Household) -> list[dict]:
        members = household.members.order_by("-is_active", "position")
        return MemberSerializer(members, many=True).data

    def get_findings(self, household: Household) -> list[dict]:
        return FindingSerializer(household.findings.filter(resolved_at__isnull=True), many=True).data


class MemberWriteSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False, allow_null=True)
    remove = serializers.BooleanField(required=False, default=False)
    change_reason = serializers.CharField(required=False, allow_blank=True, default="")
    confirm_conversion = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = Member
        fields = ["id", "remove", "change_reason", "confirm_conversion", *MEMBER_INPUT_FIELDS]
        extra_kwargs = {
            "gender": {"required": False, "allow_blank": True},
            "name": {"required": False},
            "relation": {"required": False},
            "id_number": {"required": False, "validators": []},
        }

    def validate(self, attrs):
        return attrs  # the rules are the service's; nothing here would catch what it does not


class HouseholdWriteSerializer(serializers.ModelSerializer):
    village = serializers.CharField(required=False, help_text="village code (12 digits), when creating")
    village_group = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    version = serializers.IntegerField(required=False, help_text="the version you read; required when changing")
    members = MemberWriteSerializer(many=True, required=False)
    submit = serializers.BooleanField(required=False, default=False)
    notes = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False, default=dict)

    class Meta:
        model = Household
        fields = ["village", "village_group", "version", "submit", "notes", "members", *HOUSEHOLD_INPUT_FIELDS]
        extra_kwargs = {name: {"required": False} for name in HOUSEHOLD_INPUT_FIELDS}

    def validate(self, attrs):
        return attrs
