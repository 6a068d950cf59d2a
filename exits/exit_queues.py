"""What waits for a user in the exit procedures, by their roles and areas: village clerks the
appraisals, home verifications and acknowledgements, township reviewers publicity and reviews,
county officers approvals and announcements, city inspectors and province officers the filings;
poor villages and counties waiting for a step. Which step waits on whom comes from the transition
tables (exit_workflow.py).

At most three aggregate queries whatever the data (household cases, village cases, county cases).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from areas.scopes import prefixes_for
from core.querysets import prefix_condition
from exits.exit_choices import CountyExitState, ExitState, VillageExitState
from exits.exit_workflow import COUNTY_TRANSITIONS, TRANSITIONS, VILLAGE_TRANSITIONS
from exits.models import CountyExitCase, ExitCase, VillageExitCase

__all__ = ["exit_work_for"]

QUEUE_LABELS = {
    ExitState.PROPOSED: _("Households to appraise at the year-end village meeting"),
    ExitState.VILLAGE_APPRAISED: _("Households to verify at home"),
    ExitState.HOME_VERIFIED: _("Households to sign their acknowledgement"),
    ExitState.ACKNOWLEDGED: _("Households to list on the village's exit notice"),
    ExitState.IN_PUBLICITY: _("Exit publicities to conclude"),
    ExitState.PUBLICIZED: _("Exits to review"),
    ExitState.TOWNSHIP_REVIEWED: _("Exits to approve"),
    ExitState.COUNTY_APPROVED: _("Exits to announce"),
    ExitState.ANNOUNCED: _("Exits to file with the city"),
    ExitState.CITY_FILED: _("Exits to file with the province"),
}


def _waiting(steps) -> dict[str, str]:
    """State → the action of whoever takes a case on from it (withdrawal aside)."""
    result: dict[str, str] = {}
    for step in steps:
        if step.name == "withdraw":
            continue
        for state in step.sources:
            result.setdefault(state, step.action)
    return result


def _condition(user, waiting: dict[str, str], field: str) -> Q | None:
    """Cases at a state whose next step the user may take, under the areas where they may."""
    conditions = []
    by_action: dict[str, list[str]] = {}
    for state, action in waiting.items():
        by_action.setdefault(action, []).append(state)
    for action, states in by_action.items():
        if user.is_superuser:
            conditions.append(Q(state__in=states))
            continue
        prefixes = prefixes_for(user, action)
        if prefixes:
            conditions.append(Q(state__in=states) & prefix_condition(field, prefixes))
    if not conditions:
        return None
    condition = conditions[0]
    for more in conditions[1:]:
        condition |= more
    return condition


def exit_work_for(user) -> list[dict]:
    """Each thing waiting for the user: ``label``, ``count``, ``url``, ``year``."""
    if user is None or not user.is_authenticated:
        return []
    items: list[dict] = []
    order = list(ExitState.values)
    condition = _condition(user, _waiting(TRANSITIONS), "area_code")
    if condition is not None:
        rows = ExitCase.objects.filter(condition).values("year", "state").annotate(count=Count("id"))
        for row in sorted(rows, key=lambda r: (-r["year"], order.index(r["state"]))):
            items.append(
                {
                    "label": QUEUE_LABELS[row["state"]],
                    "count": row["count"],
                    "url": reverse("exit:case_list") + f"?year={row['year']}&state={row['state']}",
                    "year": row["year"],
                }
            )
    for model, steps, field, area, labels in (
        (VillageExitCase, VILLAGE_TRANSITIONS, "village__code", "village__parent_id", VillageExitState),
        (CountyExitCase, COUNTY_TRANSITIONS, "county__code", "county_id", CountyExitState),
    ):
        condition = _condition(user, _waiting(steps), field)
        if condition is None:
            continue
        # grouped by the township (villages) or county, whose incidence page takes the step
        rows = model.objects.filter(condition).values("year", "state", area).annotate(count=Count("id"))
        for row in sorted(rows, key=lambda r: (-r["year"], r[area])):
            label = _("Villages at: %(state)s") if model is VillageExitCase else _("Counties at: %(state)s")
            items.append(
                {
                    "label": label % {"state": labels(row["state"]).label},
                    "count": row["count"],
                    "url": reverse("exit:incidence", kwargs={"code": row[area]}) + f"?year={row['year']}",
                    "year": row["year"],
                }
            )
    return items
