"""The three-year rolling plan (三年滚动规划, DOMAIN.md section 11), rolled up by child area:
households and people planned to exit per year, villages and counties planned to exit per year,
and the measures by type and year (households or people covered, funds).

The years are ROLLING_PLAN_YEARS from the report's year. A frozen year's planned exits come from
its snapshot (exits.PlanYear: each household's latest plan frozen up to that year, counted when
the household was poor in that year's HouseholdYear, with its size there); measures and the
villages' figures are living records and read as they stand.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from assistance.choices import MeasureCode
from assistance.models import Measure, Plan
from assistance.selectors import exit_threshold, village_exit_years
from exits.models import PlanYear
from households.models import HouseholdYear
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import POOR_STATUSES, ReportContext
from reporting.tables import MONEY, Column, ReportTable, Row

__all__ = ["build", "horizon", "measure_figures", "planned_exit_figures", "village_exits"]


def horizon(context: ReportContext) -> list[int]:
    return list(range(context.year, context.year + settings.ROLLING_PLAN_YEARS))


def planned_exit_figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → {exit_<year>_h, exit_<year>_p}: poor households by the planned exit year of
    their latest plan up to the report's year. One query."""
    plans = _frozen_plans(context) if context.snapshot else _live_plans(context)
    first = context.year
    rows = (
        plans.annotate(child=Substr("area_code", 1, context.child_digits))
        .values("child", "planned_exit_year")
        .annotate(households=Count("household_id", distinct=True), people=Sum("r_size", default=0))
        .order_by()
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        year = max(row["planned_exit_year"], first)  # an overdue plan counts in the first year
        values = result[row["child"]]
        values[f"exit_{year}_h"] = values.get(f"exit_{year}_h", 0) + row["households"]
        values[f"exit_{year}_p"] = values.get(f"exit_{year}_p", 0) + row["people"]
    return dict(result)


def _live_plans(context: ReportContext) -> QuerySet:
    """Each poor household's latest plan up to the year, with the household's size as ``r_size``."""
    # "no later plan up to the year" rather than "year = (the latest year)": PostgreSQL plans the
    # NOT EXISTS as an anti-join with a sound row estimate, where the correlated subquery made it
    # expect 60 rows of 84,000 and loop over households one by one (0.87 s against 0.48 s on the
    # generated province, docs/performance.md). One plan per household and year, so the same rows.
    later = Plan.objects.filter(household=OuterRef("household"), year__gt=OuterRef("year"), year__lte=context.year)
    plans = context.scoped(Plan.objects.all()).filter(
        ~Exists(later), year__lte=context.year, household__status__in=POOR_STATUSES
    )
    return plans.annotate(r_size=F("household__household_size"))


def _frozen_plans(context: ReportContext) -> QuerySet:
    """The same from the snapshots: the latest PlanYear up to the year of each household poor in
    the year's HouseholdYear, with its size there (no join to the living plans or households)."""
    year = context.year
    latest = PlanYear.objects.filter(household_id=OuterRef("household_id"), year__lte=year).order_by("-year")
    frozen = HouseholdYear.objects.filter(year=year, household_id=OuterRef("household_id"))
    return (
        context.scoped(PlanYear.objects.filter(year__lte=year))
        .filter(year=Subquery(latest.values("year")[:1]))
        .filter(Exists(frozen.filter(status__in=POOR_STATUSES)))
        .annotate(r_size=Subquery(frozen.values("household_size")[:1]))
    )


def _area_exit_figures(context: ReportContext, years: list[int]) -> dict[str, dict[str, int]]:
    """child prefix → {villages_<year>, counties_<year>}: villages whose incidence falls under the
    threshold that year after the planned exits, and counties likewise (villages summed)."""
    threshold = exit_threshold(context.area.code)
    # one statement reads the plans and the figures and computes each village's exit year in SQL:
    # the Python pass over 27,000 villages' exits was 390 ms of a province's 830 ms
    plans = village_exit_years(context.prefix, context.year, years=len(years), threshold=threshold)
    result: dict[str, dict[str, int]] = defaultdict(dict)
    counties: dict[str, dict] = {}
    for plan in plans:
        if plan.exit_year in years:
            values = result[plan.village[: context.child_digits]]
            key = f"villages_{plan.exit_year}"
            values[key] = values.get(key, 0) + 1
        county = counties.setdefault(plan.village[:6], {"population": 0, "remaining": defaultdict(int)})
        county["population"] += plan.rural_population
        for year, remaining in plan.remaining_by_year.items():
            county["remaining"][year] += remaining
    if counties:
        for code, county in counties.items():
            if not county["population"]:
                continue
            for year in years:
                if Decimal(county["remaining"][year]) / Decimal(county["population"]) < threshold:
                    values = result[code.ljust(12, "0")[: context.child_digits]]
                    values[f"counties_{year}"] = values.get(f"counties_{year}", 0) + 1
                    break
    return dict(result)


def village_exits(context: ReportContext) -> dict[str, dict[int, tuple[int, int]]]:
    """village → planned exit year → (households, people) of the poor households under the area,
    each by its latest plan up to the report's year: what assistance.selectors.planned_exits
    gives, as one grouped query with the latest plan said as NOT EXISTS (see above)."""
    later = Plan.objects.filter(household=OuterRef("household"), year__gt=OuterRef("year"), year__lte=context.year)
    rows = (
        Plan.objects.in_area(context.prefix)
        .filter(~Exists(later), year__lte=context.year, household__status__in=POOR_STATUSES)
        .values_list("household__village_id", "planned_exit_year")
        .annotate(households=Count("household", distinct=True), people=Sum("household__household_size", default=0))
        .order_by()
    )
    result: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)
    for village, year, households, people in rows:
        result[village][year] = (households, people)
    return dict(result)


def measure_figures(context: ReportContext, years: list[int]) -> dict[str, dict[str, object]]:
    """measure code → {h_<year>, p_<year>, funds_<year>}: households covered, people named as
    beneficiaries, and cost, per year of the horizon. Two queries (the people through the
    measure's members, so a household's cost is not counted once per member)."""
    measures = context.scoped(Measure.objects.all()).filter(year__in=years)
    result: dict[str, dict[str, object]] = defaultdict(dict)
    for row in (
        measures.values("code", "year")
        .annotate(households=Count("household", distinct=True), funds=Sum("cost", default=Decimal("0")))
        .order_by()
    ):
        result[row["code"]][f"h_{row['year']}"] = row["households"]
        result[row["code"]][f"funds_{row['year']}"] = row["funds"]
    people = (
        Measure.members.through.objects.filter(measure__in=measures.values("pk"))
        .values("measure__code", "measure__year")
        .annotate(people=Count("member", distinct=True))
        .order_by()
    )
    for row in people:
        result[row["measure__code"]][f"p_{row['measure__year']}"] = row["people"]
    return dict(result)


@register("rolling_plan", _("Three-year rolling plan"), order=30)
def build(context: ReportContext) -> list[ReportTable]:
    years = horizon(context)
    values = planned_exit_figures(context)
    for prefix, counts in _area_exit_figures(context, years).items():
        values.setdefault(prefix, {}).update(counts)
    cols: list[Column] = []
    for year in years:
        group = _("%(year)s planned exits") % {"year": year}
        cols += [
            Column(f"exit_{year}_h", HOUSEHOLDS, group),
            Column(f"exit_{year}_p", PEOPLE, group),
            Column(f"villages_{year}", _("Villages"), group),
            Column(f"counties_{year}", _("Counties"), group),
        ]
    rows = rows_by_child(context, values)
    exits = ReportTable(
        title=_("Planned exits by year"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
        notes=[
            _("Households and people by the exit year of their latest plan; overdue plans count in the first year."),
            _("A village or county is planned to exit in the first year its incidence falls under the exit threshold."),
        ],
    )
    by_measure = measure_figures(context, years)
    measure_cols: list[Column] = []
    for year in years:
        group = str(year)
        measure_cols += [
            Column(f"h_{year}", _("Households covered"), group),
            Column(f"p_{year}", _("People covered"), group),
            Column(f"funds_{year}", _("Funds (yuan)"), group, MONEY),
        ]
    measure_rows = [Row(code.value, code.label, by_measure.get(code.value, {})) for code in MeasureCode]
    measures = ReportTable(
        title=_("Assistance measures by type and year"),
        first_label=_("Measure"),
        columns=measure_cols,
        rows=measure_rows,
        totals=sum_totals(measure_rows, measure_cols),
    )
    return [exits, measures]
