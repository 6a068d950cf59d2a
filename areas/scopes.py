"""From a user's role grants to the area-code prefixes of each action, once per request.

Grants are guardian object permissions on Area, to the user or to a group the user is in.
The result is cached on the user object, which Django builds anew for every request, so a
grant or revocation takes effect on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from areas.codes import LEVEL_DIGITS
from areas.roles import ROLE_ACTIONS, role_from_codename

__all__ = [
    "Grant",
    "forget_grants",
    "grants_of",
    "held_grants",
    "held_grants_of_many",
    "may",
    "prefixes_for",
    "prefixes_within",
    "roles_of",
    "scope_of",
]

_CACHE_ATTRIBUTE = "_area_grants_cache"


@dataclass(frozen=True)
class Grant:
    role: str
    area_code: str
    area_name: str
    area_level: str
    via_group: str | None = None

    @property
    def prefix(self) -> str:
        return self.area_code[: LEVEL_DIGITS[self.area_level]]


def grants_of(user) -> list[Grant]:
    """Every role the user holds on every area, directly or through a group (two queries, then cached).
    An inactive or anonymous user holds none: this is what the user may do now."""
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    if user is not None and user.is_authenticated and user.is_active:
        grants = held_grants_of_many([user.pk])[user.pk]
    if user is not None:
        setattr(user, _CACHE_ATTRIBUTE, grants)
    return grants


def held_grants(person) -> list[Grant]:
    """Every role the person holds, directly or through a group, whether or not the person may log
    in now: what deciding who may manage the person (reset, disable, re-enable) must weigh."""
    return held_grants_of_many([person.pk])[person.pk]


def held_grants_of_many(user_ids) -> dict[int, list[Grant]]:
    """``held_grants`` of several people at once (two queries), by user id, each sorted by area and role."""
    from areas.models import AreaGroupObjectPermission, AreaUserObjectPermission

    user_ids = [pk for pk in user_ids if pk is not None]
    result: dict[int, list[Grant]] = {pk: [] for pk in user_ids}
    if not user_ids:
        return result
    direct = AreaUserObjectPermission.objects.filter(user_id__in=user_ids, permission__codename__startswith="role_")
    for user_id, codename, code, name, level in direct.values_list(
        "user_id", "permission__codename", "content_object__code", "content_object__name", "content_object__level"
    ):
        role = role_from_codename(codename)
        if role:
            result[user_id].append(Grant(role, code, name, level))
    via_groups = AreaGroupObjectPermission.objects.filter(
        group__user__in=user_ids, permission__codename__startswith="role_"
    )
    for user_id, codename, code, name, level, group_name in via_groups.values_list(
        "group__user",
        "permission__codename",
        "content_object__code",
        "content_object__name",
        "content_object__level",
        "group__name",
    ):
        role = role_from_codename(codename)
        if role:
            result[user_id].append(Grant(role, code, name, level, via_group=group_name))
    for grants in result.values():
        grants.sort(key=lambda grant: (grant.area_code, grant.role))
    return result


def forget_grants(user) -> None:
    """Drop the cached grants after the user's roles change within the same request."""
    if user is not None and hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _minimal(prefixes: set[str]) -> list[str]:
    """Drop every prefix already covered by a shorter one, so the SQL has as few conditions as possible."""
    kept: list[str] = []
    for prefix in sorted(prefixes, key=len):
        if not any(prefix.startswith(shorter) for shorter in kept):
            kept.append(prefix)
    return sorted(kept)


def prefixes_for(user, action: str) -> list[str]:
    """Area-code prefixes under which ``user`` may do ``action``; empty when nowhere."""
    return _minimal({grant.prefix for grant in grants_of(user) if action in ROLE_ACTIONS[grant.role]})


def scope_of(user, action: str) -> list[str] | None:
    """Where ``user`` may do ``action``: None for everywhere (an active superuser), else the
    area-code prefixes (empty for nowhere: anonymous, inactive, or no role allowing it). The one
    reading of a user's scope that ``visible_to`` and the SQL of reports and lists share."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return None
    return prefixes_for(user, action)


def prefixes_within(prefixes: list[str] | None, area: str) -> list[str]:
    """The parts of the area with prefix ``area`` that ``prefixes`` reach (None: everywhere): the
    area itself when one of them covers it, else those of them under it (none: nothing). A scope
    and an area said together this way give SQL one condition per part, not both, which PostgreSQL
    would take as independent and so expect a fraction of the rows they select."""
    if prefixes is None or any(area.startswith(prefix) for prefix in prefixes):
        return [area]
    return sorted(prefix for prefix in prefixes if prefix.startswith(area))


def roles_of(user) -> set[str]:
    return {grant.role for grant in grants_of(user)}


def may(user, action: str, code: str) -> bool:
    """Whether ``user`` may do ``action`` on the area (or a row of the area) with this code."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(code.startswith(prefix) for prefix in prefixes_for(user, action))
