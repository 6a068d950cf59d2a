"""API shapes of assistance. Input serializers parse only: the rules (overlaps, members of the
household, amounts, frozen years, targets, who takes which step) are the services', which answer
in the one error shape with the field at fault. No ID numbers, phones of households or bank
accounts go out."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assistance.choices import MEASURES, MeasureCode, MeasureStatus
from assistance.models import Cadre, FundPayment, Measure, Pairing, Plan, Project, UnitAssignment, Visit, WorkTeam
from core.serializers import IdField

__all__ = [
    "AdvanceSerializer",
    "BeneficiariesWriteSerializer",
    "BeneficiaryComparisonSerializer",
    "BulkPairingResultSerializer",
    "BulkPairingSerializer",
    "BulkPlanCopySerializer",
    "CadreCreateSerializer",
    "CadreEndSerializer",
    "CadreLoginSerializer",
    "CadreSerializer",
    "CoverageSerializer",
    "EndSerializer",
    "LedgerSerializer",
    "MeasureCreateSerializer",
    "MeasureSerializer",
    "MeasureStatusSerializer",
    "MyHouseholdSerializer",
    "PairingCreateSerializer",
    "PairingSerializer",
    "PaymentCreateSerializer",
    "PaymentSerializer",
    "PlanChangeSerializer",
    "PlanCopySerializer",
    "PlanSerializer",
    "PlanWriteSerializer",
    "ProjectCreateSerializer",
    "ProjectSerializer",
    "RollingPlanSerializer",
    "UnitAssignmentCreateSerializer",
    "UnitAssignmentSerializer",
    "VisitCreateSerializer",
    "VisitSerializer",
    "WorkTeamCreateSerializer",
    "WorkTeamSerializer",
]

#: amounts are parsed as numbers of at most 12 digits before the point; the service says what is too much
_AMOUNT = {"max_digits": 14, "decimal_places": 2}


def _code_field(**extra) -> serializers.RegexField:
    return serializers.RegexField(r"^\d{12}$", **extra)


# --- cadres and pairings --------------------------------------------------------------------------


class CadreSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county_id", read_only=True)
    has_login = serializers.SerializerMethodField(help_text="whether a login is linked to the cadre")

    class Meta:
        model = Cadre
        fields = ["id", "county", "name", "unit", "position", "phone", "starts_on", "ends_on", "has_login"]
        read_only_fields = fields

    def get_has_login(self, cadre: Cadre) -> bool:
        return cadre.user_id is not None


class CadreCreateSerializer(serializers.Serializer):
    county = _code_field(help_text="county code (12 digits)")
    name = serializers.CharField(max_length=50, allow_blank=True)
    unit = serializers.CharField(max_length=100, allow_blank=True)
    position = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()
    username = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default="", help_text="the cadre's login, optional"
    )


class CadreLoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, allow_blank=True, help_text="the login; empty to unlink")


class CadreEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField()


EndSerializer = CadreEndSerializer


class PairingSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)
    cadre_unit = serializers.CharField(source="cadre.unit", read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "household", "cadre", "cadre_name", "cadre_unit", "starts_on", "ends_on", "reason"]
        read_only_fields = fields


class PairingCreateSerializer(serializers.Serializer):
    household = IdField()
    cadre = IdField()
    starts_on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BulkPairingSerializer(serializers.Serializer):
    village = _code_field(help_text="the village the households belong to")
    households = serializers.ListField(child=IdField(), min_length=1, max_length=500)
    cadre = IdField()
    starts_on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BulkPairingResultSerializer(serializers.Serializer):
    succeeded = serializers.ListField(child=serializers.IntegerField())
    failed = serializers.DictField(child=serializers.CharField(), help_text="household id → why it was not changed")


# --- visits ----------------------------------------------------------------------------------------


class VisitSerializer(serializers.ModelSerializer):
    cadre_name = serializers.CharField(source="cadre.name", read_only=True)

    class Meta:
        model = Visit
        fields = ["id", "household", "cadre", "cadre_name", "visited_on", "found", "done", "recorded_at"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer):
    household = IdField()
    cadre = IdField()
    visited_on = serializers.DateField()
    found = serializers.CharField(allow_blank=True)
    done = serializers.CharField(required=False, allow_blank=True, default="")


# --- plans and measures -------------------------------------------------------------------------------


class MeasureSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()
    applies_to = serializers.SerializerMethodField()
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "id", "plan", "household", "code", "label", "applies_to", "year", "content", "cost", "funding_source",
            "status", "members", "project",
        ]  # fmt: skip
        read_only_fields = fields

    def get_label(self, measure: Measure) -> str:
        return MeasureCode(measure.code).label

    def get_applies_to(self, measure: Measure) -> str:
        return str(MEASURES[measure.code].applies_to)


class PlanSerializer(serializers.ModelSerializer):
    measures = MeasureSerializer(many=True, read_only=True)

    class Meta:
        model = Plan
        fields = ["id", "household", "year", "planned_exit_year", "note", "version", "updated_at", "measures"]
        read_only_fields = fields


class PlanWriteSerializer(serializers.Serializer):
    household = IdField()
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    planned_exit_year = serializers.IntegerField(min_value=2000, max_value=2100)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, help_text="the version read, when changing a plan")


class PlanChangeSerializer(serializers.Serializer):
    planned_exit_year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="the version read; a stale one answers 409")


class PlanCopySerializer(serializers.Serializer):
    to_year = serializers.IntegerField(min_value=2000, max_value=2100)


class BulkPlanCopySerializer(serializers.Serializer):
    village = _code_field(help_text="the village the households belong to")
    households = serializers.ListField(child=IdField(), min_length=1, max_length=500)
    from_year = serializers.IntegerField(min_value=2000, max_value=2100)
    to_year = serializers.IntegerField(min_value=2000, max_value=2100)


class MeasureCreateSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=MeasureCode.choices)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    content = serializers.CharField(required=False, allow_blank=True, default="")
    cost = serializers.DecimalField(required=False, default=Decimal("0"), **_AMOUNT)
    funding_source = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=MeasureStatus.choices, required=False, default=MeasureStatus.PLANNED)
    members = serializers.ListField(
        child=IdField(), required=False, default=list, help_text="member ids, for measures for persons"
    )
    project = IdField(required=False, allow_null=True, default=None)


class MeasureStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MeasureStatus.choices)
    cost = serializers.DecimalField(required=False, allow_null=True, default=None, **_AMOUNT)
    content = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


# --- projects ------------------------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    county = serializers.CharField(source="county_id", read_only=True)
    location = serializers.CharField(source="location_id", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    beneficiary_households = serializers.SerializerMethodField(
        help_text="ids of the registered poor households named as planned beneficiaries"
    )

    class Meta:
        model = Project
        fields = [
            "id", "county", "location", "location_name", "name", "category", "construction_nature",
            "responsible_unit", "tasks", "budget", "funding_sources", "performance_targets", "mechanism",
            "planned_households", "planned_people", "beneficiary_households", "state", "version", "entry_publicity",
            "completion_publicity", "history", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_beneficiary_households(self, project: Project) -> list[int]:
        return sorted(row.household_id for row in project.beneficiaries.all())


class BeneficiariesWriteSerializer(serializers.Serializer):
    planned_households = serializers.IntegerField(help_text="all households the project is to benefit")
    planned_people = serializers.IntegerField(help_text="all people the project is to benefit")
    households = serializers.ListField(
        child=IdField(), max_length=5000, help_text="ids of the registered poor households named"
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="the version read")


class BeneficiaryRowSerializer(serializers.Serializer):
    household = IdField()
    household_no = serializers.CharField()
    head_name = serializers.CharField()
    household_size = serializers.IntegerField()
    measures = serializers.IntegerField(help_text="measures of the project that reached the household")
    named = serializers.BooleanField(help_text="named as a planned beneficiary")


class BeneficiaryComparisonSerializer(serializers.Serializer):
    """Planned beneficiaries beside the households the project's measures reached."""

    version = serializers.IntegerField()
    planned_households = serializers.IntegerField()
    planned_people = serializers.IntegerField()
    named = BeneficiaryRowSerializer(many=True)
    named_people = serializers.IntegerField()
    reached = BeneficiaryRowSerializer(many=True)
    reached_people = serializers.IntegerField()
    not_reached = BeneficiaryRowSerializer(many=True, help_text="named households no measure reached yet")
    not_named = BeneficiaryRowSerializer(many=True, help_text="households reached but not named")


class FundingRowSerializer(serializers.Serializer):
    source = serializers.CharField(max_length=60)
    amount = serializers.DecimalField(**_AMOUNT)


class MeetingSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, allow_null=True, default=None)
    attendance = serializers.IntegerField(required=False, min_value=0)
    publicity_starts_on = serializers.DateField(required=False)
    publicity_place = serializers.CharField(required=False, max_length=100, allow_blank=True)


class ProjectCreateSerializer(serializers.Serializer):
    location = _code_field(help_text="village (or township) code")
    name = serializers.CharField(max_length=120, allow_blank=True)
    category = serializers.CharField(max_length=60, allow_blank=True)
    construction_nature = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    responsible_unit = serializers.CharField(max_length=100, allow_blank=True)
    tasks = serializers.CharField(allow_blank=True)
    budget = serializers.DecimalField(**_AMOUNT)
    funding_sources = FundingRowSerializer(many=True, required=False, default=list)
    performance_targets = serializers.CharField(required=False, allow_blank=True, default="")
    mechanism = serializers.CharField(required=False, allow_blank=True, default="")
    planned_households = serializers.IntegerField(required=False, default=0)
    planned_people = serializers.IntegerField(required=False, default=0)
    households = serializers.ListField(
        child=IdField(), required=False, default=list, max_length=5000,
        help_text="ids of the registered poor households named as planned beneficiaries",
    )  # fmt: skip
    meeting = MeetingSerializer(required=False, default=dict)

    def validate_funding_sources(self, rows):
        sources = [row["source"].strip() for row in rows]
        if len(set(sources)) != len(sources):
            raise serializers.ValidationError(_("Each funding source once."))
        return rows

    def service_values(self) -> tuple[dict, dict]:
        data = self.validated_data
        values = {key: data[key] for key in (
            "name", "category", "construction_nature", "responsible_unit", "tasks", "budget", "performance_targets",
            "mechanism", "planned_households", "planned_people",
        )}  # fmt: skip
        values["funding_sources"] = {row["source"].strip(): row["amount"] for row in data["funding_sources"]}
        meeting = {key: str(value) for key, value in (data.get("meeting") or {}).items() if value not in (None, "")}
        meeting.setdefault("date", "")
        return values, meeting


class PublicitySerializer(serializers.Serializer):
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=100)


class AdvanceSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    version = serializers.IntegerField(required=False, allow_null=True, default=None)
    publicity = PublicitySerializer(required=False, allow_null=True, default=None)

    def service_publicity(self) -> dict | None:
        raw = self.validated_data.get("publicity")
        if not raw:
            return None
        return {key: str(value) for key, value in raw.items() if value not in (None, "")}


# --- payments --------------------------------------------------------------------------------------------


class PaymentSerializer(serializers.ModelSerializer):
    head_name = serializers.CharField(source="household.head_name", read_only=True)

    class Meta:
        model = FundPayment
        fields = ["id", "household", "head_name", "amount", "paid_on", "purpose", "measure", "project", "recorded_at"]
        read_only_fields = fields


class PaymentCreateSerializer(serializers.Serializer):
    household = IdField()
    amount = serializers.DecimalField(**_AMOUNT)
    paid_on = serializers.DateField()
    purpose = serializers.CharField(max_length=200, allow_blank=True)
    measure = IdField(required=False, allow_null=True, default=None)
    project = IdField(required=False, allow_null=True, default=None)


# --- work teams and units ------------------------------------------------------------------------------------


class WorkTeamSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)

    class Meta:
        model = WorkTeam
        fields = ["id", "village", "dispatching_unit", "leader", "first_secretary", "members", "starts_on", "ends_on"]
        read_only_fields = fields


class WorkTeamCreateSerializer(serializers.Serializer):
    village = _code_field()
    dispatching_unit = serializers.CharField(max_length=100, allow_blank=True)
    leader = serializers.CharField(max_length=50, allow_blank=True)
    first_secretary = serializers.CharField(max_length=50, allow_blank=True)
    members = serializers.ListField(child=serializers.CharField(max_length=50), required=False, default=list)
    starts_on = serializers.DateField()


class UnitAssignmentSerializer(serializers.ModelSerializer):
    village = serializers.CharField(source="village_id", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    unit_kind = serializers.CharField(source="unit.kind", read_only=True)

    class Meta:
        model = UnitAssignment
        fields = ["id", "village", "unit", "unit_name", "unit_kind", "starts_on", "ends_on"]
        read_only_fields = fields


class UnitAssignmentCreateSerializer(serializers.Serializer):
    village = _code_field()
    unit_name = serializers.CharField(max_length=100, allow_blank=True)
    kind = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    starts_on = serializers.DateField()


# --- reads of an area ------------------------------------------------------------------------------------------


class VillageCountSerializer(serializers.Serializer):
    village = serializers.CharField()
    name = serializers.CharField()
    households = serializers.IntegerField()


class VillageNameSerializer(serializers.Serializer):
    village = serializers.CharField()
    name = serializers.CharField()


class CoverageSerializer(serializers.Serializer):
    area = serializers.CharField()
    households_without_cadre = serializers.IntegerField()
    by_village = VillageCountSerializer(many=True)
    villages_without_team = VillageNameSerializer(many=True)
    villages_without_unit = VillageNameSerializer(many=True)


class VillagePlanSerializer(serializers.Serializer):
    village = serializers.CharField()
    name = serializers.CharField()
    figures_year = serializers.IntegerField(allow_null=True)
    rural_population = serializers.IntegerField()
    poor_people = serializers.IntegerField()
    remaining_by_year = serializers.DictField(child=serializers.IntegerField())
    exit_year = serializers.IntegerField(allow_null=True)


class PlannedExitSerializer(serializers.Serializer):
    village = serializers.CharField()
    year = serializers.IntegerField()
    households = serializers.IntegerField()
    people = serializers.IntegerField()


class AreaPlanSerializer(serializers.Serializer):
    """The township or county as a whole: the villages' sums and the exit year they give."""

    rural_population = serializers.IntegerField()
    poor_people = serializers.IntegerField()
    remaining_by_year = serializers.DictField(child=serializers.IntegerField())
    exit_year = serializers.IntegerField(allow_null=True)


class RollingPlanSerializer(serializers.Serializer):
    area = serializers.CharField()
    plan_year = serializers.IntegerField()
    years = serializers.ListField(child=serializers.IntegerField())
    threshold = serializers.DecimalField(max_digits=5, decimal_places=4)
    area_plan = AreaPlanSerializer()
    villages = VillagePlanSerializer(many=True)
    planned_exits = PlannedExitSerializer(many=True)


# --- a cadre's households and a household's ledger ----------------------------------------------------------


class MyHouseholdSerializer(serializers.Serializer):
    """A household paired with the caller today (assistance.cadre_scope.my_households)."""

    id = serializers.IntegerField()
    household_no = serializers.CharField()
    head_name = serializers.CharField()
    village = serializers.CharField(source="village_id")
    village_name = serializers.CharField(source="village.name")
    village_group = serializers.CharField(source="village_group.name", default="")
    household_size = serializers.IntegerField()
    status = serializers.CharField()
    main_cause = serializers.CharField()
    cadre_name = serializers.CharField()
    paired_since = serializers.DateField()
    planned_exit_year = serializers.IntegerField(allow_null=True)
    last_visit = serializers.DateField(allow_null=True)


class LedgerMemberSerializer(serializers.Serializer):
    """A member as the ledger shows them: the ID number masked, nothing about health."""

    id = serializers.IntegerField()
    position = serializers.IntegerField()
    name = serializers.CharField()
    relation = serializers.CharField()
    gender = serializers.CharField()
    id_number_masked = serializers.CharField(source="masked_id")
    age = serializers.IntegerField(allow_null=True)


class LedgerHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    household_no = serializers.CharField()
    head_name = serializers.CharField()
    village = serializers.CharField(source="village_id")
    village_name = serializers.CharField(source="village.name")
    village_group = serializers.CharField(source="village_group.name", default="")
    household_size = serializers.IntegerField()
    poverty_attribute = serializers.CharField()
    status = serializers.CharField()
    main_cause = serializers.CharField()
    other_causes = serializers.ListField(child=serializers.CharField())


class LedgerSerializer(serializers.Serializer):
    """A household's assistance ledger (一户一本台账): what the handbook prints, ID numbers masked."""

    household = LedgerHouseholdSerializer()
    causes = serializers.DictField(child=serializers.CharField(), help_text="cause code → name")
    members = LedgerMemberSerializer(many=True)
    current_cadre = CadreSerializer(allow_null=True)
    pairings = PairingSerializer(many=True)
    planned_exit_year = serializers.IntegerField(allow_null=True)
    plans = PlanSerializer(many=True)
    visits = VisitSerializer(many=True)
    payments = PaymentSerializer(many=True)
    payments_total = serializers.DecimalField(**_AMOUNT)
