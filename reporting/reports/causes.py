"""Causes of poverty (致贫原因统计表): poor households and people by main cause, by child area.
The cause list is data (households.CauseCode): the national list and the province's additions."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from households.models import CauseCode
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, PEOPLE, rows_by_child, sum_totals
from reporting.sources import POOR_STATUSES, ReportContext, child_key, households_for
from reporting.tables import Column, ReportTable

__all__ = ["build", "cause_list", "figures"]


def cause_list(context: ReportContext) -> list[tuple[str, str]]:
    """(code, name) of the causes valid in the area's province, national ones first. One query."""
    province = context.area.code[:2].ljust(12, "0")
    rows = CauseCode.objects.filter(Q(province__isnull=True) | Q(province_id=province)).order_by("code", "province")
    seen: dict[str, str] = {}
    for code, name in rows.values_list("code", "name"):
        seen.setdefault(code, name)
    return sorted(seen.items())


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → {cause_h, cause_p, …} over poor households. One query."""
    rows = (
        households_for(context)
        .filter(r_status__in=POOR_STATUSES)
        .annotate(child=child_key(context))
        .values("child", "r_cause")
        .annotate(households=Count("pk"), people=Sum("r_size", default=0))
        .order_by()
    )
    result: dict[str, dict[str, int]] = {}
    for row in rows:
        cause = row["r_cause"] or "none"
        values = result.setdefault(row["child"], {})
        values[f"{cause}_h"] = values.get(f"{cause}_h", 0) + row["households"]
        values[f"{cause}_p"] = values.get(f"{cause}_p", 0) + row["people"]
        values["all_h"] = values.get("all_h", 0) + row["households"]
        values["all_p"] = values.get("all_p", 0) + row["people"]
    return result


@register("causes", _("Causes of poverty"), order=20)
def build(context: ReportContext) -> list[ReportTable]:
    values = figures(context)
    cols = [Column("all_h", HOUSEHOLDS, _("All poor")), Column("all_p", PEOPLE, _("All poor"))]
    for code, name in cause_list(context):
        label = f"{code} {name}"
        cols += [Column(f"{code}_h", HOUSEHOLDS, label), Column(f"{code}_p", PEOPLE, label)]
    if any("none_h" in row for row in values.values()):
        cols += [Column("none_h", HOUSEHOLDS, _("Not given")), Column("none_p", PEOPLE, _("Not given"))]
    rows = rows_by_child(context, values)
    table = ReportTable(
        title=_("Poor households and people by main cause of poverty"),
        first_label=_("Area"),
        columns=cols,
        rows=rows,
        totals=sum_totals(rows, cols),
    )
    return [table]
