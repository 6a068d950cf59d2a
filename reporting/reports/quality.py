"""The data-quality worklist by rule and area (数据质量问题统计表): open findings per rule, by
child area. Findings are a current state, not part of the frozen year."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from households.models import QualityFinding
from households.quality import ERROR, RULES
from reporting.registry import register
from reporting.reports._rows import HOUSEHOLDS, rows_by_child, sum_totals
from reporting.sources import ReportContext
from reporting.tables import Column, ReportTable

__all__ = ["build", "figures"]


def figures(context: ReportContext) -> dict[str, dict[str, int]]:
    """child prefix → {rule: open findings, findings, households}. Two queries."""
    findings = context.scoped(QualityFinding.objects.open())
    result: dict[str, dict[str, int]] = {}
    for row in (
        findings.annotate(child=Substr("area_code", 1, context.child_digits))
        .values("child", "rule")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        values = result.setdefault(row["child"], {})
        values[row["rule"]] = row["n"]
        values["findings"] = values.get("findings", 0) + row["n"]
    for row in (
        findings.annotate(child=Substr("area_code", 1, context.child_digits))
        .values("child")
        .annotate(households=Count("household", distinct=True))
        .order_by()
    ):
        result.setdefault(row["child"], {})["households"] = row["households"]
    return result


@register("quality", _("Data-quality worklist"), by_year=False, order=50)
def build(context: ReportContext) -> list[ReportTable]:
    values = figures(context)
    seen = {rule for row in values.values() for rule in row}
    cols = [
        Column("findings", _("Open findings"), _("All rules")),
        Column("households", HOUSEHOLDS, _("All rules")),
    ]
    for severity, group in ((ERROR, _("Errors")), (None, _("Warnings"))):
        for code, rule in sorted(RULES.items()):
            if (rule.severity == ERROR) == (severity == ERROR):
                cols.append(Column(code, str(rule.title), group))
    known = {column.key for column in cols}
    cols += [Column(code, code, _("Other rules")) for code in sorted(seen - known)]
    rows = rows_by_child(context, values)
    totals = sum_totals(rows, cols)
    # a household with findings in two areas cannot be: the household total is the plain sum
    table = ReportTable(
        title=_("Open data-quality findings by rule"), first_label=_("Area"), columns=cols, rows=rows, totals=totals
    )
    return [table]
