"""Exports of the household list (CSV or Excel), streamed, ID numbers masked, each export recorded."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import F, OuterRef, Subquery
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from areas.models import Area
from areas.scopes import grants_of
from core.audit import record_change
from core.excel import safe_cell
from core.models import ChangeAction
from households.choices import CAUSES, EntryState, HouseholdStatus, PovertyAttribute, Relation
from households.idnumbers import mask_id_number
from households.models import Member

__all__ = ["COLUMNS", "HEADERS", "export_households"]

_CAUSE_NAMES = dict(CAUSES)
_ATTRIBUTES, _STATUSES, _ENTRY_STATES = (
    dict(PovertyAttribute.choices),
    dict(HouseholdStatus.choices),
    dict(EntryState.choices),
)


def _same(value):
    return value


def _blank_if_none(value):
    return "" if value is None else value


#: (header, the value's name in the row, how it is shown) in the order of the list page. Rows are
#: read as tuples of these values (values_list), not as model instances: building a household
#: instance per row (about 80 fields, of which 15 are shown) made the export 1.6x the CPU of
#: openpyxl alone writing the same cells (docs/performance.md); a column whose value is missing
#: here fails at once rather than costing a query per row.
COLUMNS = [
    ("户编号", "household_no", _same),
    ("户主姓名", "head_name", _same),
    ("户主证件号码", "head_id_number", lambda number: mask_id_number(number) if number else ""),
    ("所在村", "village_name", _same),
    ("所在村区划代码", "village_id", _same),
    ("所在组", "group_name", _blank_if_none),
    ("家庭人口数", "household_size", _same),
    ("贫困户属性", "poverty_attribute", lambda code: _ATTRIBUTES.get(code, code)),
    ("主要致贫原因", "main_cause", lambda code: _CAUSE_NAMES.get(code, code)),
    ("人均纯收入", "net_income_per_capita", float),
    ("脱贫属性", "status", lambda code: _STATUSES.get(code, code)),
    ("脱贫年度", "exit_year", _blank_if_none),
    ("填报状态", "entry_state", lambda code: _ENTRY_STATES.get(code, code)),
    ("质量错误数", "quality_errors", _same),
    ("质量提示数", "quality_warnings", _same),
]
HEADERS = [header for header, _name, _show in COLUMNS]
BATCH = 2000


def _rows(households) -> Iterator[list]:
    # the head's ID number: the first active member who is the head (a household has one)
    head = (
        Member.objects.filter(household=OuterRef("pk"), is_active=True, relation=Relation.HEAD)
        .order_by("position", "id")
        .values("id_number")[:1]
    )
    # the village's and group's names by join, not as two Area objects per row
    queryset = households.annotate(
        head_id_number=Subquery(head), village_name=F("village__name"), group_name=F("village_group__name")
    ).values_list(*[name for _header, name, _show in COLUMNS])
    shows = [show for _header, _name, show in COLUMNS]
    for values in queryset.iterator(chunk_size=BATCH):
        yield [show(value) for show, value in zip(shows, values, strict=True)]


class _Echo:
    def write(self, value):
        return value


def _record(user, count_hint: str, fmt: str, filters: dict) -> None:
    grants = grants_of(user)
    anchor = Area.objects.filter(code=grants[0].area_code).first() if grants else Area.objects.order_by("code").first()
    if anchor is not None:
        record_change(
            actor=user,
            obj=anchor,
            action=ChangeAction.EXPORT,
            area_code=anchor.code,
            after={"export": f"household list ({fmt})", "filters": filters, "rows": count_hint},
        )


def export_households(user, households, fmt: str, *, filters: dict):
    """A streamed CSV, or an Excel workbook written in write-only mode (flat memory)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    _record(user, "list", fmt, {k: v for k, v in filters.items() if k != "page"})
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream():
            yield "\ufeff"  # a BOM, so that Excel opens the UTF-8 file with Chinese intact
            yield writer.writerow(HEADERS)
            for row in _rows(households):
                yield writer.writerow([safe_cell(value) for value in row])

        response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="households-{stamp}.csv"'
        return response

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("贫困户")
    sheet.freeze_panes = "A2"
    sheet.append(HEADERS)
    written = 0
    for row in _rows(households):
        if written == 1_000_000:  # an Excel sheet holds 1,048,576 rows: continue on a new sheet
            sheet = workbook.create_sheet(f"贫困户{len(workbook.worksheets) + 1}")
            sheet.append(HEADERS)
            written = 0
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, str):
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
        written += 1
    temporary = tempfile.TemporaryFile()
    workbook.save(temporary)
    temporary.seek(0)
    return FileResponse(temporary, as_attachment=True, filename=f"households-{stamp}.xlsx")
