"""Reads across assistance: coverage gaps, and the rolling-plan figures that follow from the
households' planned exit years (DOMAIN.md sections 10 and 11)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

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
    "plan_rollup",
    "village_exit_years",
    "village_plan_rows",
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
    on = on or timezone.localdate()  # the office's day (TIME_ZONE), not the server's
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
    return _thresholds()[bool(province)]


def _thresholds() -> tuple[Decimal, Decimal]:
    """(elsewhere, western provinces)."""
    return (
        Decimal(str(settings.POVERTY_INCIDENCE_THRESHOLD)),
        Decimal(str(settings.POVERTY_INCIDENCE_THRESHOLD_WESTERN)),
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
    after the households planned to exit by then, fall under the incidence threshold.

    Without ``exits`` it is one SQL statement (``_village_exit_rows``): the plans are read once
    and the exit years computed in the database, so a province's 27,000 villages cost one row
    each and no Python loop over their exits. A caller that has read ``planned_exits`` already
    passes them and gets the same result from them (``_village_exit_years_from``)."""
    threshold = exit_threshold(prefix) if threshold is None else threshold
    if exits is not None:
        return _village_exit_years_from(prefix, plan_year, years, exits, threshold)
    horizon = list(range(plan_year, plan_year + years))
    return [
        VillagePlan(village, figures_year, population, poor, dict(zip(horizon, remaining, strict=True)), exit_year)
        for village, figures_year, population, poor, exit_year, *remaining in _village_exit_rows(
            prefix, plan_year, horizon, threshold
        )
    ]


def _village_exit_rows(prefix: str, plan_year: int, horizon: list[int], threshold: Decimal) -> list[tuple]:
    """(village, figures year, rural population, poor people, exit year, remaining per year...)
    for every village under ``prefix`` with figures up to the plan year or a poor household's plan."""
    width = 5 + len(horizon)
    return [row[:width] for row in village_plan_rows([prefix], plan_year, horizon, threshold)]


def village_plan_rows(
    prefixes: list[str], plan_year: int, horizon: list[int], threshold: Decimal, *, frozen: bool = False
) -> list[tuple]:
    """(village, figures year, rural population, poor people, exit year, remaining per year...,
    households leaving by each year..., people leaving by each year..., the threshold's numerator
    and denominator) for every village under
    any of ``prefixes`` with figures up to the plan year or a poor household's plan: one
    statement, the plans read once.

    The latest plan and the latest figures are the rows whose year is the greatest up to the
    year (``MAX(year) OVER (PARTITION BY ...)``: a sort of the area's rows, 1 ms less at a
    county than the NOT EXISTS anti-join's index probe per plan, docs/performance.md; one plan per
    household and year, households never change village, so the same rows). The households and people
    leaving by each year of the horizon are cumulative sums over the planned exit years, written
    as one conditional sum per year (the horizon is a few years) so that SQLite and PostgreSQL run
    the same text; overdue plans fall in the first year. The incidence test is exact integer
    arithmetic: remaining × d < n × population for the threshold n/d, as Decimal division was.

    ``frozen``: the plans and households of the frozen year ``plan_year`` (年度定案) instead of
    the living ones: each household's latest exits.PlanYear up to that year, counted when the
    household was poor in that year's HouseholdYear, with its size and village there. The
    villages' figures are living records either way."""
    if not prefixes:
        return []
    sql, params = _village_plan_sql(prefixes, plan_year, horizon, threshold, frozen=frozen)
    return _fetch(f"{sql} ORDER BY village", params)


def plan_rollup(
    prefixes: list[str],
    plan_year: int,
    horizon: list[int],
    digits: int,
    *,
    frozen: bool = False,
    extra: tuple[str, list] | None = None,
) -> tuple[dict[str, tuple], dict[str, int], list[tuple]]:
    """``village_plan_rows`` summed in the same statement, for a report by child area: per child
    area (the first ``digits`` of the code), (villages exiting in each year..., households leaving
    by each year..., people leaving by each year...); and each county's exit year, where one falls
    in the horizon: the first year in which its villages' remaining poor people, summed, fall
    under the threshold over their summed rural population. The threshold (``exit_threshold``
    of the province) is read by the statement itself. A few rows instead of one per village
    (620 in a county: their transfer and a Python pass over them were 2 ms of a 9 ms statement),
    and no query of its own for the threshold.

    ``extra``: a caller's own SELECT of five columns (the key, three figures; any SQL and its
    parameters) sent in the same statement, its rows returned third as they come: one round
    trip instead of two (the rolling plan's measures)."""
    if not prefixes:
        return {}, {}, []
    sql, params = _village_plan_sql(prefixes, plan_year, horizon, None, frozen=frozen)
    years = range(len(horizon))
    exits = ", ".join(f"SUM(CASE WHEN v.exit_year = {int(year)} THEN 1 ELSE 0 END)" for year in horizon)
    leaving = ", ".join([f"SUM(v.n{i})" for i in years] + [f"SUM(v.l{i})" for i in years])
    county_exit = " ".join(
        f"WHEN SUM(v.population) > 0 AND SUM(v.r{i}) * MAX(v.den) < MAX(v.num) * SUM(v.population) THEN {int(year)}"
        for i, year in zip(years, horizon, strict=True)
    )
    zeros = ", ".join(["0"] * (3 * len(horizon) - 1))  # the children's columns, less the exit year's
    extra_sql = ""
    if extra is not None:
        padding = "".join(", 0" for _ in range(3 * len(horizon) - 3))
        extra_sql = f"UNION ALL SELECT 3, x.*{padding} FROM ({extra[0]}) x"
        params = [*params, *extra[1]]
    rows = _fetch(
        f"""WITH v AS ({sql})
        SELECT 1, substr(v.village, 1, {int(digits)}), {exits}, {leaving} FROM v GROUP BY 2
        UNION ALL
        SELECT 2, substr(v.village, 1, 6), {zeros}, CASE {county_exit} END FROM v GROUP BY 2
        {extra_sql}""",
        params,
    )
    # sums of sums are numeric on PostgreSQL (Decimal): counts here, so ints
    children = {row[1]: tuple(int(value or 0) for value in row[2:]) for row in rows if row[0] == 1}
    counties = {row[1]: int(row[-1]) for row in rows if row[0] == 2 and row[-1] is not None}
    return children, counties, [tuple(row[1:5]) for row in rows if row[0] == 3]


def _fetch(sql: str, params: list) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _village_plan_sql(
    prefixes: list[str], plan_year: int, horizon: list[int], threshold: Decimal | None, *, frozen: bool
) -> tuple[str, list]:
    """The statement of ``village_plan_rows``, unordered, its columns named (village,
    figures_year, population, poor, exit_year, r0..., n0..., l0..., num, den: the threshold as
    num/den), and its parameters. ``threshold`` None: the province's (``exit_threshold``), read
    in the statement from the province's row."""
    from exits.models import PlanYear
    from households.models import HouseholdYear

    figures_t = VillageFigures._meta.db_table
    if threshold is not None:
        numerator, denominator = threshold.as_integer_ratio()
        fraction, fraction_params = f"(SELECT {numerator} AS num, {denominator} AS den) t", []
    else:
        (n, d), (wn, wd) = (value.as_integer_ratio() for value in _thresholds())
        # one row whether the province's row exists or not (an aggregate over none is NULL)
        fraction = f"""(SELECT COALESCE(MAX(CASE WHEN a.is_western THEN {wn} ELSE {n} END), {n}) AS num,
                               COALESCE(MAX(CASE WHEN a.is_western THEN {wd} ELSE {d} END), {d}) AS den
                        FROM {Area._meta.db_table} a WHERE a.code = %s) t"""
        fraction_params = [prefixes[0][:2].ljust(12, "0")]
    if frozen:
        plan_t, household_t = PlanYear._meta.db_table, HouseholdYear._meta.db_table
        village, join = "h.area_code", f"h.household_id = p.household_id AND h.year = {int(plan_year)}"
    else:
        plan_t, household_t = Plan._meta.db_table, Household._meta.db_table
        village, join = "h.village_id", "h.id = p.household_id"
    years = range(len(horizon))
    leaving = ", ".join(
        [f"CASE WHEN p.planned_exit_year <= {int(year)} THEN 1 ELSE 0 END" for year in horizon]
        + [f"CASE WHEN p.planned_exit_year <= {int(year)} THEN h.household_size ELSE 0 END" for year in horizon]
    )
    # the first branch names the columns
    zeros = ", ".join([f"0 AS n{i}" for i in years] + [f"0 AS l{i}" for i in years])
    sums = ", ".join([f"SUM(u.n{i}) AS n{i}" for i in years] + [f"SUM(u.l{i}) AS l{i}" for i in years])
    remaining = [f"CASE WHEN v.poor > v.l{i} THEN v.poor - v.l{i} ELSE 0 END" for i in years]
    exit_year = " ".join(
        f"WHEN v.population > 0 AND ({r}) * t.den < t.num * v.population THEN {int(year)}"
        for r, year in zip(remaining, horizon, strict=True)
    )
    counts = ", ".join([f"v.n{i} AS n{i}" for i in years] + [f"v.l{i} AS l{i}" for i in years])
    named = ", ".join(f"{r} AS r{i}" for i, r in enumerate(remaining))

    def under(column: str) -> str:
        return "(" + " OR ".join([f"{column} LIKE %s"] * len(prefixes)) + ")"

    likes = [prefix + "%" for prefix in prefixes]
    # the figures and the plans are stacked (UNION ALL) and grouped by village rather than
    # joined: PostgreSQL estimated the join of two grouped CTEs at a million rows and spent
    # 2 s compiling it with JIT for 27,000 rows; the stacked form is estimated right
    sql = f"""
        SELECT v.village AS village, v.year AS figures_year, v.population AS population, v.poor AS poor,
               CASE {exit_year} END AS exit_year, {named}, {counts}, t.num AS num, t.den AS den
        FROM (
            SELECT u.village, MAX(u.year) AS year, COALESCE(MAX(u.population), 0) AS population,
                   COALESCE(MAX(u.poor), SUM(u.planned), 0) AS poor, {sums}
            FROM (
                SELECT f.village_id AS village, f.year, f.rural_registered_population AS population,
                       f.poor_people AS poor, 0 AS planned, {zeros}
                FROM (
                    SELECT f.village_id, f.year, f.rural_registered_population, f.poor_people,
                           MAX(f.year) OVER (PARTITION BY f.village_id) AS latest
                    FROM {figures_t} f WHERE {under("f.village_id")} AND f.year <= %s
                ) f
                WHERE f.year = f.latest
                UNION ALL
                SELECT {village}, NULL, NULL, NULL, h.household_size, {leaving}
                FROM (
                    SELECT p.household_id, p.year, p.planned_exit_year,
                           MAX(p.year) OVER (PARTITION BY p.household_id) AS latest
                    FROM {plan_t} p WHERE {under("p.area_code")} AND p.year <= %s
                ) p
                JOIN {household_t} h ON {join}
                WHERE p.year = p.latest AND h.status IN ({", ".join(["%s"] * len(_POOR))})
            ) u
            GROUP BY u.village
        ) v
        CROSS JOIN {fraction}
    """
    params = [*likes, plan_year, *likes, plan_year, *_POOR, *fraction_params]
    return sql, params


def _village_exit_years_from(
    prefix: str, plan_year: int, years: int, exits: dict[str, dict[int, tuple[int, int]]], threshold: Decimal
) -> list[VillagePlan]:
    """The same from exits already read, in Python (two queries: the figures, the threshold)."""
    horizon = list(range(plan_year, plan_year + years))
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
