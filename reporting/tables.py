"""The shape every report produces: a table with rows by the child areas of the chosen area,
grouped columns (a two-row Chinese header in the workbook) and a totals row.

Tables are plain data, JSON-serialisable through ``as_dict``, so a finished job keeps them in its
result and the page draws the HTML table without querying again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["INTEGER", "MONEY", "PERCENT", "TEXT", "Column", "ReportTable", "Row", "display", "ratio"]

INTEGER = "int"
MONEY = "money"
PERCENT = "percent"
TEXT = "text"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: the label of the header cell merged above this column and its neighbours of the same group
    group: str = ""
    kind: str = INTEGER


@dataclass
class Row:
    code: str
    name: str
    values: dict[str, Any] = field(default_factory=dict)

    def cells(self, columns: list[Column]) -> list[Any]:
        return [self.values.get(column.key, 0 if column.kind != TEXT else "") for column in columns]


@dataclass
class ReportTable:
    """One sheet of a report. ``first_label`` heads the row-label columns (code and name)."""

    title: str
    columns: list[Column]
    rows: list[Row]
    totals: dict[str, Any]
    first_label: str = ""
    notes: list[str] = field(default_factory=list)

    def total_cells(self) -> list[Any]:
        return [self.totals.get(column.key, "" if column.kind == TEXT else 0) for column in self.columns]

    def header_groups(self) -> list[tuple[str, int]]:
        """(group label, span) over the columns, in order; an ungrouped column is its own span with
        an empty label (its own label is merged down over both header rows)."""
        groups: list[tuple[str, int]] = []
        for column in self.columns:
            if column.group and groups and groups[-1][0] == column.group:
                groups[-1] = (column.group, groups[-1][1] + 1)
            else:
                groups.append((column.group, 1))
        return groups

    def header_top(self) -> list[tuple[str, int, int]]:
        """The first header row as (label, colspan, rowspan): a group over its columns, or an
        ungrouped column's own label over both rows."""
        cells = []
        index = 0
        for group, span in self.header_groups():
            if group:
                cells.append((group, span, 1))
            else:
                cells.append((self.columns[index].label, 1, 2))
            index += span
        return cells

    def display_rows(self) -> list[tuple[str, str, list[str]]]:
        return [
            (
                row.code,
                row.name,
                [display(v, c.kind) for v, c in zip(row.cells(self.columns), self.columns, strict=True)],
            )
            for row in self.rows
        ]

    def display_totals(self) -> list[str]:
        return [display(value, column.kind) for value, column in zip(self.total_cells(), self.columns, strict=True)]

    def as_dict(self) -> dict:
        def plain(value):
            return float(value) if isinstance(value, Decimal) else value

        return {
            "title": str(self.title),
            "first_label": str(self.first_label),
            "columns": [[c.key, str(c.label), str(c.group), c.kind] for c in self.columns],
            "rows": [[r.code, r.name, {k: plain(v) for k, v in r.values.items()}] for r in self.rows],
            "totals": {k: plain(v) for k, v in self.totals.items()},
            "notes": [str(note) for note in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ReportTable:
        return cls(
            title=data["title"],
            first_label=data.get("first_label", ""),
            columns=[Column(key, label, group, kind) for key, label, group, kind in data["columns"]],
            rows=[Row(code, name, values) for code, name, values in data["rows"]],
            totals=data["totals"],
            notes=data.get("notes", []),
        )


def display(value: Any, kind: str) -> str:
    """A cell as the page shows it: thousands separated, money to two places, ratios as percent."""
    if value is None or value == "":
        return "—" if kind == PERCENT else ""
    if kind == PERCENT:
        return f"{float(value) * 100:.2f}%"
    if kind == MONEY:
        return f"{float(value):,.2f}"
    if kind == INTEGER:
        return f"{int(value):,}"
    return str(value)


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole to four places (a percentage cell shows 0.0123 as 1.23 %); None when whole is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
