"""Dynamic management (动态管理): changes of status in the year, by child area.

Built from what the registry holds today: households exited in the year (exit_year), and
households now returned, removed or closed. Missing until the exits app lands its procedures:
the dates of return, removal and closure (so those three are counted by current status, not by
the year of the change), new households identified in the year, and the yearly review's
错评 / 漏评 / 错退 counts and rates.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from households.models import Household
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key, households_for
from reporting.tables import Column, ReportTable

__all__ = ["build", "figures"]


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → counts. One query on the source, one on the registry for exit years."""
    aggregates = {}
    for status in ("returned", "removed", "closed"):
        aggregates[f"{status}_h"] = Count("pk", filter=Q(r_status=status))
        aggregates[f"{status}_p"] = Sum("r_size", filter=Q(r_status=status), default=0)
    rows = households_for(context).annotate(child=child_key(context)).values("child").annotate(**aggregates).order_by()
    result = {row.pop("child"): row for row in rows}
    exited = (
        context.scoped(Household.objects.filter(exit_year=context.year))
        .annotate(child=child_key(context, "village_id"))
        .values("child")
        .annotate(h=Count("pk"), p=Sum("household_size", default=0))
        .order_by()
    )
    for row in exited:
        values = result.setdefault(row["child"], {})
        values["exited_h"], values["exited_p"] = row["h"], row["p"]
    return result


@register("dynamic", _("Dynamic management"), order=60)
def build(context: ReportContext) -> list[ReportTable]:
    cols = [
        Column("exited_h", HOUSEHOLDS, _("Exited in the year")),
        Column("exited_p", PEOPLE, _("Exited in the year")),
        Column("returned_h", HOUSEHOLDS, _("Returned to poverty")),
        Column("returned_p", PEOPLE, _("Returned to poverty")),
        Column("removed_h", HOUSEHOLDS, _("Removed (wrongly included)")),
        Column("removed_p", PEOPLE, _("Removed (wrongly included)")),
        Column("closed_h", HOUSEHOLDS, _("Closed")),
        Column("closed_p", PEOPLE, _("Closed")),
    ]
    rows = rows_by_child(context, figures(context))
    table = ReportTable(
        title=_("Dynamic management"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
        notes=[
            _("Returned, removed and closed households are counted by their status, not by the year of the change."),
            _("New households of the year and the yearly review's rates come with the exit procedures."),
        ],
    )
    return [table]
