"""Reads of the exits app for other apps' pages: what the household page shows of a household's
monitoring and exit."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from areas.choices import Action
from assistance.models import Measure
from exits.models import ExitCase, MonitoringCase, RiskRecord
from exits.monitoring_choices import MonitoringState

__all__ = ["HouseholdProcedures", "procedures_of"]


@dataclass(frozen=True)
class HouseholdProcedures:
    """The household's latest monitoring case (the open one if any: a new alert only follows a
    finished case), its risks with the measures that answer them, and its latest exit case."""

    monitoring: MonitoringCase | None
    exit_case: ExitCase | None

    @property
    def is_monitored(self) -> bool:
        """A monitoring object (监测对象) now: entered and its risk not eliminated."""
        return self.monitoring is not None and self.monitoring.state == MonitoringState.MONITORED


def procedures_of(user, household) -> HouseholdProcedures:
    """Four queries whatever the household's history: the case, its risks, their measures, the exit
    case; through ``visible_to`` when a user is given (the cases lie in the household's village, so
    a caller who already sees the household, such as a service, may pass None)."""
    risks = RiskRecord.objects.order_by("found_on", "id").prefetch_related(
        Prefetch("measures", queryset=Measure.objects.order_by("year", "code", "id"))
    )
    cases, exits = MonitoringCase.objects.all(), ExitCase.objects.all()
    if user is not None:
        cases, exits = cases.visible_to(user, Action.VIEW), exits.visible_to(user, Action.VIEW)
    monitoring = (
        cases.filter(household_id=household.pk)
        .prefetch_related(Prefetch("risks", queryset=risks))
        .order_by("-created_at", "-id")
        .first()
    )
    exit_case = exits.filter(household_id=household.pk).order_by("-year", "-id").first()
    return HouseholdProcedures(monitoring=monitoring, exit_case=exit_case)
