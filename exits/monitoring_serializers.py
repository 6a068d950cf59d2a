"""Serializers of the monitoring API: reading cases, lines and flags, and parsing each request."""

from __future__ import annotations

from rest_framework import serializers

from core.serializers import IdField
from exits.models import AttentionFlag, ExitCase, MonitoringCase, MonitoringEvent, MonitoringLine, RiskRecord
from exits.monitoring_choices import EliminationMode, MonitoringChannel, MonitoringKind, MonitoringState, RiskKind
from exits.monitoring_workflow import TRANSITIONS

__all__ = [
    "HouseholdExitSerializer",
    "HouseholdMonitoringSerializer",
    "MonitoringAlertSerializer",
    "MonitoringCaseDetailSerializer",
    "MonitoringCaseSerializer",
    "MonitoringCloseSerializer",
    "MonitoringEliminateSerializer",
    "MonitoringFlagSerializer",
    "MonitoringFlagStartSerializer",
    "MonitoringLineSerializer",
    "MonitoringLineWriteSerializer",
    "MonitoringRefreshResultSerializer",
    "MonitoringRefreshSerializer",
    "MonitoringReturnSerializer",
    "MonitoringRiskSerializer",
    "MonitoringRiskWriteSerializer",
    "MonitoringStepSerializer",
]


class MonitoringCaseSerializer(serializers.ModelSerializer):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    household_status = serializers.CharField(source="household.status", read_only=True)
    exit_year = serializers.IntegerField(source="household.exit_year", read_only=True, allow_null=True)

    class Meta:
        model = MonitoringCase
        fields = [
            "id", "household", "household_no", "head_name", "household_status", "exit_year", "area_code", "year",
            "kind", "channel", "state", "version", "alert_note", "entered_on", "eliminated_on", "elimination_mode",
            "closing_reason", "flag", "publicity_case", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class MonitoringEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = MonitoringEvent
        fields = ["transition", "from_state", "to_state", "actor", "time", "reason", "record"]
        read_only_fields = fields


class MonitoringRiskSerializer(serializers.ModelSerializer):
    measures = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = RiskRecord
        fields = ["id", "kind", "found_on", "description", "measures", "recorded_at"]
        read_only_fields = fields


class MonitoringCaseDetailSerializer(MonitoringCaseSerializer):
    events = MonitoringEventSerializer(many=True, read_only=True)
    risks = MonitoringRiskSerializer(many=True, read_only=True)

    class Meta(MonitoringCaseSerializer.Meta):
        fields = [*MonitoringCaseSerializer.Meta.fields, "events", "risks"]
        read_only_fields = fields


class HouseholdRiskMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    code = serializers.CharField()
    status = serializers.CharField()


class HouseholdRiskSerializer(serializers.ModelSerializer):
    """A risk as the household detail shows it: with the measures answering it and whether the
    case's risk has been eliminated."""

    measures = HouseholdRiskMeasureSerializer(many=True, read_only=True)
    eliminated = serializers.SerializerMethodField()

    class Meta:
        model = RiskRecord
        fields = ["id", "kind", "found_on", "description", "measures", "eliminated"]
        read_only_fields = fields

    def get_eliminated(self, risk: RiskRecord) -> bool:
        return risk.case.eliminated_on is not None


class HouseholdMonitoringSerializer(serializers.ModelSerializer):
    """The household's latest monitoring case in the household detail of the API."""

    risks = HouseholdRiskSerializer(many=True, read_only=True)

    class Meta:
        model = MonitoringCase
        fields = [
            "id", "year", "kind", "channel", "state", "entered_on", "eliminated_on", "elimination_mode",
            "closing_reason", "risks",
        ]  # fmt: skip
        read_only_fields = fields


class HouseholdExitSerializer(serializers.ModelSerializer):
    """The household's latest exit case in the household detail of the API."""

    class Meta:
        model = ExitCase
        fields = ["id", "year", "state"]
        read_only_fields = fields


class MonitoringAlertSerializer(serializers.Serializer):
    household = IdField()
    kind = serializers.ChoiceField(choices=MonitoringKind.choices)
    channel = serializers.ChoiceField(choices=MonitoringChannel.choices)
    note = serializers.CharField(max_length=2000)


class MonitoringStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=[t.name for t in TRANSITIONS if t.name != "eliminate_risk"])
    note = serializers.CharField(max_length=2000)
    on = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, allow_null=True)


class MonitoringReturnSerializer(serializers.Serializer):
    to_state = serializers.ChoiceField(choices=MonitoringState.choices)
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True)


class MonitoringCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True)


class MonitoringRiskWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RiskKind.choices)
    found_on = serializers.DateField()
    description = serializers.CharField(max_length=2000)
    measures = serializers.ListField(child=IdField(), required=False, default=list)


class MonitoringEliminateSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=EliminationMode.choices)
    note = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True)


class MonitoringLineSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id", read_only=True)

    class Meta:
        model = MonitoringLine
        fields = ["id", "year", "province", "amount", "note", "set_at"]
        read_only_fields = fields


class MonitoringLineWriteSerializer(serializers.Serializer):
    province = serializers.RegexField(r"^[0-9]{12}$")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class MonitoringFlagSerializer(serializers.ModelSerializer):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    head_name = serializers.CharField(source="household.head_name", read_only=True)
    household_status = serializers.CharField(source="household.status", read_only=True)

    class Meta:
        model = AttentionFlag
        fields = [
            "id", "household", "household_no", "head_name", "household_status", "area_code", "kind", "year",
            "detail", "raised_at", "cleared_at",
        ]  # fmt: skip
        read_only_fields = fields


class MonitoringRefreshSerializer(serializers.Serializer):
    area = serializers.RegexField(r"^[0-9]{12}$")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False, allow_null=True)


class MonitoringRefreshResultSerializer(serializers.Serializer):
    area_code = serializers.CharField()
    year = serializers.IntegerField()
    raised = serializers.DictField(child=serializers.IntegerField())
    cleared = serializers.DictField(child=serializers.IntegerField())


class MonitoringFlagStartSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MonitoringKind.choices, required=False, allow_null=True)
