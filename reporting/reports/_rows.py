"""Helpers shared by report modules: rows for every child area from grouped query results."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Sum
from django.db.models.functions import Substr
from django.utils.translation import pgettext_lazy

from areas.models import VillageFigures
from reporting.sources import ReportContext
from reporting.tables import Column, Row

__all__ = ["HOUSEHOLDS", "PEOPLE", "rows_by_child", "rural_population", "sum_totals"]

#: the two counts under most groups of columns (户数, 人数): a context of their own, since the
#: project catalog translates a bare "Households" as a noun
HOUSEHOLDS = pgettext_lazy("report column", "Households")
PEOPLE = pgettext_lazy("report column", "People")


def rows_by_child(context: ReportContext, values: dict[str, dict[str, Any]]) -> list[Row]:
    """One row per child area (every child, also those with nothing), then rows for codes that
    match no area row (so nothing counted disappears from the totals)."""
    remaining = dict(values)
    rows = [
        Row(child.code, child.name, remaining.pop(child.code[: context.child_digits], {})) for child in context.children
    ]
    for prefix, row_values in sorted(remaining.items()):
        rows.append(Row(prefix.ljust(12, "0"), prefix.ljust(12, "0"), row_values))
    return rows


def sum_totals(rows: Iterable[Row], columns: list[Column]) -> dict[str, Any]:
    """Totals of the additive columns (ratios are computed by the report from the totals)."""
    totals: dict[str, Any] = {}
    for column in columns:
        if column.kind in ("int", "money"):
            totals[column.key] = sum((row.values.get(column.key) or 0) for row in rows)
    return totals


def rural_population(context: ReportContext) -> dict[str, int]:
    """Rural registered population (the incidence's denominator) per child area, from the village
    figures of the report's year. One query."""
    queryset = VillageFigures.objects.filter(year=context.year)
    queryset = queryset.visible_to(context.actor, "view") if context.actor is not None else queryset
    rows = (
        queryset.in_area(context.prefix)
        .annotate(child=Substr("village_id", 1, context.child_digits))
        .values("child")
        .annotate(population=Sum("rural_registered_population"))
        .order_by()
    )
    return {row["child"]: row["population"] or 0 for row in rows}
