"""Exports of the household list (CSV or Excel), streamed, ID numbers masked, each export recorded."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator

from django.db.models import F, Prefetch
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from areas.models import Area
from areas.scopes import grants_of
from core.audit import record_change
from core.excel import safe_cell
from core.models import ChangeAction
from households.choices import CAUSES, Relation
from households.idnumbers import mask_id_number
from households.models import Member

__all__ = ["COLUMNS", "export_households"]

_CAUSE_NAMES = dict(CAUSES)

#: (header, value of a household) in the order of the list page
COLUMNS = [
    ("户编号", lambda h: h.household_no),
    ("户主姓名", lambda h: h.head_name),
    ("户主证件号码", lambda h: mask_id_number(h.heads[0].id_number) if h.heads else ""),
    ("所在村", lambda h: h.village_name),
    ("所在村区划代码", lambda h: h.village_id),
    ("所在组", lambda h: h.group_name or ""),
    ("家庭人口数", lambda h: h.household_size),
    ("贫困户属性", lambda h: h.get_poverty_attribute_display()),
    ("主要致贫原因", lambda h: _CAUSE_NAMES.get(h.main_cause, h.main_cause)),
    ("人均纯收入", lambda h: float(h.net_income_per_capita)),
    ("脱贫属性", lambda h: h.get_status_display()),
    ("脱贫年度", lambda h: h.exit_year or ""),
    ("填报状态", lambda h: h.get_entry_state_display()),
    ("质量错误数", lambda h: h.quality_errors),
    ("质量提示数", lambda h: h.quality_warnings),
]
BATCH = 2000


#: the columns COLUMNS reads: a household row has about 80, and loading them all made the
#: export half as fast again as openpyxl alone and its memory 50 MB (docs/performance.md)
_FIELDS = [
    "household_no", "head_name", "village_id", "household_size", "poverty_attribute", "main_cause",
    "net_income_per_capita", "status", "exit_year", "entry_state", "quality_errors", "quality_warnings",
]  # fmt: skip
# a column reading a field left out here costs one query per row (the exit year did, 3.6x openpyxl
# alone): tests/households/test_pages.py counts the export's queries for 1 and 40 households


def _rows(households) -> Iterator[list]:
    heads = (
        Member.objects.filter(is_active=True, relation=Relation.HEAD)
        .only("id", "household_id", "id_number")
        .order_by("household_id", "position", "id")  # the model's ordering would join households
    )
    # the village's and group's names by join, not as two Area objects per row
    queryset = (
        households.only(*_FIELDS)
        .annotate(village_name=F("village__name"), group_name=F("village_group__name"))
        .prefetch_related(Prefetch("members", queryset=heads, to_attr="heads"))
    )
    for household in queryset.iterator(chunk_size=BATCH):
        yield [value(household) for _header, value in COLUMNS]


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
            yield writer.writerow([header for header, _value in COLUMNS])
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
    sheet.append([header for header, _value in COLUMNS])
    written = 0
    for row in _rows(households):
        if written == 1_000_000:  # an Excel sheet holds 1,048,576 rows: continue on a new sheet
            sheet = workbook.create_sheet(f"贫困户{len(workbook.worksheets) + 1}")
            sheet.append([header for header, _value in COLUMNS])
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
