"""Where a report reads its households from: the live registry for the open year, the frozen
snapshot (households.HouseholdYear, 年度定案) for a closed one.

Every report asks ``households_for(context)`` and gets one queryset with the same annotated names
whichever the source (``r_area``, ``r_status``, ``r_size``, ``r_attribute``, ``r_cause``,
``r_exit_year``, ``r_income``), so its GROUP BY is written once. The snapshot is what exits.frozen.freeze_year
writes: the columns ``area_code``, ``status`` and ``household_size`` of HouseholdYear, and in its
JSON ``data`` every field of the household under its model name (``poverty_attribute``,
``main_cause``, ``exit_year``; tests/reporting/test_frozen_source.py freezes a year and reads it
back, so a renamed key fails there). Rows are always limited to the requester's scope
(``visible_to``) unless the job is a scheduled build, which reads its whole area.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import CharField, F, IntegerField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from areas.choices import Action, Level
from areas.codes import LEVEL_DIGITS, level_below
from areas.models import Area
from areas.scopes import prefixes_within, scope_of
from exits.frozen import is_frozen
from households.models import Household, HouseholdYear

__all__ = ["POOR_STATUSES", "ReportContext", "child_key", "households_for", "open_year", "uses_snapshot"]

#: statuses that count as poor (未脱贫) in reports: registered, planned to exit this year, returned
POOR_STATUSES = ("registered", "pre_exit", "returned")


def open_year() -> int:
    """The year the live registry stands for: the calendar year."""
    return timezone.localdate().year


@dataclass
class ReportContext:
    """What every report is built for: an area, a year, and whose scope limits the rows.

    ``actor`` None means a scheduled build of the whole area (no user scope to apply).
    """

    area: Area
    year: int
    actor: object | None = None
    children: list[Area] = field(default_factory=list)

    def __post_init__(self):
        if not self.children:
            level = level_below(self.area.level)
            if self.area.level == Level.VILLAGE or level is None:
                self.children = [self.area]
            else:
                self.children = list(self.area.children.filter(level=level, is_revoked=False).order_by("code"))

    @property
    def child_digits(self) -> int:
        """Code digits that name a row's child area (9 for the townships of a county)."""
        if self.area.level == Level.VILLAGE:
            return LEVEL_DIGITS[Level.VILLAGE]
        return LEVEL_DIGITS[level_below(self.area.level)]

    @property
    def prefix(self) -> str:
        return self.area.prefix

    @cached_property
    def snapshot(self) -> bool:
        # cached: for the open year it asks whether the county froze it, and reports ask often
        return uses_snapshot(self.area, self.year)

    @property
    def as_of(self) -> datetime.date:
        """The day a year's figures stand on: today for the open year, else its last day."""
        if self.year >= open_year():
            return timezone.localdate()
        return datetime.date(self.year, 12, 31)

    def scope_prefixes(self) -> list[str]:
        """The code prefixes ``scoped`` limits rows to, for a report's own SQL: the area's prefix
        when the requester may view the whole area (or for a scheduled build), else the parts of
        it their grants reach (none: no rows)."""
        if self.actor is None:
            return [self.prefix]
        return prefixes_within(scope_of(self.actor, Action.VIEW), self.prefix)

    def scoped(self, queryset: QuerySet) -> QuerySet:
        """The queryset (of a ScopedQuerySet model) under the area, within the requester's view
        scope: the rows of ``visible_to`` within ``in_area``, said once as ``scope_prefixes``. (Both
        filters at once said the area's prefix twice, and PostgreSQL, taking the two conditions as
        independent, expected a fiftieth of the rows: a county's findings were counted by two
        parallel workers, 9 ms instead of 1.)"""
        # a model with a code range (households, members) gets it too, as visible_to gives it:
        # the prefix alone let PostgreSQL prefer ANDing a county's rows with an index over the
        # whole province's (44 ms against 16)
        return queryset.within(self.scope_prefixes())


def uses_snapshot(area: Area, year: int) -> bool:
    """A past year reads the frozen snapshot; so does the open year once the county froze it."""
    if year < open_year():
        return True
    return area.level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE) and is_frozen(area.code, year)


def households_for(context: ReportContext) -> QuerySet:
    """Households of the context's area and year, annotated with the names reports group by."""
    if context.snapshot:
        rows = HouseholdYear.objects.filter(year=context.year, area_code__startswith=context.prefix)
        if context.actor is not None:
            visible = Household.objects.visible_to(context.actor, Action.VIEW).values("pk")
            rows = rows.filter(household__in=visible)
        return rows.annotate(
            r_area=F("area_code"),
            r_status=F("status"),
            r_size=Cast(F("household_size"), IntegerField()),
            # cast to text: compared with plain strings, not with JSON values
            r_attribute=Cast(KeyTextTransform("poverty_attribute", "data"), CharField()),
            r_cause=Cast(KeyTextTransform("main_cause", "data"), CharField()),
            r_exit_year=Cast(KeyTextTransform("exit_year", "data"), IntegerField()),
            r_income=F("net_income_per_capita"),
        )
    return context.scoped(Household.objects.all()).annotate(
        r_area=F("village_id"),
        r_status=F("status"),
        r_size=Cast(F("household_size"), IntegerField()),
        r_attribute=F("poverty_attribute"),
        r_cause=F("main_cause"),
        r_exit_year=F("exit_year"),
        r_income=F("net_income_per_capita"),
    )


def child_key(context: ReportContext, field_name: str = "r_area"):
    """The expression naming each row's child area: the first digits of its area code."""
    return Substr(field_name, 1, context.child_digits)
