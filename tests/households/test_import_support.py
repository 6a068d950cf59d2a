"""Helpers shared by the import tests and the authorization matrix (no tests here): workbooks in
the template's layout, built from rows given by column key, and running an import's jobs."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.jobs import run_job
from core.models import Job
from households import imports
from households.excel import HOUSEHOLD_COLUMNS, HOUSEHOLD_SHEET, MEMBER_COLUMNS, MEMBER_SHEET
from households.idnumbers import build_id_number

KONGXING = "530921201200"  # 孔兴村, 诗礼乡 (the village clerk's own village)
SHILI_VILLAGE = "530921201201"  # 诗礼村, the same township
XINHUA_VILLAGE = "530921202200"  # 新华村, the sibling township 新华乡

HOUSEHOLD_LABELS = [column.label for column in HOUSEHOLD_COLUMNS]
MEMBER_LABELS = [column.label for column in MEMBER_COLUMNS if column.key != "birth_date"]
_HOUSEHOLD_INDEX = {column.key: index for index, column in enumerate(HOUSEHOLD_COLUMNS)}
_MEMBER_INDEX = {column.key: index for index, column in enumerate(MEMBER_COLUMNS)}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def household(key: str = "1", village: str = KONGXING, **cells) -> dict:
    """A valid household row (the fixture household_input of tests/households/conftest.py)."""
    row = {
        "row_key": key,
        "village": village,
        "main_cause": "01 因病",
        "other_causes_1": "08 缺劳动力",
        "wage_income": 2400,
        "business_income": 1500,
        "pension_income": 600,
        "business_expense": 300,
        "distance_to_main_road_km": 1.2,
        "cultivated_land_mu": 3.5,
        "irrigated_land_mu": 1,
    }
    row.update(cells)
    return row


def member(key: str, name: str, relation: str, born: datetime.date, sequence: int, **cells) -> dict:
    return {
        "row_key": key,
        "name": name,
        "relation": relation,
        "id_number": build_id_number("530921", born, sequence),
        **cells,
    }


def family(key: str = "1", offset: int = 0) -> list[dict]:
    """Four members (the fixture family_of_four): a head, a spouse, a son and a daughter."""
    return [
        member(key, "杨大山", "01", datetime.date(1970, 3, 15), 11 + offset * 10, education="02", labor_skill="01"),
        member(key, "李秀英", "02 配偶", datetime.date(1972, 5, 6), 12 + offset * 10, education="02", labor_skill="01"),
        member(key, "杨小明", "03", datetime.date(2012, 9, 1), 13 + offset * 10, education="02", school_status="05"),
        member(key, "杨小红", "04", datetime.date(2015, 1, 20), 14 + offset * 10, education="02", school_status="03"),
    ]


def _row(cells: dict, index: dict[str, int], width: int) -> list:
    values = [None] * width
    for key, value in cells.items():
        values[index[key]] = value
    return values


def workbook_bytes(
    households: list[dict],
    members: list[dict],
    *,
    birth_dates: bool = False,
    change: Callable[[Workbook], None] | None = None,
) -> bytes:
    """An import workbook (normal-mode openpyxl, so ``change`` may merge cells or add sheets)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = HOUSEHOLD_SHEET
    sheet.append(HOUSEHOLD_LABELS)
    for cells in households:
        sheet.append(_row(cells, _HOUSEHOLD_INDEX, len(HOUSEHOLD_LABELS)))
    sheet = workbook.create_sheet(MEMBER_SHEET)
    width = len(MEMBER_LABELS) + (1 if birth_dates else 0)
    sheet.append([*MEMBER_LABELS, "出生日期"] if birth_dates else MEMBER_LABELS)
    for cells in members:
        sheet.append(_row(cells, _MEMBER_INDEX, width))
    if change is not None:
        change(workbook)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def large_workbook_bytes(households: int, *, village: str = KONGXING, spoil: Callable | None = None) -> bytes:
    """A workbook of many valid households of three members (write-only openpyxl, only the cells a
    valid household needs, so building 10,000 households takes seconds). ``spoil(index, rows)`` may
    change household ``index``'s rows (household first, then members) before they are written."""
    workbook = Workbook(write_only=True)
    household_sheet = workbook.create_sheet(HOUSEHOLD_SHEET)
    member_sheet = workbook.create_sheet(MEMBER_SHEET)
    household_sheet.append(HOUSEHOLD_LABELS)
    member_sheet.append(MEMBER_LABELS)
    width_h, width_m = len(HOUSEHOLD_LABELS), len(MEMBER_LABELS)
    for index in range(households):
        key = str(index + 1)
        born = datetime.date(1950 + index % 40, 1 + index % 12, 1 + index % 28)
        child = datetime.date(2005 + index % 10, 1 + index % 12, 1 + index % 28)
        rows = [
            {
                "row_key": key,
                "village": village,
                "main_cause": "09",
                "wage_income": 1800,
                "distance_to_main_road_km": 1,
            },
            {"row_key": key, "name": f"户主{index}", "relation": "01", "id_number": _id(3, born, index)},
            {"row_key": key, "name": f"配偶{index}", "relation": "02", "id_number": _id(4, born, index)},
            {"row_key": key, "name": f"子女{index}", "relation": "03", "id_number": _id(5, child, index)},
        ]
        if spoil is not None:
            spoil(index, rows)
        household_sheet.append(_row(rows[0], _HOUSEHOLD_INDEX, width_h))
        for cells in rows[1:]:
            member_sheet.append(_row(cells, _MEMBER_INDEX, width_m))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _id(region: int, born: datetime.date, index: int) -> str:
    """A unique valid ID number per (region, index): the address code carries the index's thousands."""
    return build_id_number(f"5{region}{index // 1000:04d}", born, index % 1000)


def upload(content: bytes, name: str = "户信息.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def checked(actor, content: bytes, area_code: str = KONGXING, name: str = "户信息.xlsx") -> Job:
    """Upload a workbook and run its check at once, as a worker would; returns the finished job."""
    job = imports.start_check(actor=actor, area_code=area_code, upload=upload(content, name))
    return run_job(job.pk, imports.check_handler)


def committed(actor, check: Job) -> Job:
    """Request the commit of a check and run it at once; returns the finished commit job."""
    job = imports.start_commit(actor=actor, check_id=check.pk)
    return run_job(job.pk, imports.commit_handler)


def refusals(job: Job) -> list[tuple[str, int, str, str]]:
    """(sheet, row, column, code) of every refused cell a check reported."""
    return [(e["sheet"], e["row"], e["column"], e["code"]) for e in job.result["errors"]]
