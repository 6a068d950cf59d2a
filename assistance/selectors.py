"""Reads across assistance: coverage gaps, and the rolling-plan figures that follow from the
households' planned exit years (DOMAIN.md sections 10 and 11)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from areas.models import Area, VillageFigures
from assistance.models import Pairing, Plan, UnitAssignment, WorkTeam
from households.models import Household
from identification.models import PoorVillageCase

__all__ = [
    "AreaPlan",
    "BeneficiaryComparison",
    "BeneficiaryRow",
    "CoverageGaps",
    "VillagePlan",
    "area_exit_year",
    "compare_beneficiaries",
    "coverage_gaps",
    "exit_threshold",
    "planned_exits",
    "village_exit_years",
]

_POOR = ("registered", "pre_exit", "returned")


@dataclass
class CoverageGaps:
    households_without_cadre: int = 0
    by_village: dict[str, int] = field(default_factory=dict)
    villages_without_team: list[str] = field(default_factory=list)
    villages_without_unit: list[str] = field(default_factory=list)


def coverage_gaps(prefix: str, on: datetime.date | None = None) -> CoverageGaps:
    """Registered households with no current cadre (不脱贫不脱钩), and poor villages with no work
    team or no assistance unit, under an area. A fixed number of queries."""
    on = on or datetime.date.today()  # noqa: DTZ011 -- a calendar date
    current = Pairing.objects.filter(household=OuterRef("pk"), starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on)
    )
    uncovered = Household.objects.in_area(prefix).filter(status__in=_POOR).exclude(Exists(current))
    gaps = CoverageGaps()
    for village, count in uncovered.values("village_id").annotate(n=Count("id")).values_list("village_id", "n"):
        gaps.by_village[village] = count
        gaps.households_without_cadre += count
    poor_villages = set(
        PoorVillageCase.objects.filter(village__code__startswith=prefix, state="announced").values_list(
            "village_id", flat=True
        )
    )
    active = Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))
    with_team = set(WorkTeam.objects.filter(active, village_id__in=poor_villages).values_list("village_id", flat=True))
    with_unit = set(
        UnitAssignment.objects.filter(active, village_id__in=poor_villages).values_list("village_id", flat=True)
    )
    gaps.villages_without_team = sorted(poor_villages - with_team)
    gaps.villages_without_unit = sorted(poor_villages - with_unit)
    return gaps


def exit_threshold(area_code: str) -> Decimal:
    """The incidence under which a village or county may exit: 2 %, 3 % in western provinces."""
    province = Area.objects.filter(code=area_code[:2].ljust(12, "0")).values_list("is_western", flat=True).first()
    return Decimal(
        str(settings.POVERTY_INCIDENCE_THRESHOLD_WESTERN if province else settings.POVERTY_INCIDENCE_THRESHOLD)
    )


def planned_exits(prefix: str, plan_year: int) -> dict[str, dict[int, tuple[int, int]]]:
    """village → planned exit year → (households, people), from each poor household's plan of
    ``plan_year`` (the household's latest plan up to that year when it has none that year).

    One grouped query: its rows are villages × exit years, never households, so a province's
    plan reads a few tens of thousands of rows however many households it has."""
    latest = Plan.objects.filter(household=OuterRef("household"), year__lte=plan_year).order_by("-year")
    rows = (
        Plan.objects.in_area(prefix)
        .filter(year__lte=plan_year, household__status__in=_POOR, year=Subquery(latest.values("year")[:1]))
        .values_list("household__village_id", "planned_exit_year")
        .annotate(households=Count("household", distinct=True), people=Sum("household__household_size", default=0))
        .order_by()
    )
    result: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for village, year, households, people in rows:
        result[village][year] = (households, people)
    return dict(result)


@dataclass
class VillagePlan:
    village: str
    figures_year: int | None
    rural_population: int
    poor_people: int
    remaining_by_year: dict[int, int]
    exit_year: int | None


def village_exit_years(
    prefix: str,
    plan_year: int,
    years: int = 3,
    *,
    exits: dict[str, dict[int, tuple[int, int]]] | None = None,
    threshold: Decimal | None = None,
) -> list[VillagePlan]:
    """Each village's planned exit year: the first year in which its remaining poor people,
    after the households planned to exit by then, fall under the incidence threshold. A caller
    that has read ``planned_exits`` or the threshold already passes them (no second read)."""
    exits = planned_exits(prefix, plan_year) if exits is None else exits
    horizon = list(range(plan_year, plan_year + years))
    threshold = exit_threshold(prefix) if threshold is None else threshold
    # each village's latest figures up to the plan year, chosen in SQL (not every year's row read)
    latest = VillageFigures.objects.filter(village=OuterRef("village"), year__lte=plan_year).order_by("-year")
    figures = {
        row.village_id: row
        for row in VillageFigures.objects.filter(
            village__code__startswith=prefix, year=Subquery(latest.values("year")[:1])
        ).only("village_id", "year", "rural_registered_population", "poor_people")
    }
    plans = []
    for village in sorted(set(figures) | set(exits)):
        row = figures.get(village)
        population = row.rural_registered_population if row else 0
        poor = row.poor_people if row else sum(p for _h, p in exits.get(village, {}).values())
        remaining = {}
        leaving = 0
        exit_year = None
        for year in horizon:
            leaving += sum(
                p
                for exit_at, (_h, p) in exits.get(village, {}).items()
                if exit_at == year or (year == plan_year and exit_at < plan_year)
            )
            remaining[year] = max(0, poor - leaving)
            if exit_year is None and population and Decimal(remaining[year]) / Decimal(population) < threshold:
                exit_year = year
        plans.append(VillagePlan(village, row.year if row else None, population, poor, remaining, exit_year))
    return plans


@dataclass
class AreaPlan:
    """A township's or county's own exit from its villages' plans: the same incidence test
    (remaining poor people ÷ rural registered population) over the sums of its villages."""

    rural_population: int
    poor_people: int
    remaining_by_year: dict[int, int]
    exit_year: int | None


def area_exit_year(villages: list[VillagePlan], threshold: Decimal) -> AreaPlan:
    """The area's exit year: the first year its villages' remaining poor people, together, fall
    under the threshold of their rural registered population (a county's 摘帽 follows from its
    households through its villages). No query."""
    population = sum(v.rural_population for v in villages)
    poor = sum(v.poor_people for v in villages)
    years = sorted({year for v in villages for year in v.remaining_by_year})
    remaining = {year: sum(v.remaining_by_year.get(year, 0) for v in villages) for year in years}
    exit_year = next(
        (year for year in years if population and Decimal(remaining[year]) / Decimal(population) < threshold), None
    )
    return AreaPlan(population, poor, remaining, exit_year)


@dataclass
class BeneficiaryRow:
    household: int
    household_no: str
    head_name: str
    household_size: int
    measures: int = 0
    named: bool = False


@dataclass
class BeneficiaryComparison:
    """A project's planned beneficiaries beside the households its linked measures reached."""

    planned_households: int
    planned_people: int
    named: list[BeneficiaryRow]
    reached: list[BeneficiaryRow]

    @property
    def named_people(self) -> int:
        return sum(row.household_size for row in self.named)

    @property
    def reached_people(self) -> int:
        return sum(row.household_size for row in self.reached)

    @property
    def not_reached(self) -> list[BeneficiaryRow]:
        """Named households no measure of the project has reached yet."""
        return [row for row in self.named if not row.measures]

    @property
    def not_named(self) -> list[BeneficiaryRow]:
        """Households reached by a measure of the project without being named as beneficiaries."""
        return [row for row in self.reached if not row.named]


def compare_beneficiaries(project, measures) -> BeneficiaryComparison:
    """The comparison for ``project``; ``measures``: the measures linked to it that the reader
    sees. Two queries, whatever the number of households."""
    from assistance.models import ProjectBeneficiary

    fields = ("household_id", "household__household_no", "household__head_name", "household__household_size")
    named = [
        BeneficiaryRow(pk, number, head, size, named=True)
        for pk, number, head, size in ProjectBeneficiary.objects.filter(project=project)
        .order_by("household__household_no")
        .values_list(*fields)
    ]
    by_pk = {row.household: row for row in named}
    reached = []
    for pk, number, head, size, count in (
        measures.values_list(*fields).annotate(n=Count("id")).order_by("household__household_no")
    ):
        row = BeneficiaryRow(pk, number, head, size, measures=count, named=pk in by_pk)
        if pk in by_pk:
            by_pk[pk].measures = count
        reached.append(row)
    return BeneficiaryComparison(project.planned_households, project.planned_people, named, reached)
