"""What waits for a user in assistance, by their roles and areas: households without a responsible
cadre (and poor villages without a work team or unit) for those who assign them, and projects
waiting for the user's step of the library.

Aggregate queries only: assistance.selectors.coverage_gaps per area where the user assigns
cadres (a fixed number each, counts grouped by village), and one grouped count of projects.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from areas.choices import Action, Level
from areas.scopes import grants_of, may, prefixes_for
from assistance import selectors
from assistance.choices import ProjectState
from assistance.models import Project
from assistance.services import PROJECT_STEPS
from core.querysets import prefix_condition

__all__ = ["PROJECT_QUEUE_LABELS", "work_for"]

PROJECT_QUEUE_LABELS = {
    ProjectState.PROPOSED: _("Projects proposed by villages, to review"),
    ProjectState.TOWNSHIP_REVIEWED: _("Projects reviewed by townships, to appraise"),
    ProjectState.COUNTY_APPRAISED: _("Projects appraised, to approve into the library"),
    ProjectState.APPROVED: _("Approved projects, to start"),
    ProjectState.UNDER_WAY: _("Projects under way, to complete"),
}

#: areas whose coverage page exists, with those who assign cadres (township reviewers, county officers)
_COVERAGE_LEVELS = (Level.TOWNSHIP, Level.COUNTY)
_ASSIGNERS = (Action.REVIEW, Action.APPROVE)
_ORDER = [state.value for state in ProjectState]


def _coverage_areas(user) -> list[tuple[str, str, str]]:
    """(code, name, prefix) of the townships and counties where the user assigns cadres."""
    seen: dict[str, tuple[str, str, str]] = {}
    for grant in grants_of(user):
        if grant.area_level in _COVERAGE_LEVELS and any(may(user, a, grant.area_code) for a in _ASSIGNERS):
            seen.setdefault(grant.area_code, (grant.area_code, grant.area_name, grant.prefix))
    return sorted(seen.values())


def work_for(user) -> list[dict]:
    """Each thing waiting for the user: ``key``, ``label``, ``count``, ``url``, ``area`` (its name)
    and ``action`` (the role's action it needs)."""
    if user is None or not user.is_authenticated:
        return []
    items: list[dict] = []
    for code, name, prefix in _coverage_areas(user):
        gaps = selectors.coverage_gaps(prefix)
        url = reverse("assistance:coverage", kwargs={"code": code})
        if gaps.households_without_cadre:
            items.append(
                {
                    "key": "households_without_cadre",
                    "label": _("Poor households without a responsible cadre"),
                    "count": gaps.households_without_cadre,
                    "url": url,
                    "area": name,
                    "action": Action.REVIEW,
                }
            )
        if may(user, Action.APPROVE, code):
            for key, label, villages in (
                ("villages_without_team", _("Poor villages without a work team"), gaps.villages_without_team),
                ("villages_without_unit", _("Poor villages without an assistance unit"), gaps.villages_without_unit),
            ):
                if villages:
                    items.append(
                        {"key": key, "label": label, "count": len(villages), "url": url, "area": name,
                         "action": Action.APPROVE}
                    )  # fmt: skip

    conditions = Q()
    waiting = False
    for state, (_target, action) in PROJECT_STEPS.items():
        if user.is_superuser:
            conditions |= Q(state=state)
            waiting = True
            continue
        prefixes = prefixes_for(user, action)
        if prefixes:
            conditions |= Q(state=state) & prefix_condition("location__code", prefixes)
            waiting = True
    if waiting:
        rows = Project.objects.filter(conditions).values("state").annotate(count=Count("id"))
        for row in sorted(rows, key=lambda r: _ORDER.index(r["state"])):
            items.append(
                {
                    "key": f"projects_{row['state']}",
                    "label": PROJECT_QUEUE_LABELS[row["state"]],
                    "count": row["count"],
                    "url": reverse("assistance:project_list") + f"?state={row['state']}",
                    "area": "",
                    "action": PROJECT_STEPS[row["state"]][1],
                }
            )
    return items
