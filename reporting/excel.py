"""Report workbooks: a cover sheet (area, year, time built, by whom), then one sheet per table
with a merged two-row Chinese header, frozen panes under it, number formats and a totals row.

Written with openpyxl's write-only mode, row by row (flat memory whatever the size); every string
cell goes through core.excel.safe_cell (formula injection); a table longer than
REPORT_SHEET_MAX_ROWS continues on a further sheet, each with its header again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from core.excel import safe_cell
from reporting.tables import INTEGER, MONEY, PERCENT, TEXT, ReportTable

__all__ = ["NUMBER_FORMATS", "write_workbook"]

NUMBER_FORMATS = {INTEGER: "#,##0", MONEY: "#,##0.00", PERCENT: "0.00%", TEXT: "@"}
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
#: title row, two header rows
HEADER_ROWS = 3
#: code and name columns before the figures
LABEL_COLUMNS = 2


def _cell(sheet, value: Any, *, bold: bool = False, fill=None, number_format: str | None = None, center=False):
    if isinstance(value, Promise):
        value = str(value)  # a lazy translation, in the language the job runs under
    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if bold:
        cell.font = Font(bold=True)
    if fill is not None:
        cell.fill = fill
    if number_format:
        cell.number_format = number_format
    if center:
        cell.alignment = _CENTER
    cell.border = _BORDER
    return cell


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel allows 31 characters and no []:*?/\ in a sheet name
    base = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:28] or "Sheet"
    name, number = base, 2
    while name in used:
        name = f"{base[:25]}({number})"
        number += 1
    used.add(name)
    return name


def _write_cover(workbook: Workbook, cover: list[tuple[str, Any]], title: str, used: set[str]) -> None:
    sheet = workbook.create_sheet(_sheet_title(_("Cover"), used))
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 60
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([])
    for label, value in cover:
        sheet.append([_cell(sheet, label, bold=True, fill=_HEADER_FILL), _cell(sheet, value)])


def _write_header(sheet, table: ReportTable, width: int, heading: str) -> None:
    last = get_column_letter(width)
    sheet.merged_cells.add(f"A1:{last}1")
    sheet.append([_cell(sheet, f"{heading}{table.title}", bold=True, center=True)] + [None] * (width - 1))
    top = [
        _cell(sheet, _("Division code"), bold=True, fill=_HEADER_FILL, center=True),
        _cell(sheet, table.first_label, bold=True, fill=_HEADER_FILL, center=True),
    ]
    bottom = [_cell(sheet, None, fill=_HEADER_FILL), _cell(sheet, None, fill=_HEADER_FILL)]
    sheet.merged_cells.add("A2:A3")
    sheet.merged_cells.add("B2:B3")
    column = LABEL_COLUMNS + 1
    index = 0
    for group, span in table.header_groups():
        columns = table.columns[index : index + span]
        if group:
            top.append(_cell(sheet, group, bold=True, fill=_HEADER_FILL, center=True))
            top += [_cell(sheet, None, fill=_HEADER_FILL) for _ in range(span - 1)]
            if span > 1:
                sheet.merged_cells.add(f"{get_column_letter(column)}2:{get_column_letter(column + span - 1)}2")
            bottom += [_cell(sheet, c.label, bold=True, fill=_HEADER_FILL, center=True) for c in columns]
        else:
            top.append(_cell(sheet, columns[0].label, bold=True, fill=_HEADER_FILL, center=True))
            bottom.append(_cell(sheet, None, fill=_HEADER_FILL))
            sheet.merged_cells.add(f"{get_column_letter(column)}2:{get_column_letter(column)}3")
        column += span
        index += span
    sheet.append(top)
    sheet.append(bottom)


def _body_rows(sheet, table: ReportTable) -> Iterable[list]:
    formats = [NUMBER_FORMATS[column.kind] for column in table.columns]
    for row in table.rows:
        cells = [_cell(sheet, row.code, number_format="@"), _cell(sheet, row.name)]
        cells += [
            _cell(sheet, value, number_format=fmt) for value, fmt in zip(row.cells(table.columns), formats, strict=True)
        ]
        yield cells


def _write_table(workbook: Workbook, table: ReportTable, used: set[str], max_rows: int, heading: str) -> None:
    width = LABEL_COLUMNS + len(table.columns)
    # the header and the totals row take rows of each sheet's budget
    per_sheet = max(1, max_rows - HEADER_ROWS - 1 - len(table.notes) - 1)
    rows = list(table.rows)
    chunks = [rows[start : start + per_sheet] for start in range(0, len(rows), per_sheet)] or [[]]
    formats = [NUMBER_FORMATS[column.kind] for column in table.columns]
    for number, chunk in enumerate(chunks):
        sheet = workbook.create_sheet(_sheet_title(table.title, used))
        sheet.freeze_panes = f"{get_column_letter(LABEL_COLUMNS + 1)}{HEADER_ROWS + 1}"
        sheet.column_dimensions["A"].width = 15
        sheet.column_dimensions["B"].width = 22
        for position in range(LABEL_COLUMNS + 1, width + 1):
            sheet.column_dimensions[get_column_letter(position)].width = 11
        _write_header(sheet, table, width, heading)
        part = ReportTable(table.title, table.columns, chunk, table.totals, table.first_label)
        for cells in _body_rows(sheet, part):
            sheet.append(cells)
        if number == len(chunks) - 1:
            totals = [
                _cell(sheet, "", bold=True, fill=_TOTAL_FILL),
                _cell(sheet, _("Total"), bold=True, fill=_TOTAL_FILL),
            ]
            totals += [
                _cell(sheet, value, bold=True, fill=_TOTAL_FILL, number_format=fmt)
                for value, fmt in zip(table.total_cells(), formats, strict=True)
            ]
            sheet.append(totals)
            for note in table.notes:
                sheet.append([_cell(sheet, str(note))])


def write_workbook(
    path: Path, tables: list[ReportTable], *, title: str, cover: list[tuple[str, Any]], heading: str = ""
) -> None:
    """Write the report's workbook to ``path`` (the job publishes it once whole). ``heading``
    goes before each table's title in its title row (the area and year)."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    _write_cover(workbook, cover, title, used)
    for table in tables:
        _write_table(workbook, table, used, settings.REPORT_SHEET_MAX_ROWS, heading)
    workbook.save(path)
