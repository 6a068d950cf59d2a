"""Registry summary (建档立卡贫困户统计表): households and people by status and attribute, and the
poverty incidence, by child area."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from households.choices import HouseholdStatus, PovertyAttribute
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, rural_population, sum_totals
from reporting.sources import POOR_STATUSES, ReportContext, child_key, households_for
from reporting.tables import PERCENT, Column, ReportTable, ratio

__all__ = ["STATUSES", "build", "figures"]

#: statuses shown, in the order of the lifecycle (applicants are not registered yet)
STATUSES = [
    HouseholdStatus.REGISTERED,
    HouseholdStatus.PRE_EXIT,
    HouseholdStatus.EXITED,
    HouseholdStatus.RETURNED,
    HouseholdStatus.REMOVED,
    HouseholdStatus.CLOSED,
]


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → counts: households and people per status, per attribute of the poor, and
    of all poor. One query (GROUP BY the child's code prefix)."""
    poor = Q(r_status__in=POOR_STATUSES)
    aggregates = {}
    for status in STATUSES:
        aggregates[f"{status}_h"] = Count("pk", filter=Q(r_status=status))
        aggregates[f"{status}_p"] = Sum("r_size", filter=Q(r_status=status), default=0)
    for attribute in PovertyAttribute:
        aggregates[f"{attribute}_h"] = Count("pk", filter=poor & Q(r_attribute=attribute))
        aggregates[f"{attribute}_p"] = Sum("r_size", filter=poor & Q(r_attribute=attribute), default=0)
    aggregates["poor_h"] = Count("pk", filter=poor)
    aggregates["poor_p"] = Sum("r_size", filter=poor, default=0)
    rows = households_for(context).annotate(child=child_key(context)).values("child").annotate(**aggregates).order_by()
    return {row.pop("child"): row for row in rows}


def columns() -> list[Column]:
    result = [
        Column("poor_h", HOUSEHOLDS, _("Poor (not yet exited)")),
        Column("poor_p", PEOPLE, _("Poor (not yet exited)")),
    ]
    for attribute in PovertyAttribute:
        result += [
            Column(f"{attribute}_h", HOUSEHOLDS, attribute.label),
            Column(f"{attribute}_p", PEOPLE, attribute.label),
        ]
    for status in STATUSES:
        result += [
            Column(f"{status}_h", HOUSEHOLDS, status.label),
            Column(f"{status}_p", PEOPLE, status.label),
        ]
    result += [
        Column("rural_population", _("Rural registered population"), _("Poverty incidence")),
        Column("incidence", _("Incidence"), _("Poverty incidence"), PERCENT),
    ]
    return result


@register("registry", _("Registry summary"), order=10)
def build(context: ReportContext) -> list[ReportTable]:
    values = figures(context)
    population = rural_population(context)
    for prefix, people in population.items():
        values.setdefault(prefix, {})["rural_population"] = people
    cols = columns()
    rows = rows_by_child(context, values)
    for row in rows:
        row.values["incidence"] = ratio(row.values.get("poor_p", 0), row.values.get("rural_population", 0))
    totals = sum_totals(rows, cols)
    totals["incidence"] = ratio(totals.get("poor_p", 0), totals.get("rural_population", 0))
    table = ReportTable(
        title=_("Registered poor households and people"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=totals,
        notes=[_("Poverty incidence = poor people not yet exited ÷ rural registered population (village figures).")],
    )
    return [table]
