"""The table of roles: the level a role is granted at and the actions it allows there.

This is the single place that says who may do what (DESIGN.md, "Who uses it"). Scopes, pages,
the API, the `grant` command and the authorization test matrix all read it.
"""

from __future__ import annotations

from areas.choices import Action, Level, Role

__all__ = ["ROLE_ACTIONS", "ROLE_LEVEL", "permission_codename", "role_from_codename"]

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    # enters and corrects survey forms, files applications, records village meetings and votes
    Role.VILLAGE_CLERK: frozenset({Action.VIEW, Action.CAPTURE, Action.REVEAL}),
    # checks households, reviews, runs township publicity, proposes exits
    Role.TOWNSHIP_REVIEWER: frozenset({Action.VIEW, Action.CAPTURE, Action.REVIEW, Action.REVEAL, Action.EXPORT}),
    # sets quotas, approves, publishes announcements, manages projects, funds, villages and people
    Role.COUNTY_OFFICER: frozenset(
        {
            Action.VIEW,
            Action.APPROVE,
            Action.REVEAL,
            Action.EXPORT,
            Action.MANAGE_AREAS,
            Action.MANAGE_PEOPLE,
            Action.SET_QUOTA,
        }
    ),
    # spot-checks and views everything in the city
    Role.CITY_INSPECTOR: frozenset({Action.VIEW, Action.INSPECT, Action.EXPORT, Action.SET_QUOTA}),
    # views, downloads Excel summaries and rolling plans
    # (quotas: each level splits its own quota among the areas below it, DOMAIN.md section 6)
    # (the monitoring line of each year is the province's, DOMAIN.md section 4.3; county exits:
    # the province verifies and announces them, section 8)
    Role.PROVINCE_OFFICER: frozenset(
        {Action.VIEW, Action.EXPORT, Action.SET_QUOTA, Action.SET_LINE, Action.VERIFY_EXIT}
    ),
    # reads everything in scope, including the audit trail; changes nothing
    Role.AUDITOR: frozenset({Action.VIEW, Action.AUDIT, Action.EXPORT}),
}

#: the level of area a role is granted on; None: any level
ROLE_LEVEL: dict[str, str | None] = {
    Role.VILLAGE_CLERK: Level.VILLAGE,
    Role.TOWNSHIP_REVIEWER: Level.TOWNSHIP,
    Role.COUNTY_OFFICER: Level.COUNTY,
    Role.CITY_INSPECTOR: Level.CITY,
    Role.PROVINCE_OFFICER: Level.PROVINCE,
    Role.AUDITOR: None,
}

_PREFIX = "role_"


def permission_codename(role: str) -> str:
    """The guardian permission on Area that stands for holding ``role`` there."""
    return f"{_PREFIX}{role}"


def role_from_codename(codename: str) -> str | None:
    if not codename.startswith(_PREFIX):
        return None
    role = codename[len(_PREFIX) :]
    return role if role in ROLE_ACTIONS else None
