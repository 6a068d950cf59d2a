"""Monitoring (防返贫监测): the households the monitoring watches, by child area.

Built from household statuses only: exited households (the pool of 脱贫不稳定户) and returned
ones, with those whose income per person is under the monitoring line (MONITORING_LINE_FACTOR ×
the national poverty line of the year). Missing until the exits app lands its monitoring models:
the three kinds of monitored households (脱贫不稳定户, 边缘易致贫户, 突发严重困难户), their
entry and risk elimination.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from households.models import Household, PovertyLine
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key
from reporting.tables import Column, ReportTable

__all__ = ["build", "figures", "monitoring_line"]


def monitoring_line(year: int) -> Decimal | None:
    """MONITORING_LINE_FACTOR × the national line of the year (or the latest before it)."""
    line = (
        PovertyLine.objects.filter(year__lte=year, level="national", area__isnull=True)
        .order_by("-year")
        .values_list("amount", flat=True)
        .first()
    )
    if line is None:
        return None
    return (line * Decimal(str(settings.MONITORING_LINE_FACTOR))).quantize(Decimal("0.01"))


def figures(context: ReportContext, line: Decimal | None) -> dict[str, dict[str, int]]:
    under = Q(net_income_per_capita__lt=line) if line is not None else Q(pk__in=[])
    aggregates = {}
    for status in ("exited", "returned"):
        aggregates[f"{status}_h"] = Count("pk", filter=Q(status=status))
        aggregates[f"{status}_p"] = Sum("household_size", filter=Q(status=status), default=0)
    aggregates["at_risk_h"] = Count("pk", filter=Q(status="exited") & under)
    aggregates["at_risk_p"] = Sum("household_size", filter=Q(status="exited") & under, default=0)
    rows = (
        context.scoped(Household.objects.all())
        .annotate(child=child_key(context, "village_id"))
        .values("child")
        .annotate(**aggregates)
        .order_by()
    )
    return {row.pop("child"): row for row in rows}


@register("monitoring", _("Monitoring"), by_year=False, order=70)
def build(context: ReportContext) -> list[ReportTable]:
    line = monitoring_line(context.year)
    cols = [
        Column("exited_h", HOUSEHOLDS, _("Exited")),
        Column("exited_p", PEOPLE, _("Exited")),
        Column("at_risk_h", HOUSEHOLDS, _("Exited, income under the monitoring line")),
        Column("at_risk_p", PEOPLE, _("Exited, income under the monitoring line")),
        Column("returned_h", HOUSEHOLDS, _("Returned to poverty")),
        Column("returned_p", PEOPLE, _("Returned to poverty")),
    ]
    rows = rows_by_child(context, figures(context, line))
    notes = [_("The three kinds of monitored households come with the monitoring procedures.")]
    if line is None:
        notes.append(
            _("No national poverty line is recorded for the year: nobody is counted under the monitoring line.")
        )
    else:
        notes.append(_("Monitoring line: %(line)s yuan per person.") % {"line": line})
    table = ReportTable(
        title=_("Monitoring"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
        notes=notes,
    )
    return [table]
