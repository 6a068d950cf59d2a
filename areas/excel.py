"""Reading a list of villages and groups (code, name, parent code) from CSV or Excel."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from areas.services import AreaRow, RowError
from core.errors import ServiceError
from core.excel import WorkbookError, read_rows

__all__ = ["AREA_COLUMNS", "read_area_rows"]

#: accepted headers for each column: the dictionary's Chinese label, or the English key
AREA_COLUMNS = {
    "code": ("区划代码", "code"),
    "name": ("名称", "name"),
    "parent_code": ("上级区划代码", "parent_code"),
}


def _header_map(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    cleaned = [str(cell or "").strip() for cell in header]
    for key, names in AREA_COLUMNS.items():
        for index, cell in enumerate(cleaned):
            if cell in names:
                positions[key] = index
                break
        else:
            raise ServiceError(
                _("The first row must have the columns 区划代码, 名称, 上级区划代码; %(name)s is missing.")
                % {"name": names[0]},
                code="bad_header",
            )
    return positions


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def read_area_rows(upload) -> tuple[list[AreaRow], list[RowError]]:
    """Rows of an uploaded .csv or .xlsx file. Codes must be text: a number cell has lost its zeros
    or digits, so it is refused rather than guessed at."""
    name = (getattr(upload, "name", "") or "").lower()
    if name.endswith(".csv"):
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise ServiceError(_("The CSV file is neither UTF-8 nor GB18030 text."), code="bad_file") from exc
        table = [list(row) for row in csv.reader(io.StringIO(text))]
        numeric_cells: set[tuple[int, int]] = set()
    elif name.endswith(".xlsx"):
        try:
            table, numeric_cells = read_rows(upload)
        except WorkbookError as exc:
            raise ServiceError(exc.message, code=exc.code) from exc
    else:
        raise ServiceError(_("Upload a .xlsx or .csv file."), code="bad_file_type")
    table = [row for row in table if any(_text(cell) for cell in row)]
    if not table:
        raise ServiceError(_("The file is empty."), code="empty")
    positions = _header_map(table[0])
    rows: list[AreaRow] = []
    problems: list[RowError] = []
    for offset, row in enumerate(table[1:], start=2):

        def cell(key: str, row=row) -> str:
            index = positions[key]
            return _text(row[index]) if index < len(row) else ""

        for key in ("code", "parent_code"):
            if (offset, positions[key]) in numeric_cells:
                problems.append(RowError(offset, key, _("A number cell; enter codes as text.")))
        rows.append(AreaRow(offset, cell("code"), cell("name"), cell("parent_code")))
    return rows, problems
