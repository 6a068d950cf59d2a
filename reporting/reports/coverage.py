"""Assistance coverage (帮扶覆盖情况): poor households with a responsible cadre (不脱贫不脱钩),
cadres, work teams and assistance units, by child area, on the last day of the year (today for
the open year); a frozen year as the county copied them when it froze the year."""

from __future__ import annotations

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from assistance.models import Pairing, UnitAssignment, WorkTeam
from exits.models import CoverageKind, CoverageYear
from reporting.registry import register
from reporting.reports._rows import rows_by_child, sum_totals
from reporting.sources import POOR_STATUSES, ReportContext, child_key, households_for
from reporting.tables import PERCENT, Column, ReportTable, ratio

__all__ = ["build", "figures"]


def _current(on) -> Q:
    return Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → counts. Four queries, each grouped by the child's code prefix. A frozen year
    reads what the county copied when it froze the year (exits.CoverageYear), the open year the
    pairings, teams and assignments current today."""
    result: dict[str, dict[str, int]] = {}

    def merge(rows, **names):
        for row in rows:
            values = result.setdefault(row["child"], {})
            for key, source in names.items():
                values[key] = row[source]

    if context.snapshot:
        frozen = context.scoped(CoverageYear.objects.filter(year=context.year))
        pairing = frozen.filter(kind=CoverageKind.PAIRING, household_id=OuterRef("household_id"))
        pairings = frozen.filter(kind=CoverageKind.PAIRING).annotate(cadre=F("ref_id"))
        teams = frozen.filter(kind=CoverageKind.WORK_TEAM).annotate(village=F("area_code"))
        units = frozen.filter(kind=CoverageKind.UNIT).annotate(unit=F("ref_id"), village=F("area_code"))
        area_field = village_field = "area_code"
    else:
        on = context.as_of
        pairing = Pairing.objects.filter(_current(on), household=OuterRef("pk"))
        pairings = context.scoped(Pairing.objects.filter(_current(on)))
        teams = context.scoped(WorkTeam.objects.filter(_current(on)))
        units = context.scoped(UnitAssignment.objects.filter(_current(on)))
        area_field, village_field = "area_code", "village_id"
    merge(
        households_for(context)
        .filter(r_status__in=POOR_STATUSES)
        .annotate(child=child_key(context), paired=Exists(pairing))
        .values("child")
        .annotate(poor=Count("pk"), covered=Count("pk", filter=Q(paired=True)))
        .order_by(),
        poor_h="poor",
        paired_h="covered",
    )
    merge(
        pairings.annotate(child=Substr(area_field, 1, context.child_digits))
        .values("child")
        .annotate(cadres=Count("cadre", distinct=True))
        .order_by(),
        cadres="cadres",
    )
    merge(
        teams.annotate(child=Substr(village_field, 1, context.child_digits))
        .values("child")
        .annotate(teams=Count("pk"), villages=Count("village", distinct=True))
        .order_by(),
        work_teams="teams",
        team_villages="villages",
    )
    merge(
        units.annotate(child=Substr(village_field, 1, context.child_digits))
        .values("child")
        .annotate(units=Count("unit", distinct=True), villages=Count("village", distinct=True))
        .order_by(),
        units="units",
        unit_villages="villages",
    )
    return result


@register("coverage", _("Assistance coverage"), order=40)
def build(context: ReportContext) -> list[ReportTable]:
    group_pairs = _("Paired households")
    cols = [
        Column("poor_h", _("Poor households"), group_pairs),
        Column("paired_h", _("With a cadre"), group_pairs),
        Column("unpaired_h", _("Without a cadre"), group_pairs),
        Column("paired_rate", _("Pairing rate"), group_pairs, PERCENT),
        Column("cadres", _("Responsible cadres")),
        Column("work_teams", _("Work teams"), _("Village work teams")),
        Column("team_villages", _("Villages with a team"), _("Village work teams")),
        Column("units", _("Assistance units"), _("Assistance units")),
        Column("unit_villages", _("Villages with a unit"), _("Assistance units")),
    ]
    rows = rows_by_child(context, figures(context))
    for row in rows:
        row.values["unpaired_h"] = row.values.get("poor_h", 0) - row.values.get("paired_h", 0)
        row.values["paired_rate"] = ratio(row.values.get("paired_h", 0), row.values.get("poor_h", 0))
    totals = sum_totals(rows, cols)
    totals["paired_rate"] = ratio(totals.get("paired_h", 0), totals.get("poor_h", 0))
    table = ReportTable(
        title=_("Assistance coverage"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=totals,
        notes=[_("A cadre who helps households in several areas is counted in each; the total counts them again.")],
    )
    return [table]
