"""The dashboard of an area: key figures and the data of its charts, from the same report
functions the workbooks use (so a dashboard and a report never disagree). A fixed number of
queries whatever the data size: each figure is one GROUP BY."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from areas.models import Area
from assistance.choices import MeasureCode
from assistance.models import Measure
from core.querysets import prefix_condition
from households.models import HouseholdYear
from reporting.reports import causes as causes_report
from reporting.reports import registry_summary
from reporting.reports._rows import rows_by_child, rural_population
from reporting.sources import POOR_STATUSES, ReportContext, open_year
from reporting.tables import PERCENT, display, ratio

__all__ = ["MEASURE_YEARS", "Dashboard", "dashboard_for"]

#: the measures are shown for the open year and the years before it, this many in all: in the
#: first months of a year its plans are still being written, and last year's measures are the news
MEASURE_YEARS = 3


@dataclass
class Dashboard:
    area: Area
    year: int
    figures: dict[str, object] = field(default_factory=dict)
    incidence_by_child: list[tuple[str, Decimal | None]] = field(default_factory=list)
    causes: list[tuple[str, int]] = field(default_factory=list)
    #: the years the measures are shown for (the open year and the two before), and per measure
    #: type its label and, per year, the households covered and the funds
    measure_years: list[int] = field(default_factory=list)
    measures: list[tuple[str, dict[int, tuple[int, Decimal]]]] = field(default_factory=list)
    years: list[str] = field(default_factory=list)
    poor_by_year: list[int] = field(default_factory=list)
    exited_by_year: list[int] = field(default_factory=list)
    children: list[Area] = field(default_factory=list)

    @property
    def measures_year(self) -> int | None:
        """The latest of the measure years that has measures (the chart's year)."""
        years = [year for _label, by_year in self.measures for year in by_year]
        return max(years, default=None)

    def measures_of(self, year: int | None) -> list[tuple[str, int]]:
        """(label, households covered) of each measure type in ``year``, most households first."""
        rows = [(label, by_year[year][0]) for label, by_year in self.measures if year in by_year]
        return sorted(rows, key=lambda row: -row[1])

    def measure_rows(self) -> list[tuple[str, list[tuple[int, Decimal] | None]]]:
        """Per measure type its label and, for each of the measure years, (households, funds) or None."""
        return [(label, [by_year.get(year) for year in self.measure_years]) for label, by_year in self.measures]


def _status_by_year(context: ReportContext) -> dict[int, dict[str, int]]:
    """Frozen years: poor and exited households per year. One query."""
    prefixes = context.scope_prefixes()
    rows = (
        HouseholdYear.objects.filter(prefix_condition("area_code", prefixes))
        if prefixes
        else HouseholdYear.objects.none()
    )
    result: dict[int, dict[str, int]] = {}
    for row in (
        rows.filter(year__lt=context.year)
        .values("year")
        .annotate(poor=Count("pk", filter=Q(status__in=POOR_STATUSES)), exited=Count("pk", filter=Q(status="exited")))
        .order_by("year")
    ):
        result[row["year"]] = {"poor": row["poor"], "exited": row["exited"]}
    return result


def dashboard_for(*, actor, area: Area) -> Dashboard:
    """Key figures of ``area`` in the open year within the actor's view scope (the caller has
    checked the area is visible)."""
    context = ReportContext(area=area, year=open_year(), actor=actor)
    board = Dashboard(area=area, year=context.year, children=context.children)
    values = registry_summary.figures(context)
    population = rural_population(context)
    totals: dict[str, int] = {}
    for row in values.values():
        for key, number in row.items():
            totals[key] = totals.get(key, 0) + (number or 0)
    people = sum(population.values())
    board.figures = {
        "poor_h": totals.get("poor_h", 0),
        "poor_p": totals.get("poor_p", 0),
        "exited_h": totals.get("exited_h", 0),
        "exited_p": totals.get("exited_p", 0),
        "returned_h": totals.get("returned_h", 0),
        "pre_exit_h": totals.get("pre_exit_h", 0),
        "rural_population": people,
        "incidence": ratio(totals.get("poor_p", 0), people),
    }
    board.figures["incidence_display"] = display(board.figures["incidence"], PERCENT)
    for prefix, number in population.items():
        values.setdefault(prefix, {})["rural_population"] = number
    for row in rows_by_child(context, values):
        board.incidence_by_child.append(
            (row.name, ratio(row.values.get("poor_p", 0), row.values.get("rural_population", 0)))
        )
    by_cause = causes_report.figures(context)
    names = dict(causes_report.cause_list(context))
    cause_totals: dict[str, int] = {}
    for row in by_cause.values():
        for key, number in row.items():
            if key.endswith("_h") and key != "all_h":
                cause_totals[key[:-2]] = cause_totals.get(key[:-2], 0) + number
    board.causes = sorted(
        ((names.get(code, code), number) for code, number in cause_totals.items()), key=lambda item: -item[1]
    )
    board.measure_years = list(range(context.year - MEASURE_YEARS + 1, context.year + 1))
    measures = (
        context.scoped(Measure.objects.filter(year__in=board.measure_years))
        .values("code", "year")
        .annotate(households=Count("household", distinct=True), funds=Sum("cost", default=Decimal("0")))
        .order_by("code", "year")
    )
    labels = dict(MeasureCode.choices)
    by_code: dict[str, dict[int, tuple[int, Decimal]]] = {}
    for row in measures:
        by_code.setdefault(row["code"], {})[row["year"]] = (row["households"], row["funds"])
    board.measures = [(labels.get(code, code), years) for code, years in by_code.items()]
    history = _status_by_year(context)
    for year, counts in sorted(history.items()):
        board.years.append(str(year))
        board.poor_by_year.append(counts["poor"])
        board.exited_by_year.append(counts["exited"])
    board.years.append(str(context.year))
    board.poor_by_year.append(board.figures["poor_h"])
    board.exited_by_year.append(board.figures["exited_h"])
    return board
