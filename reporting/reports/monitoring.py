"""Monitoring (防返贫监测, DOMAIN.md section 8): the monitored households (exits.MonitoringCase) by
child area, on the day the year's figures stand on (``context.as_of``):

- by kind (脱贫不稳定户, 边缘易致贫户, 突发严重困难户): households in monitoring that day;
- by state: still being identified, newly entered in the year, in monitoring that day, and whose
  risk was eliminated in the year by assistance (帮扶消除) or naturally (自然消除);
- exited households whose income per person is under the monitoring line of the year, as
  exits.monitoring.monitoring_line_for gives it (the one formula of the line).

Households and people (the household's size); one grouped statement on the cases (SQL of its
own, the requester's scope applied through ``ReportContext.scope_prefixes``, as the rolling plan
does), one grouped query on the households, one or two for the line.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from exits.models import OPEN_MONITORING_STATES, MonitoringCase
from exits.monitoring import monitoring_line_for
from exits.monitoring_choices import EliminationMode, MonitoringKind, MonitoringState
from households.models import Household
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import ReportContext, child_key, households_for
from reporting.tables import Column, ReportTable

__all__ = ["build", "case_conditions", "figures"]


def case_conditions(year: int, as_of: datetime.date) -> dict[str, tuple[str, list]]:
    """column key → the SQL condition on a monitoring case (alias ``c``) that counts it in the
    column, with its parameters. SQL rather than Q objects: the sixteen conditional aggregates
    took the ORM longer to compile than a county's statement took to run."""
    start, end = datetime.date(year, 1, 1).isoformat(), min(as_of, datetime.date(year, 12, 31)).isoformat()
    entered = "c.entered_on IS NOT NULL AND c.entered_on <= %s"
    monitored = f"{entered} AND (c.eliminated_on IS NULL OR c.eliminated_on > %s)"
    identifying = [s for s in OPEN_MONITORING_STATES if s != MonitoringState.MONITORED]
    eliminated = "c.eliminated_on >= %s AND c.eliminated_on <= %s AND c.elimination_mode = %s"
    conditions = {
        f"kind_{kind.value}": (f"{monitored} AND c.kind = %s", [end, end, kind.value]) for kind in MonitoringKind
    }
    conditions.update(
        {
            # still in its identification steps: the current state, as the cases stand now
            "identifying": (
                f"c.state IN ({', '.join(['%s'] * len(identifying))}) AND c.entered_on IS NULL",
                list(identifying),
            ),
            "entered": ("c.entered_on >= %s AND c.entered_on <= %s", [start, end]),
            "monitored": (monitored, [end, end]),
            "eliminated_assistance": (eliminated, [start, end, EliminationMode.ASSISTANCE.value]),
            "eliminated_natural": (eliminated, [start, end, EliminationMode.NATURAL.value]),
        }
    )
    return conditions


def _case_figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → ``<key>_h`` (households) and ``<key>_p`` (their people) for every case
    condition: one statement over the cases of the year and before, within the scope."""
    prefixes = context.scope_prefixes()
    if not prefixes:
        return {}
    columns, params = [], []
    keys = []
    for key, (condition, values) in case_conditions(context.year, context.as_of).items():
        columns.append(f"COUNT(DISTINCT CASE WHEN {condition} THEN c.household_id END)")
        columns.append(f"COALESCE(SUM(CASE WHEN {condition} THEN h.household_size END), 0)")
        params += values + values
        keys += [f"{key}_h", f"{key}_p"]
    under = " OR ".join(["c.area_code LIKE %s"] * len(prefixes))
    sql = f"""
        SELECT substr(c.area_code, 1, {int(context.child_digits)}), {", ".join(columns)}
        FROM {MonitoringCase._meta.db_table} c
        JOIN {Household._meta.db_table} h ON h.id = c.household_id
        WHERE ({under}) AND c.year <= %s
        GROUP BY 1
    """
    params += [prefix + "%" for prefix in prefixes] + [context.year]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: dict(zip(keys, (int(value) for value in row[1:]), strict=True)) for row in cursor.fetchall()}


def figures(context: ReportContext, line: Decimal | None) -> dict[str, dict[str, int]]:
    """child prefix → ``<key>_h`` and ``<key>_p`` for every case condition, and ``under_line_*``."""
    result = _case_figures(context)
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
