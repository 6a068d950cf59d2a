"""The household import workbook (DESIGN.md decision 7): its layout, the template, the streaming
reader and the annotated copy of a checked upload.

The layout follows the data dictionary: sheet 户 has one row per household, sheet 成员 one row per
member, linked by 户序号 (the household's key inside this file). Headers are the model fields'
verbose names, so the workbook, the pages and the data dictionary say the same thing.

This module knows cells, not rules: it turns each cell into the value a form field would hold,
refusing only what cannot be read (a numeric ID number, a formula, a merged cell, a code that is
not on the list). Every rule about households and members runs in households/bulk.py, through
the same functions as the form.
"""

from __future__ import annotations

import datetime
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Any

from defusedxml import ElementTree as SafeET
from django.db import models
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.excel import WorkbookError
from households.models import Household, Member
from households.services import HOUSEHOLD_INPUT_FIELDS, MEMBER_INPUT_FIELDS

__all__ = [
    "CODES_SHEET",
    "Column",
    "HOUSEHOLD_COLUMNS",
    "HOUSEHOLD_SHEET",
    "HouseholdRow",
    "INSTRUCTIONS_SHEET",
    "ImportReader",
    "MEMBER_COLUMNS",
    "MEMBER_SHEET",
    "MemberRow",
    "Problem",
    "build_template",
    "write_annotated_copy",
]

HOUSEHOLD_SHEET = "户"
MEMBER_SHEET = "成员"
INSTRUCTIONS_SHEET = "填表说明"
CODES_SHEET = "代码表"
ROW_KEY_LABEL = "户序号"

#: merged cells are refused one by one up to this many; a workbook with more is refused whole
MAX_MERGED_CELLS = 100_000
#: rows of the template that carry drop-downs and text formats (a county has at most ~60,000 households)
TEMPLATE_HOUSEHOLD_ROWS = 60_000
TEMPLATE_MEMBER_ROWS = 250_000

YES, NO = "是", "否"

# Kinds of cell, each read one way.
KEY = "key"  # 户序号: text; a whole number is taken as its digits
CODE = "code"  # division code: digits, optionally followed by the name ("530921201200 孔兴村")
TEXT = "text"  # free text; a number is taken as typed
TEXT_ONLY = "text_only"  # text that a number cell would have corrupted (ID, bank account): numbers refused
DIGITS = "digits"  # a phone number: text, or a whole number
CHOICE = "choice"  # one option of a code list
CAUSE = "cause"  # a cause of poverty: the list is data (CauseCode), checked by the household rules
BOOL = "bool"  # 是 / 否
DECIMAL = "decimal"  # a number with at most the field's decimal places
INTEGER = "integer"  # a whole number
DATE = "date"  # a date cell or YYYY-MM-DD text

_TEXT_KINDS = {KEY, CODE, TEXT, TEXT_ONLY, DIGITS, CHOICE, CAUSE}

RED_FILL = PatternFill("solid", fgColor="FFC7CE")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_COMMENT_AUTHOR = "fupin"


@dataclass(frozen=True)
class Column:
    """One column of a data sheet: the value it holds (``key``) and how its cells are read."""

    key: str  # a model field name, or one of: row_key, household_no, village, village_group, other_causes_1/2
    label: str  # the header: the data dictionary's Chinese label
    kind: str
    required: bool = False  # the cell must be filled
    optional: bool = False  # the whole column may be left out of the sheet
    choices: tuple[tuple[str, str], ...] = ()  # (stored code, label) of a code list
    max_length: int | None = None
    decimal_places: int = 2
    max_digits: int = 12
    default: Any = None  # the value of a blank cell


def _verbose(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _field_column(model, name: str, **overrides) -> Column:
    """A column for a model field, its kind taken from the field's type."""
    model_field = model._meta.get_field(name)
    options: dict[str, Any] = {"default": model_field.get_default()}
    if isinstance(model_field, models.BooleanField):
        options["kind"] = BOOL
    elif isinstance(model_field, models.DecimalField):
        options.update(kind=DECIMAL, decimal_places=model_field.decimal_places, max_digits=model_field.max_digits)
        if model_field.null:
            options["default"] = None
    elif isinstance(model_field, models.IntegerField):
        options["kind"] = INTEGER
    elif model_field.choices:
        options.update(kind=CHOICE, choices=tuple((str(code), str(label)) for code, label in model_field.choices))
    else:
        options.update(kind=TEXT, max_length=getattr(model_field, "max_length", None))
    options.update(overrides)
    return Column(key=name, label=str(model_field.verbose_name), **options)


def _household_columns() -> tuple[Column, ...]:
    columns = [
        Column("row_key", ROW_KEY_LABEL, KEY, required=True),
        Column("household_no", _verbose(Household, "household_no"), TEXT_ONLY, optional=True, max_length=16),
        Column("village", _verbose(Household, "village") + "区划代码", CODE, required=True),
        Column("village_group", _verbose(Household, "village_group") + "区划代码", CODE),
    ]
    for name in HOUSEHOLD_INPUT_FIELDS:
        if name == "main_cause":
            columns.append(_field_column(Household, name, kind=CAUSE, max_length=None))
        elif name == "other_causes":
            # up to two other causes: one column each, so each can have its drop-down
            label = _verbose(Household, name)
            columns += [Column(f"other_causes_{n}", f"{label}{n}", CAUSE, default="") for n in (1, 2)]
        elif name == "bank_account":
            columns.append(_field_column(Household, name, kind=TEXT_ONLY))
        elif name == "phone":
            columns.append(_field_column(Household, name, kind=DIGITS))
        else:
            columns.append(_field_column(Household, name))
    return tuple(columns)


def _member_columns() -> tuple[Column, ...]:
    columns = [Column("row_key", ROW_KEY_LABEL, KEY, required=True)]
    for name in MEMBER_INPUT_FIELDS:
        if name in ("name", "relation"):
            columns.append(_field_column(Member, name, required=True))
        elif name == "id_number":
            columns.append(_field_column(Member, name, kind=TEXT_ONLY, required=True))
        elif name == "disability_cert_no":
            columns.append(_field_column(Member, name, kind=TEXT_ONLY))
        else:
            columns.append(_field_column(Member, name))
    # birth dates come from the ID number; a sheet may still carry them, as dates or YYYY-MM-DD text
    columns.append(Column("birth_date", _verbose(Member, "birth_date"), DATE, optional=True))
    return tuple(columns)


HOUSEHOLD_COLUMNS = _household_columns()
MEMBER_COLUMNS = _member_columns()
SHEET_COLUMNS = {HOUSEHOLD_SHEET: HOUSEHOLD_COLUMNS, MEMBER_SHEET: MEMBER_COLUMNS}
#: the sheets' order in the annotated copy and in the error list
SHEET_ORDER = {HOUSEHOLD_SHEET: 0, MEMBER_SHEET: 1}
#: ID-like columns kept as text in the template and the annotated copy
TEXT_FORMAT_KINDS = {KEY, CODE, TEXT_ONLY, DIGITS, CHOICE, CAUSE}


# --- what the reader produces --------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A refused cell: the sheet, its 1-based row, the column key and what is wrong, for people."""

    sheet: str
    row: int
    key: str
    message: str
    code: str = "invalid"


@dataclass(slots=True)
class MemberRow:
    """One row of sheet 成员, read: ``values`` follow MEMBER_INPUT_FIELDS."""

    row: int
    values: tuple
    birth_date: datetime.date | None
    refused: bool  # a cell of the row could not be read


@dataclass
class HouseholdRow:
    """One row of sheet 户 with the member rows that carry its 户序号."""

    key: str
    row: int
    household_no: str
    village_code: str
    group_code: str
    values: dict[str, Any]  # every field of HOUSEHOLD_INPUT_FIELDS
    members: list[MemberRow] = field(default_factory=list)
    refused: bool = False  # a cell of the household row or of one of its member rows could not be read

    def member_values(self, index: int) -> dict[str, Any]:
        return dict(zip(MEMBER_INPUT_FIELDS, self.members[index].values, strict=True))


# --- reading cells -------------------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code


_CODE_TOKEN = re.compile(r"\s*(\d+)")
_DATE_TEXT = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
_THOUSANDS = str.maketrans("", "", ",， ")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _whole_number_text(value: Any) -> str | None:
    """The digits of a whole number cell (Excel keeps 15 significant digits exactly), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return None


class _Options:
    """How the cells of one code list are read: the option text of the drop-down, the code or the label."""

    def __init__(self, choices: tuple[tuple[str, str], ...]):
        self.lookup: dict[str, str] = {}
        for code, label in choices:
            for text in (option_text(code, label), code, label):
                self.lookup.setdefault(text, code)
        self.widths = sorted({len(code) for code, _label in choices if code.isdigit()})

    def code_of(self, value: Any) -> str | None:
        if _is_number(value):
            digits = _whole_number_text(value)
            if digits is None:
                return None
            # "01" typed into a General cell becomes the number 1
            return next((self.lookup[digits.zfill(w)] for w in self.widths if digits.zfill(w) in self.lookup), None)
        return self.lookup.get(str(value).strip())


def option_text(code: str, label: str) -> str:
    """The drop-down text of a code: "01 因病" for numbered codes, the label alone for named ones."""
    return f"{code} {label}" if code.isdigit() else label


class _CellReader:
    """Turns the cells of one column into values, or raises _CellError with the reason."""

    def __init__(self, column: Column, causes: dict[str, str]):
        self.column = column
        choices = column.choices if column.kind == CHOICE else tuple(causes.items())
        self.options = _Options(choices) if column.kind in (CHOICE, CAUSE) else None
        self.read: Callable[[Any], Any] = getattr(self, f"_read_{column.kind}")

    def _text(self, value: Any) -> str:
        text = str(value).strip()
        if self.column.max_length and len(text) > self.column.max_length:
            raise _CellError(_("At most %(count)s characters.") % {"count": self.column.max_length}, "too_long")
        return text

    def _read_key(self, value: Any) -> str:
        return _whole_number_text(value) or self._text(value)

    def _read_code(self, value: Any) -> str:
        text = _whole_number_text(value) or str(value)
        match = _CODE_TOKEN.match(text)
        if not match:
            raise _CellError(_("Enter the division code (digits)."), "bad_code")
        return match.group(1)

    def _read_text(self, value: Any) -> str:
        if _is_number(value):
            value = _whole_number_text(value) or value
        return self._text(value)

    def _read_text_only(self, value: Any) -> str:
        if _is_number(value):
            raise _CellError(
                _(
                    "This number is stored as a number, so Excel has already changed its last digits. Format the "
                    "column as Text and type the number again."
                ),
                "numeric_text",
            )
        return self._text(str(value).replace(" ", ""))

    def _read_digits(self, value: Any) -> str:
        return _whole_number_text(value) or self._text(value)

    def _read_choice(self, value: Any) -> str:
        code = self.options.code_of(value)
        if code is None:
            raise _CellError(
                _("%(value)s is not an option of this column; choose one from the drop-down list.")
                % {"value": str(value).strip()[:40]},
                "bad_option",
            )
        return code

    def _read_cause(self, value: Any) -> str:
        # an unknown cause is kept as typed: the household rules say it is unknown, as on the form
        code = self.options.code_of(value)
        return code if code is not None else (_whole_number_text(value) or str(value).strip())

    def _read_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip()
        if text == YES:
            return True
        if text == NO:
            return False
        raise _CellError(_("Choose 是 or 否."), "bad_option")

    def _read_decimal(self, value: Any) -> Decimal:
        try:
            number = Decimal(str(value).translate(_THOUSANDS)) if not _is_number(value) else Decimal(str(value))
        except InvalidOperation:
            raise _CellError(_("Enter a number."), "not_a_number") from None
        if not number.is_finite():
            raise _CellError(_("Enter a number."), "not_a_number")
        places = Decimal(1).scaleb(-self.column.decimal_places)
        rounded = number.quantize(places, ROUND_HALF_UP) if abs(number) < Decimal(10) ** 20 else number
        # a float cell may carry binary noise (0.30000000000000004); more real decimals are refused
        if abs(number - rounded) > Decimal("1e-9"):
            raise _CellError(
                _("Use at most %(places)s decimal places.") % {"places": self.column.decimal_places}, "bad_number"
            )
        if abs(rounded) >= Decimal(10) ** (self.column.max_digits - self.column.decimal_places):
            raise _CellError(_("The number is too large."), "bad_number")
        return rounded

    def _read_integer(self, value: Any) -> int:
        digits = _whole_number_text(value) if _is_number(value) else str(value).strip()
        if digits is None or not re.fullmatch(r"-?\d{1,5}", digits):
            raise _CellError(_("Enter a whole number."), "not_a_number")
        return int(digits)

    def _read_date(self, value: Any) -> datetime.date:
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        match = _DATE_TEXT.match(str(value).strip())
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        raise _CellError(_("Enter the date as a date cell or as text YYYY-MM-DD."), "bad_date")


@dataclass
class _Layout:
    """Where each column of a sheet is, found from its header row."""

    sheet: str
    positions: dict[str, int]  # column key → 0-based index
    readers: list[tuple[int, Column, _CellReader]]
    max_column: int


def _merged_ranges(archive: zipfile.ZipFile, xml_path: str) -> list[str]:
    """The <mergeCell ref> ranges of a sheet. read-only openpyxl does not expose them, so the sheet's
    XML is read here: only the part after <sheetData> is parsed (with defusedxml), since merge
    ranges are written there and the cell data can be tens of megabytes."""
    with archive.open(xml_path) as stream:
        head = b""
        tail = bytearray()
        found = False
        while chunk := stream.read(1 << 20):
            if not head:
                head = chunk[:4096]
            if found:
                tail += chunk
                continue
            window = bytes(tail[-32:]) + chunk
            match = re.search(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>", window)
            if match:
                found = True
                tail = bytearray(window[match.end() :])
            else:
                tail = bytearray(window[-32:])
    if not found:
        return []
    root = re.search(rb"<(?:\w+:)?worksheet\b[^>]*>", head)
    if root is None:
        return []
    document = root.group(0) + bytes(tail)
    try:
        tree = SafeET.fromstring(document)
    except Exception as exc:  # defusedxml refuses entities; anything unparsable is a damaged file
        raise WorkbookError(_("The workbook is damaged or not an .xlsx file."), "not_xlsx") from exc
    return [element.get("ref", "") for element in tree.iter() if element.tag.rsplit("}", 1)[-1] == "mergeCell"]


def _sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the XML part inside the zip, from workbook.xml and its relationships."""
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
        relations = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception as exc:
        raise WorkbookError(_("The workbook is damaged or not an .xlsx file."), "not_xlsx") from exc
    targets = {}
    for relation in relations:
        target = relation.get("Target", "")
        targets[relation.get("Id")] = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
    paths = {}
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] == "sheet":
            rid = next((value for key, value in element.attrib.items() if key.rsplit("}", 1)[-1] == "id"), None)
            if rid in targets:
                paths[element.get("name")] = targets[rid]
    return paths


def _cells_of(ref: str) -> tuple[int, int, int, int]:
    """(first row, first column, last row, last column), 1-based, of a range such as "B3:D4"."""
    from openpyxl.utils.cell import range_boundaries

    min_col, min_row, max_col, max_row = range_boundaries(ref)
    return min_row, min_col, max_row, max_col


class ImportReader:
    """Streams an uploaded import workbook (read-only openpyxl): the header rows are checked when
    it opens, members are read whole (they are joined to households by 户序号), households are
    then yielded in batches with their members. Every refused cell is appended to ``problems``.

    Use as a context manager; ``WorkbookError`` says, for people, why a file cannot be read at all.
    """

    def __init__(self, path: Path | str, *, causes: dict[str, str]):
        self.path = Path(path)
        self.causes = causes
        self.problems: list[Problem] = []
        self.household_rows_estimate = 0
        self._members: dict[str, list[MemberRow]] = {}

    # -- opening ----------------------------------------------------------------------------------

    def __enter__(self) -> ImportReader:
        try:
            self.workbook = load_workbook(self.path, read_only=True, data_only=False)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file; each means "unreadable"
            raise WorkbookError(_("The workbook is damaged or not an .xlsx file."), "not_xlsx") from exc
        try:
            self._open_sheets()
        except BaseException:
            self.workbook.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.workbook.close()

    def _open_sheets(self) -> None:
        missing = [name for name in (HOUSEHOLD_SHEET, MEMBER_SHEET) if name not in self.workbook.sheetnames]
        if missing:
            raise WorkbookError(
                _("The workbook has no sheet named %(names)s. Download the template and fill in its sheets.")
                % {"names": "、".join(missing)},
                "bad_sheet",
            )
        self.sheets = {name: self.workbook[name] for name in (HOUSEHOLD_SHEET, MEMBER_SHEET)}
        self.household_rows_estimate = max((self.sheets[HOUSEHOLD_SHEET].max_row or 1) - 1, 0)
        with zipfile.ZipFile(self.path) as archive:
            paths = _sheet_paths(archive)
            self.merged = {name: _merged_ranges(archive, paths[name]) for name in self.sheets if name in paths}
        self._merged_cells: dict[str, dict[tuple[int, int], str]] = {}
        budget = MAX_MERGED_CELLS
        for name, ranges in self.merged.items():
            cells: dict[tuple[int, int], str] = {}
            for ref in ranges:
                first_row, first_col, last_row, last_col = _cells_of(ref)
                if first_row == 1:
                    raise WorkbookError(
                        _("The header row of sheet %(sheet)s has merged cells %(range)s; unmerge them.")
                        % {"sheet": name, "range": ref},
                        "merged_header",
                    )
                budget -= (last_row - first_row + 1) * (last_col - first_col + 1)
                if budget < 0:  # each merged cell is looked up by position: refuse absurd areas whole
                    raise WorkbookError(
                        _("Sheet %(sheet)s has merged cells over a large area (%(range)s); unmerge them.")
                        % {"sheet": name, "range": ref},
                        "merged",
                    )
                for row in range(first_row, last_row + 1):
                    for col in range(first_col, last_col + 1):
                        cells[(row, col - 1)] = ref
            self._merged_cells[name] = cells
        self.layouts = {name: self._layout(name) for name in self.sheets}

    def _layout(self, sheet: str) -> _Layout:
        worksheet = self.sheets[sheet]
        worksheet.reset_dimensions()  # some writers record a wrong size; read what is there
        header = next(worksheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        labels = [str(value).strip() if value is not None else "" for value in header]
        while labels and not labels[-1]:
            labels.pop()
        if not any(labels):
            raise WorkbookError(
                _("Sheet %(sheet)s has no header row. Download the template and fill in its sheets.")
                % {"sheet": sheet},
                "bad_header",
            )
        by_label = {column.label: column for column in SHEET_COLUMNS[sheet]}
        positions: dict[str, int] = {}
        unknown, repeated = [], []
        for index, label in enumerate(labels):
            column = by_label.get(label.rstrip("*").strip())
            if column is None:
                unknown.append(label or get_column_letter(index + 1))
            elif column.key in positions:
                repeated.append(label)
            else:
                positions[column.key] = index
        missing = [c.label for c in SHEET_COLUMNS[sheet] if c.key not in positions and not c.optional]
        if unknown or repeated or missing:
            parts = []
            if missing:
                parts.append(_("missing columns: %(names)s") % {"names": "、".join(missing)})
            if unknown:
                parts.append(_("unknown columns: %(names)s") % {"names": "、".join(unknown)})
            if repeated:
                parts.append(_("repeated columns: %(names)s") % {"names": "、".join(repeated)})
            raise WorkbookError(
                _("The headers of sheet %(sheet)s do not match the template (%(problems)s). Download the template.")
                % {"sheet": sheet, "problems": "; ".join(parts)},
                "bad_header",
            )
        readers = [
            (positions[column.key], column, _CellReader(column, self.causes))
            for column in SHEET_COLUMNS[sheet]
            if column.key in positions
        ]
        return _Layout(sheet, positions, readers, len(labels))

    # -- rows -------------------------------------------------------------------------------------

    def _read_row(self, sheet: str, number: int, cells) -> tuple[dict[str, Any], bool] | None:
        """The values of one row by column key, and whether a cell was refused; None for a blank row."""
        count = len(cells)
        if not any(cell.value is not None and cell.value != "" for cell in cells):
            return None
        values: dict[str, Any] = {}
        refused = False
        merged = self._merged_cells.get(sheet)
        reported: set[str] = set()
        for index, column, reader in self.layouts[sheet].readers:
            cell = cells[index] if index < count else None
            value = cell.value if cell is not None else None
            if merged and (number, index) in merged:
                ref = merged[(number, index)]
                if ref not in reported:  # one problem per range and row, at its first cell
                    reported.add(ref)
                    self.problems.append(
                        Problem(
                            sheet,
                            number,
                            column.key,
                            _("Merged cells %(range)s; unmerge them and fill in each cell.") % {"range": ref},
                            "merged",
                        )
                    )
                refused = True
                values[column.key] = column.default
                continue
            if isinstance(value, str) and not value.strip():
                value = None
            if value is None:
                if column.required:
                    self.problems.append(Problem(sheet, number, column.key, _("Fill in this cell."), "required"))
                    refused = True
                values[column.key] = column.default
                continue
            data_type = cell.data_type
            try:
                if data_type == "f":
                    raise _CellError(
                        _(
                            "This cell holds a formula. Copy the column and paste it back as values "
                            "(Paste Special → Values)."
                        ),
                        "formula",
                    )
                if data_type == "e":
                    raise _CellError(_("This cell shows an error value (%(value)s).") % {"value": value}, "error")
                values[column.key] = reader.read(value)
            except _CellError as exc:
                self.problems.append(Problem(sheet, number, column.key, exc.message, exc.code))
                refused = True
                values[column.key] = column.default
        return values, refused

    def _rows(self, sheet: str) -> Iterator[tuple[int, dict[str, Any], bool]]:
        rows = self.sheets[sheet].iter_rows(min_row=2)
        number = 1
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # defusedxml refusing entities, broken XML: the file is damaged
                raise WorkbookError(_("The workbook is damaged or not an .xlsx file."), "not_xlsx") from exc
            number += 1
            read = self._read_row(sheet, number, cells)
            if read is not None:
                yield number, read[0], read[1]

    def read_members(self) -> int:
        """Read sheet 成员 whole, grouped by 户序号; returns the number of member rows."""
        count = 0
        for number, values, refused in self._rows(MEMBER_SHEET):
            count += 1
            key = values["row_key"]
            row = MemberRow(
                number, tuple(values.get(name) for name in MEMBER_INPUT_FIELDS), values.get("birth_date"), refused
            )
            self._members.setdefault(key, []).append(row)
        return count

    def iter_households(self, batch_size: int) -> Iterator[list[HouseholdRow]]:
        """Households in sheet order, in batches, each with its member rows (call read_members first)."""
        seen: dict[str, int] = {}
        batch: list[HouseholdRow] = []
        for number, values, refused in self._rows(HOUSEHOLD_SHEET):
            key = values.pop("row_key")
            if key and key in seen:
                self.problems.append(
                    Problem(
                        HOUSEHOLD_SHEET,
                        number,
                        "row_key",
                        _("户序号 %(key)s is already used on row %(row)s.") % {"key": key, "row": seen[key]},
                        "duplicate_key",
                    )
                )
                refused = True
                members = []
            else:
                seen[key] = number
                members = self._members.pop(key, []) if key else []
            others = [code for code in (values.pop("other_causes_1"), values.pop("other_causes_2")) if code]
            values["other_causes"] = others
            household = HouseholdRow(
                key=key,
                row=number,
                household_no=values.pop("household_no", None) or "",
                village_code=values.pop("village") or "",
                group_code=values.pop("village_group") or "",
                values=values,
                members=members,
                refused=refused or any(member.refused for member in members),
            )
            batch.append(household)
            if len(batch) >= batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    def report_orphans(self) -> None:
        """Member rows whose 户序号 matches no household: each is refused."""
        for key, rows in self._members.items():
            for member in rows:
                self.problems.append(
                    Problem(
                        MEMBER_SHEET,
                        member.row,
                        "row_key",
                        _("No household in sheet 户 has 户序号 %(key)s.") % {"key": key},
                        "orphan_member",
                    )
                )
        self._members.clear()

    def positions(self) -> dict[str, dict[str, int]]:
        """Column key → 0-based column index, per sheet, as this upload has them."""
        return {sheet: dict(layout.positions) for sheet, layout in self.layouts.items()}


# --- the template --------------------------------------------------------------------------------


def _describe(column: Column) -> str:
    """What a column takes, for the instructions sheet."""
    if column.key == "row_key":
        return _(
            "The household's key in this file (1, 2, 3…). Sheet 成员 uses it to say which household each member "
            "belongs to; it is not stored."
        )
    if column.key == "household_no":
        return _(
            "Leave blank for a new household. To update a registered household, give its 16-digit household "
            "number; without it, a household is matched by the ID number of its head."
        )
    if column.key == "village":
        return _("The 12-digit division code of the village, from the drop-down list.")
    if column.key == "village_group":
        return _("Optional: the 15-digit code of the village group, from the drop-down list.")
    if column.key == "birth_date":
        return _(
            "Optional column: birth dates are taken from the ID number. If present, a date cell or text YYYY-MM-DD "
            "that must agree with the ID number."
        )
    if column.kind == TEXT_ONLY and column.key == "id_number":
        return _(
            "The 18-character resident ID number (20 characters for a disability certificate). The column is "
            "formatted as Text: keep it so, or Excel changes the last digits. Number cells are refused."
        )
    if column.kind == TEXT_ONLY:
        return _("Text; number cells are refused because Excel changes long numbers.")
    if column.kind == BOOL:
        default = YES if column.default else NO
        return _("是 or 否 (blank: %(default)s).") % {"default": default}
    if column.kind == DECIMAL:
        return _("A number, not negative, at most %(places)s decimal places (blank: 0).") % {
            "places": column.decimal_places
        }
    if column.kind == INTEGER:
        return _("A whole number (blank: 0).")
    if column.kind == CAUSE:
        return _("A code from the list of causes of poverty (sheet 代码表).")
    if column.kind == CHOICE:
        options = "、".join(option_text(code, label) for code, label in column.choices[:8])
        more = "…" if len(column.choices) > 8 else ""
        return _("An option from the drop-down list: %(options)s%(more)s") % {"options": options, "more": more}
    return _("Text.")


def _instructions(workbook: Workbook, lists: dict[str, list[str]]) -> None:
    sheet = workbook.active
    sheet.title = INSTRUCTIONS_SHEET
    bold = Font(bold=True)
    lines = [
        _("How to fill in this workbook"),
        _(
            "1. Sheet 户 has one row per household, sheet 成员 one row per member. The column 户序号 links them: "
            "give each household a key (1, 2, 3…) and repeat it on the rows of its members."
        ),
        _(
            "2. Do not rename, remove or add columns, and do not merge cells. Enter values only: cells with "
            "formulas are refused (paste them as values)."
        ),
        _(
            "3. ID numbers, bank accounts and codes must be text. Their columns are formatted as Text; if you paste "
            "from elsewhere, paste as values into these columns. A cell that holds an ID number as a number has "
            "lost digits and is refused."
        ),
        _(
            "4. Choose codes from the drop-down lists (sheet 代码表 lists them). Yes/no columns take 是 or 否. "
            "Amounts are in yuan, areas in mu; a blank amount is 0."
        ),
        _(
            "5. Each household row is its whole record: the import sets every column as given. A registered "
            "household is updated when its 户编号 is given, or when its head's ID number matches; its members "
            "must all be listed (members leave a household through its form, with the reason)."
        ),
        _(
            "6. The import is all or nothing. The upload is checked first and nothing is saved; the check lists "
            "every refused cell and gives back this workbook with refused cells in red, each with a comment that "
            "says why. Correct them and upload again. Only a check without refused rows can be imported, and then "
            "every row is saved at once, or none."
        ),
        _("7. Importing the same workbook again changes nothing: households whose values are unchanged are skipped."),
    ]
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    sheet.append([_("Sheet"), _("Column"), _("Required"), _("What to enter")])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    for name, columns in SHEET_COLUMNS.items():
        for column in columns:
            required = YES if column.required else (_("optional column") if column.optional else NO)
            sheet.append([name, column.label, required, _describe(column)])
    sheet.append([])
    sheet.append([_("Code lists")])
    sheet[f"A{sheet.max_row}"].font = bold
    for title, options in lists.items():
        sheet.append([title, "、".join(options)])
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 34
    sheet.column_dimensions["C"].width = 10
    sheet.column_dimensions["D"].width = 100
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def build_template(
    target,
    *,
    villages: list[tuple[str, str]],
    groups: list[tuple[str, str]],
    causes: list[tuple[str, str]],
) -> None:
    """Write the import template to ``target`` (a path or a binary stream): the instructions, sheets
    户 and 成员 with the dictionary's headers, drop-downs for every code list, the village and group
    codes of the area, and text format on ID-like columns."""
    workbook = Workbook()
    lists: dict[str, list[str]] = {}
    for columns in SHEET_COLUMNS.values():
        for column in columns:
            if column.kind == CHOICE:
                lists.setdefault(column.label, [option_text(code, label) for code, label in column.choices])
    lists["致贫原因"] = [option_text(code, name) for code, name in causes]
    lists["是否"] = [YES, NO]
    lists[_verbose(Household, "village")] = [f"{code} {name}" for code, name in villages]
    lists[_verbose(Household, "village_group")] = [f"{code} {name}" for code, name in groups]
    _instructions(workbook, {k: v for k, v in lists.items() if k not in ("是否",)})

    ranges: dict[str, str] = {}
    for index, (title, options) in enumerate(lists.items(), start=1):
        letter = get_column_letter(index)
        ranges[title] = f"'{CODES_SHEET}'!${letter}$2:${letter}${max(len(options), 1) + 1}"

    for name, rows in ((HOUSEHOLD_SHEET, TEMPLATE_HOUSEHOLD_ROWS), (MEMBER_SHEET, TEMPLATE_MEMBER_ROWS)):
        sheet = workbook.create_sheet(name)
        # birth dates come from the ID number: the optional column is not offered, but may be added
        columns = [column for column in SHEET_COLUMNS[name] if column.key != "birth_date"]
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            cell = sheet.cell(row=1, column=index, value=column.label)
            cell.font = Font(bold=True, color="B42318" if column.required else None)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            sheet.column_dimensions[letter].width = max(10, min(len(column.label) * 2 + 2, 30))
            if column.kind in TEXT_FORMAT_KINDS:
                sheet.column_dimensions[letter].number_format = "@"
            source = None
            if column.kind == CHOICE:
                source = ranges[column.label]
            elif column.kind == CAUSE:
                source = ranges["致贫原因"]
            elif column.kind == BOOL:
                source = ranges["是否"]
            elif column.key == "village":
                source = ranges[_verbose(Household, "village")]
            elif column.key == "village_group" and groups:
                source = ranges[_verbose(Household, "village_group")]
            if source:
                validation = DataValidation(
                    type="list",
                    formula1=source,
                    allow_blank=True,
                    showErrorMessage=column.kind in (CHOICE, BOOL, CAUSE),
                    errorTitle=_("Not on the list"),
                    error=_("Choose a value from the drop-down list."),
                )
                validation.add(f"{letter}2:{letter}{rows + 1}")
                sheet.add_data_validation(validation)
        sheet.freeze_panes = "B2"
        sheet.row_dimensions[1].height = 36

    codes = workbook.create_sheet(CODES_SHEET)
    for index, (title, options) in enumerate(lists.items(), start=1):
        codes.cell(row=1, column=index, value=title).font = Font(bold=True)
        for row, option in enumerate(options, start=2):
            codes.cell(row=row, column=index, value=option)
        codes.column_dimensions[get_column_letter(index)].width = 24
    codes.sheet_state = "hidden"
    workbook.active = 1
    workbook.save(target)


# --- the annotated copy --------------------------------------------------------------------------


def write_annotated_copy(
    source: Path | str,
    target: Path | str,
    marks: dict[tuple[str, int, int], list[str]],
    positions: dict[str, dict[str, int]],
) -> None:
    """Copy the uploaded workbook's values to ``target`` (write-only, flat memory), every marked cell
    (sheet, 1-based row, 0-based column) with a red fill and a comment listing its problems.

    Formulas are copied as their text, so the copy never computes anything; ID-like columns of the
    data sheets keep the text format, so the corrected copy can be uploaded again.
    """
    text_columns = {
        sheet: {positions[sheet][c.key] for c in columns if c.kind in TEXT_FORMAT_KINDS and c.key in positions[sheet]}
        for sheet, columns in SHEET_COLUMNS.items()
        if sheet in positions
    }
    rows_marked: dict[tuple[str, int], dict[int, list[str]]] = {}
    for (sheet, row, column), messages in marks.items():
        rows_marked.setdefault((sheet, row), {})[column] = messages
    reader = load_workbook(source, read_only=True, data_only=False)
    writer = Workbook(write_only=True)
    try:
        for name in reader.sheetnames:
            source_sheet = reader[name]
            source_sheet.reset_dimensions()
            sheet = writer.create_sheet(name)
            for column in text_columns.get(name, ()):
                sheet.column_dimensions[get_column_letter(column + 1)].number_format = "@"
            if name in SHEET_COLUMNS:
                sheet.freeze_panes = "B2"
            for number, cells in enumerate(source_sheet.iter_rows(), start=1):
                marked = rows_marked.get((name, number))
                values: list[Any] = []
                for cell in cells:
                    value = getattr(cell, "value", None)
                    if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")):
                        text = WriteOnlyCell(sheet, value=str(value))
                        text.data_type = "s"  # keep the formula as text: the copy computes nothing
                        value = text
                    values.append(value)
                if marked:
                    values += [None] * (max(marked) + 1 - len(values))
                    for column, messages in marked.items():
                        current = values[column]
                        cell = current if isinstance(current, Cell) else WriteOnlyCell(sheet, value=current)
                        cell.fill = RED_FILL
                        comment = Comment("\n".join(messages), _COMMENT_AUTHOR)
                        comment.width, comment.height = 320, 40 + 20 * len(messages)
                        cell.comment = comment
                        values[column] = cell
                sheet.append(values)
        writer.save(target)
    finally:
        reader.close()
