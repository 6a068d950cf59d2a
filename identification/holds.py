"""The identification cases that hold their household (households.holds): from the home check
(入户查), signed by the head, until the county confirms; an announced case leaves the household
registered, and the city's spot-check sends a case back to the home check if the record is wrong."""

from __future__ import annotations

from households.holds import hold_finder
from identification.choices import CampaignKind, CaseState

__all__ = ["HOLDING_STATES", "identification_holds"]

HOLDING_STATES = (
    CaseState.HOME_CHECKED,
    CaseState.FIRST_PUBLICITY,
    CaseState.FIRST_PUBLICIZED,
    CaseState.TOWNSHIP_REVIEWED,
    CaseState.SECOND_PUBLICITY,
    CaseState.SECOND_PUBLICIZED,
    CaseState.COUNTY_CONFIRMED,
)


@hold_finder
def identification_holds(household_ids: list[int]) -> dict[int, str]:
    from identification.models import Case

    rows = Case.objects.filter(household_id__in=household_ids, state__in=HOLDING_STATES).values_list(
        "household_id", "campaign__kind", "state"
    )
    return {pk: f"{CampaignKind(kind).label} · {CaseState(state).label}" for pk, kind, state in rows}
