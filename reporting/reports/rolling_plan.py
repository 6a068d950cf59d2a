"""The three-year rolling plan (三年滚动规划, DOMAIN.md section 11), rolled up by child area:
households and people planned to exit per year, villages and counties planned to exit per year,
and the measures by type and year (households or people covered, funds).

The years are ROLLING_PLAN_YEARS from the report's year. A frozen year reads its snapshot: the
planned exits from exits.PlanYear (each household's latest plan frozen up to that year, counted
when the household was poor in that year's HouseholdYear, with its size and village there), the
measures and the members they name from exits.MeasureYear and MeasureMemberYear. The villages'
figures are living records and read as they stand.

Two queries whatever the area: the child areas, and one statement for the planned exits, the
villages' and counties' exit years (the plans read once, the exit threshold read with them) and
the measures. The two statements are SQL of their own (the requester's scope applied through
``ReportContext.scope_prefixes``): at a county's size the ORM's compiling was a third of the build.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from assistance.choices import MeasureCode
from assistance.models import Measure
from assistance.selectors import plan_rollup
from exits.models import MeasureMemberYear, MeasureYear
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext
from reporting.tables import MONEY, Column, ReportTable, Row

__all__ = ["build", "horizon", "measure_figures", "plan_figures", "planned_exit_figures"]

CENT = Decimal("0.01")


def horizon(context: ReportContext) -> list[int]:
    return list(range(context.year, context.year + settings.ROLLING_PLAN_YEARS))


def plan_figures(context: ReportContext, years: list[int], *, measures: bool = False):
    """child prefix → {exit_<year>_h, exit_<year>_p, villages_<year>, counties_<year>}: poor
    households and people by the planned exit year of their latest plan up to the report's year
    (overdue plans in the first year), and the villages and counties whose incidence falls under
    the exit threshold that year after the planned exits (counties: their villages summed).

    One statement, the plans read once (assistance.selectors.plan_rollup): each village's exit
    year with the households and people leaving by each year, summed per child area, and each
    county's exit year, the province's threshold read in the statement. ``measures``: the
    measures' figures too, in the same statement (``measure_figures``), returned second."""
    digits, count = context.child_digits, len(years)
    extra = _measure_sql(context, years) if measures else None
    children, counties, measure_rows = plan_rollup(
        context.scope_prefixes(), context.year, years, digits, frozen=context.snapshot, extra=extra
    )
    result: dict[str, dict[str, int]] = defaultdict(dict)
    for child, sums in children.items():
        exiting, households, people = sums[:count], sums[count : 2 * count], sums[2 * count :]
        values = result[child]
        for i, year in enumerate(years):
            if exiting[i]:
                values[f"villages_{year}"] = exiting[i]
            leaving = households[i] - (households[i - 1] if i else 0)  # cumulative: the year's own
            if leaving:
                values[f"exit_{year}_h"] = leaving
                values[f"exit_{year}_p"] = people[i] - (people[i - 1] if i else 0)
    for code, year in counties.items():
        values = result[code.ljust(12, "0")[:digits]]
        values[f"counties_{year}"] = values.get(f"counties_{year}", 0) + 1
    figures = {child: values for child, values in result.items() if values}
    if measures:
        return figures, _measure_values(measure_rows)
    return figures


def planned_exit_figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → {exit_<year>_h, exit_<year>_p}: the households' columns of ``plan_figures``."""
    figures = plan_figures(context, horizon(context))
    planned = {
        child: {key: value for key, value in values.items() if key.startswith("exit_")}
        for child, values in figures.items()
    }
    return {child: values for child, values in planned.items() if values}


def measure_figures(context: ReportContext, years: list[int]) -> dict[str, dict[str, object]]:
    """measure code → {h_<year>, p_<year>, funds_<year>}: households covered, people named as
    beneficiaries, and cost, per year of the horizon. One statement (``_measure_sql``)."""
    from django.db import connection

    if not context.scope_prefixes():
        return {}
    sql, params = _measure_sql(context, years)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _measure_values(cursor.fetchall())


def _measure_sql(context: ReportContext, years: list[int]) -> tuple[str, list]:
    """(code-year key, households, funds, people) by measure type and year: the measures and the
    members they name stacked (UNION ALL) and grouped, so a household's cost is not counted once
    per member. A frozen year reads what the county copied when it froze the year
    (exits.MeasureYear and MeasureMemberYear: the measures of the plans up to that year)."""
    prefixes = context.scope_prefixes()
    if context.snapshot:
        measures, members = MeasureYear._meta.db_table, MeasureMemberYear._meta.db_table
        year_column = "measure_year"
        frozen = f" AND m.year = {int(context.year)}"
        named = f"SELECT m.code, m.measure_year, NULL, 0, m.member_id FROM {members} m WHERE "
    else:
        measures, members = Measure._meta.db_table, Measure.members.through._meta.db_table
        year_column, frozen = "year", ""
        named = f"SELECT m.code, m.year, NULL, 0, mm.member_id FROM {members} mm JOIN {measures} m ON m.id = mm.measure_id WHERE "  # noqa: E501
    # no scope within the area: the statement reads no rows
    under = "(" + " OR ".join(["m.area_code LIKE %s"] * len(prefixes)) + ")" if prefixes else "1 = 0"
    in_years = f"m.{year_column} IN ({', '.join(str(int(year)) for year in years)})"
    sql = f"""
        SELECT u.code || '-' || u.year, COUNT(DISTINCT u.household_id), SUM(u.cost), COUNT(DISTINCT u.member_id)
        FROM (
            SELECT m.code AS code, m.{year_column} AS year, m.household_id AS household_id, m.cost AS cost,
                   CAST(NULL AS BIGINT) AS member_id
            FROM {measures} m WHERE {under} AND {in_years}{frozen}
            UNION ALL
            {named}{under} AND {in_years}{frozen}
        ) u
        GROUP BY u.code, u.year
    """
    likes = [prefix + "%" for prefix in prefixes]
    return sql, likes + likes


def _measure_values(rows) -> dict[str, dict[str, object]]:
    result: dict[str, dict[str, object]] = defaultdict(dict)
    for key, households, funds, people in rows:
        code, year = key.rsplit("-", 1)
        values = result[code]
        if households:
            values[f"h_{year}"] = int(households)
            values[f"funds_{year}"] = Decimal(funds or 0).quantize(CENT)
        if people:
            values[f"p_{year}"] = int(people)
    return dict(result)


@register("rolling_plan", _("Three-year rolling plan"), order=30)
def build(context: ReportContext) -> list[ReportTable]:
    years = horizon(context)
    values, by_measure = plan_figures(context, years, measures=True)
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
