"""Monitoring (防返贫监测, DOMAIN.md section 8): the monitored households (exits.MonitoringCase) by
child area, on the day the year's figures stand on (``context.as_of``):

- by kind (脱贫不稳定户, 边缘易致贫户, 突发严重困难户): households in monitoring that day;
- by state: still being identified, newly entered in the year, in monitoring that day, and whose
  risk was eliminated in the year by assistance (帮扶消除) or naturally (自然消除);
- exited households whose income per person is under the monitoring line of the year, as
  exits.monitoring.monitoring_line_for gives it (the one formula of the line).

Households and people (the household's size); one grouped query on the cases, one on the
households, one or two for the line.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from exits.models import OPEN_MONITORING_STATES, MonitoringCase
from exits.monitoring import monitoring_line_for
from exits.monitoring_choices import EliminationMode, MonitoringKind, MonitoringState
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key, households_for
from reporting.tables import Column, ReportTable

__all__ = ["build", "case_conditions", "figures"]


def case_conditions(year: int, as_of: datetime.date) -> dict[str, Q]:
    """column key → the condition on MonitoringCase that counts a case in it."""
    start, end = datetime.date(year, 1, 1), min(as_of, datetime.date(year, 12, 31))
    entered = Q(entered_on__isnull=False, entered_on__lte=end)
    monitored = entered & (Q(eliminated_on__isnull=True) | Q(eliminated_on__gt=end))
    identifying = [s for s in OPEN_MONITORING_STATES if s != MonitoringState.MONITORED]
    eliminated = Q(eliminated_on__gte=start, eliminated_on__lte=end)
    conditions = {f"kind_{kind.value}": monitored & Q(kind=kind) for kind in MonitoringKind}
    conditions.update(
        {
            # still in its identification steps: the current state, as the cases stand now
            "identifying": Q(state__in=identifying, entered_on__isnull=True),
            "entered": Q(entered_on__gte=start, entered_on__lte=end),
            "monitored": monitored,
            "eliminated_assistance": eliminated & Q(elimination_mode=EliminationMode.ASSISTANCE),
            "eliminated_natural": eliminated & Q(elimination_mode=EliminationMode.NATURAL),
        }
    )
    return conditions


def figures(context: ReportContext, line: Decimal | None) -> dict[str, dict[str, int]]:
    """child prefix → ``<key>_h`` and ``<key>_p`` for every case condition, and ``under_line_*``."""
    aggregates = {}
    for key, condition in case_conditions(context.year, context.as_of).items():
        aggregates[f"{key}_h"] = Count("household", filter=condition, distinct=True)
        aggregates[f"{key}_p"] = Sum("household__household_size", filter=condition, default=0)
    cases = context.scoped(MonitoringCase.objects.all()).filter(year__lte=context.year)
    rows = cases.annotate(child=child_key(context, "area_code")).values("child").annotate(**aggregates).order_by()
    result = {row.pop("child"): row for row in rows}
    if line is not None:
        under = households_for(context).filter(r_status="exited", r_income__lt=line)
        for row in (
            under.annotate(child=child_key(context))
            .values("child")
            .annotate(under_line_h=Count("pk"), under_line_p=Sum("r_size", default=0))
            .order_by()
        ):
            result.setdefault(row.pop("child"), {}).update(row)
    return result


@register("monitoring", _("Monitoring"), order=70)
def build(context: ReportContext) -> list[ReportTable]:
    applied = monitoring_line_for(context.year, context.area.code)
    line = applied.amount if applied is not None else None
    groups = [(f"kind_{kind.value}", kind.label) for kind in MonitoringKind]
    groups += [
        ("identifying", _("Being identified")),
        ("entered", _("Entered in the year")),
        ("monitored", _("In monitoring")),
        ("eliminated_assistance", _("Risk eliminated by assistance")),
        ("eliminated_natural", _("Risk eliminated naturally")),
        ("under_line", _("Exited, income under the monitoring line")),
    ]
    cols = []
    for key, group in groups:
        cols += [Column(f"{key}_h", HOUSEHOLDS, group), Column(f"{key}_p", PEOPLE, group)]
    rows = rows_by_child(context, figures(context, line))
    notes = [
        _("Households by kind are those in monitoring on %(day)s.") % {"day": context.as_of.isoformat()},
        _("People are the households' present size."),
    ]
    if applied is None:
        notes.append(_("No poverty line is recorded for the year: nobody is counted under the monitoring line."))
    else:
        notes.append(_("Monitoring line: %(line)s yuan per person.") % {"line": applied.amount})
    table = ReportTable(
        title=_("Monitoring"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
        notes=notes,
    )
    return [table]
