"""The exit and monitoring cases that hold their household (households.holds): from the home
verification (入户核实), which the head acknowledges and the village publicizes, until the county
approves the exit or decides on the monitoring. A withdrawn exit, an upheld objection (back to the
village appraisal) and a monitoring case sent back to its alert release the household."""

from __future__ import annotations

from django.utils.translation import gettext as _

from exits.exit_choices import ExitState
from exits.monitoring_choices import MonitoringState
from households.holds import hold_finder

__all__ = ["EXIT_HOLDING_STATES", "MONITORING_HOLDING_STATES", "exit_holds", "monitoring_holds"]

EXIT_HOLDING_STATES = (
    ExitState.HOME_VERIFIED,
    ExitState.ACKNOWLEDGED,
    ExitState.IN_PUBLICITY,
    ExitState.PUBLICIZED,
    ExitState.TOWNSHIP_REVIEWED,
    ExitState.COUNTY_APPROVED,
)
MONITORING_HOLDING_STATES = (
    MonitoringState.HOME_CHECKED,
    MonitoringState.COMMITTED,
    MonitoringState.DATA_COMPARED,
    MonitoringState.VILLAGE_APPRAISED,
    MonitoringState.VILLAGE_PUBLICIZED,
    MonitoringState.TOWNSHIP_REVIEWED,
    MonitoringState.COUNTY_DECIDED,
)


@hold_finder
def exit_holds(household_ids: list[int]) -> dict[int, str]:
    from exits.models import ExitCase

    rows = ExitCase.objects.filter(household_id__in=household_ids, state__in=EXIT_HOLDING_STATES)
    label = _("Exit case")
    return {pk: f"{label} · {ExitState(state).label}" for pk, state in rows.values_list("household_id", "state")}


@hold_finder
def monitoring_holds(household_ids: list[int]) -> dict[int, str]:
    from exits.models import MonitoringCase

    rows = MonitoringCase.objects.filter(household_id__in=household_ids, state__in=MONITORING_HOLDING_STATES)
    label = _("Monitoring case")
    return {pk: f"{label} · {MonitoringState(state).label}" for pk, state in rows.values_list("household_id", "state")}
