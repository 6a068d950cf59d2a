"""A responsible cadre's own scope (帮扶责任人): the households paired with them today.

A cadre who logs in (``Cadre.user``) needs no role: the pairing itself is the grant, and it
covers only those households, only while the pairing runs, and only reading them (ID numbers
masked) and recording visits. A cadre who also holds a role sees both. Everything else stays
with the role scopes of areas.scopes; nothing here widens what a role sees.
"""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from assistance.models import Cadre, Pairing, Plan, Visit
from households.models import Household

__all__ = ["cadres_of", "households_paired_with", "is_paired_with", "my_households", "paired_on", "paired_running"]


def paired_on(day: datetime.date, prefix: str = "") -> Q:
    """Pairings running on ``day`` (``prefix``: the path to the pairing, e.g. "pairings__")."""
    return Q(**{f"{prefix}starts_on__lte": day}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": day})
    )


def paired_running(pairing: Pairing, day: datetime.date) -> bool:
    """Whether a pairing already read runs on ``day`` (the same test as ``paired_on``)."""
    return pairing.starts_on <= day and (pairing.ends_on is None or pairing.ends_on >= day)


def _logged_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def cadres_of(user) -> QuerySet[Cadre]:
    """The cadre records of the user (one per county they are a cadre in)."""
    if not _logged_in(user):
        return Cadre.objects.none()
    return Cadre.objects.filter(user=user)


def households_paired_with(user, on: datetime.date | None = None) -> QuerySet[Household]:
    """Households whose pairing with one of the user's cadre records runs today (or ``on``)."""
    if not _logged_in(user):
        return Household.objects.none()
    day = on or timezone.localdate()
    pairings = Pairing.objects.filter(paired_on(day), cadre__user=user)
    return Household.objects.filter(pk__in=pairings.values("household_id"))


def is_paired_with(user, household_id: int, on: datetime.date | None = None) -> bool:
    """Whether the household is paired with the user (as a cadre) today (or ``on``)."""
    if not _logged_in(user):
        return False
    day = on or timezone.localdate()
    return Pairing.objects.filter(paired_on(day), household_id=household_id, cadre__user=user).exists()


def my_households(user, on: datetime.date | None = None) -> QuerySet[Household]:
    """The households paired with the user today, for their list: the village and group, since
    when, the latest plan's exit year and the last visit, in one query."""
    day = on or timezone.localdate()
    mine = Pairing.objects.filter(paired_on(day), cadre__user=user, household=OuterRef("pk"))
    latest_plan = Plan.objects.filter(household=OuterRef("pk")).order_by("-year")
    last_visit = Visit.objects.filter(household=OuterRef("pk")).order_by("-visited_on", "-id")
    return (
        households_paired_with(user, day)
        .select_related("village", "village_group")
        .annotate(
            paired_since=Subquery(mine.order_by("starts_on").values("starts_on")[:1]),
            cadre_name=Subquery(mine.values("cadre__name")[:1]),
            planned_exit_year=Subquery(latest_plan.values("planned_exit_year")[:1]),
            last_visit=Subquery(last_visit.values("visited_on")[:1]),
        )
        .only(
            "id", "household_no", "head_name", "household_size", "status", "main_cause", "poverty_attribute",
            "village__name", "village_group__name",
        )
        .order_by("village_id", "household_no")
    )  # fmt: skip
