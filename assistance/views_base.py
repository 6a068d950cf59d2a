"""What the assistance pages and API share: finding what a URL names within the user's scope
(404 outside it, 403 without the action), and the reads a household's assistance is shown with."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from areas.choices import Action, Level
from areas.models import Area
from assistance.cadre_scope import households_paired_with
from assistance.choices import SUGGESTED_MEASURES, MeasureCode, ProjectState
from assistance.models import Project
from assistance.units import cadres_visible_to, works_in_county
from core.shortcuts import area_or_404, may_any, require_any
from households.choices import CAUSES
from households.models import CauseCode, Household

__all__ = [
    "ASSIGNERS",
    "WORKERS",
    "area_or_404",
    "cadre_or_404",
    "cause_names",
    "county_or_404",
    "household_or_404",
    "may_any",
    "project_or_404",
    "projects_for_measures",
    "require_any",
    "suggestions",
]

#: who works on a household's plan and visits (assistance.services._household's default)
WORKERS = (Action.CAPTURE, Action.REVIEW, Action.APPROVE)
#: who changes a household's cadre and records its payments
ASSIGNERS = (Action.REVIEW, Action.APPROVE)

_CAUSE_NAMES = dict(CAUSES)


def cause_names(household: Household) -> dict[str, str]:
    """Code → name of the household's causes: the national list, and the province's own
    additions (CauseCode rows) only when a cause is not on the national list."""
    codes = [code for code in [household.main_cause, *(household.other_causes or [])] if code]
    names = {code: _CAUSE_NAMES[code] for code in codes if code in _CAUSE_NAMES}
    missing = [code for code in codes if code not in names]
    if missing:
        province = household.village_id[:2].ljust(12, "0")
        rows = CauseCode.objects.filter(code__in=missing).filter(Q(province__isnull=True) | Q(province_id=province))
        names.update(dict(rows.values_list("code", "name")))
    return {code: names.get(code, code) for code in codes}


def county_or_404(user, code: str, actions: Iterable[str] = ()) -> Area:
    """A county the user works in or above (its cadres are theirs to choose from), 404 otherwise;
    one of ``actions`` on the county itself, 403 otherwise."""
    county = Area.objects.filter(code=code, level=Level.COUNTY).first()
    if county is None or not works_in_county(user, county.code):
        raise Http404
    actions = tuple(actions)
    if actions and not may_any(user, actions, county.code):
        raise PermissionDenied
    return county


def cadre_or_404(user, pk: int, actions: Iterable[str] = ()):
    cadre = cadres_visible_to(user).select_related("county").filter(pk=pk).first()
    if cadre is None:
        raise Http404
    actions = tuple(actions)
    if actions and not may_any(user, actions, cadre.county_id):
        raise PermissionDenied
    return cadre


def household_or_404(user, pk: int, actions: Iterable[str] = (), *, paired: bool = False) -> Household:
    """The household if the user sees it by role, or (``paired``) if it is paired with the user
    as its responsible cadre today; 404 otherwise. One of ``actions`` allowed there, 403 otherwise.
    ``household.by_role`` says whether a role shows it (links to the registry, the village…)."""
    related = ("village__parent__parent", "village_group")
    household = Household.objects.visible_to(user, Action.VIEW).select_related(*related).filter(pk=pk).first()
    by_role = household is not None
    if household is None and paired:
        household = households_paired_with(user).select_related(*related).filter(pk=pk).first()
    if household is None:
        raise Http404
    household.by_role = by_role
    actions = tuple(actions)
    if actions and not may_any(user, actions, household.village_id):
        raise PermissionDenied
    return household


def project_or_404(user, pk: int) -> Project:
    project = (
        Project.objects.visible_to(user, Action.VIEW)
        .select_related("location", "county", "created_by")
        .filter(pk=pk)
        .first()
    )
    if project is None:
        raise Http404
    return project


def projects_for_measures(user, household: Household):
    """Approved projects of the household's county the user sees: a measure may belong to one."""
    return (
        Project.objects.visible_to(user, Action.VIEW)
        .filter(county_id=household.village_id[:6].ljust(12, "0"))
        .filter(state__in=[ProjectState.APPROVED, ProjectState.UNDER_WAY, ProjectState.DONE])
        .order_by("-created_at")
        .only("id", "name")
    )


def suggestions(household: Household, names: dict[str, str], codes_this_year: set[str]) -> list[dict]:
    """For each cause of the household, the measures that answer it (因病 → 医疗救助、兜底保障),
    each marked when the plan of the year already has it."""
    rows = []
    for cause in [household.main_cause, *(household.other_causes or [])]:
        if not cause:
            continue
        suggested = SUGGESTED_MEASURES.get(cause, ())
        rows.append(
            {
                "cause": cause,
                "cause_name": names.get(cause, cause),
                "measures": [
                    {"code": code, "label": MeasureCode(code).label, "planned": code in codes_this_year}
                    for code in suggested
                ],
                "answered": any(code in codes_this_year for code in suggested),
            }
        )
    return rows
