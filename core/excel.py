"""Excel both ways (DESIGN.md decision 7): safe reading of uploads, safe cells for exports.

Reading refuses what is not a real, reasonably sized .xlsx before openpyxl parses it: a file over
the upload limit, a zip whose members inflate past a limit or at an absurd ratio (zip bombs).
openpyxl parses XML through defusedxml when it is installed (it is a dependency), which refuses
entity-expansion bombs.
"""

from __future__ import annotations

import zipfile
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

__all__ = ["WorkbookError", "check_xlsx", "read_rows", "safe_cell"]

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
MAX_MEMBERS = 10_000
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\x00")


class WorkbookError(Exception):
    """The upload cannot be read as a workbook; ``message`` says why, for the user."""

    def __init__(self, message: str, code: str = "bad_workbook"):
        super().__init__(message)
        self.message = message
        self.code = code


def check_xlsx(upload) -> None:
    """Refuse oversized files, non-zip files and zip bombs, without inflating anything."""
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, 2)
        size = upload.tell()
    upload.seek(0)
    if size > settings.UPLOAD_MAX_BYTES:
        raise WorkbookError(
            _("The file is %(size)s MB; at most %(limit)s MB are accepted.")
            % {"size": round(size / 1048576, 1), "limit": settings.UPLOAD_MAX_BYTES // 1048576},
            code="too_large",
        )
    if size == 0:
        raise WorkbookError(_("The file is empty."), code="empty")
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile as exc:
        raise WorkbookError(
            _("This is not an .xlsx workbook (save it from Excel or WPS as .xlsx)."), "not_xlsx"
        ) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise WorkbookError(_("The workbook has too many parts to be a real spreadsheet."), "zip_bomb")
        total = sum(member.file_size for member in members)
        compressed = sum(member.compress_size for member in members) or 1
        if total > MAX_UNCOMPRESSED_BYTES or total / compressed > MAX_COMPRESSION_RATIO:
            raise WorkbookError(_("The workbook inflates to an unreasonable size; it is refused."), "zip_bomb")
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or not any(name.startswith("xl/worksheets/") for name in names):
            raise WorkbookError(_("This is not an .xlsx workbook (save it from Excel or WPS as .xlsx)."), "not_xlsx")
    upload.seek(0)


def read_rows(upload, sheet: str | None = None) -> tuple[list[list[Any]], set[tuple[int, int]]]:
    """All rows of one sheet (the first by default) as values, and the (row, column) positions,
    1-based row and 0-based column, of cells that hold numbers rather than text."""
    from openpyxl import load_workbook

    check_xlsx(upload)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; each means "unreadable"
        raise WorkbookError(_("The workbook is damaged or not an .xlsx file."), "not_xlsx") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise WorkbookError(_("The workbook has no sheet named %(name)s.") % {"name": sheet}, "bad_sheet")
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        rows: list[list[Any]] = []
        numeric: set[tuple[int, int]] = set()
        for row_number, row in enumerate(worksheet.iter_rows(), start=1):
            values = []
            for column, cell in enumerate(row):
                value = getattr(cell, "value", None)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    numeric.add((row_number, column))
                values.append(value)
            rows.append(values)
        return rows, numeric
    finally:
        workbook.close()


def safe_cell(value: Any) -> Any:
    """A value for an exported cell: strings that a spreadsheet would run as a formula are
    prefixed with an apostrophe-like quote so they show as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
