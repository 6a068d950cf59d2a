"""Importing villages and groups from CSV or Excel: row-level errors, all or nothing, idempotent."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from areas import services
from areas.excel import read_area_rows
from areas.models import Area
from core.errors import ServiceError

HEADER = ["区划代码", "名称", "上级区划代码"]


def _csv(rows, header=HEADER, encoding="utf-8"):
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    return SimpleUploadedFile("villages.csv", text.encode(encoding), content_type="text/csv")


def _xlsx(rows, header=HEADER):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("villages.xlsx", buffer.getvalue())


def _import(actor, upload):
    rows, cell_errors = read_area_rows(upload)
    result = services.import_areas(actor=actor, county_code="530921000000", rows=rows, dry_run=bool(cell_errors))
    return result, cell_errors


def test_a_list_of_villages_and_their_groups_imports_and_a_second_import_changes_nothing(personas):
    officer = personas["county_officer"]
    rows = [
        ["530921201230", "新寨村", "530921201000"],
        ["530921201230001", "一组", "530921201230"],
        ["530921202231", "新华二村", "530921202000"],
    ]

    result, _ = _import(officer, _csv(rows))
    again, _ = _import(officer, _csv(rows))

    assert [area.code for area in result.created] == ["530921201230", "530921202231", "530921201230001"]
    assert Area.objects.get(code="530921201230001").parent_id == "530921201230"
    assert (len(again.created), again.unchanged, again.errors) == (0, 3, [])


def test_one_bad_row_among_many_names_the_row_and_writes_nothing(personas):
    rows = [[f"530921201{300 + n}", f"村{n}", "530921201000"] for n in range(200)]
    rows[120] = ["530921201AB1", "坏村", "530921201000"]
    before = Area.objects.count()

    result, _ = _import(personas["county_officer"], _csv(rows))

    assert [(e.row_number, e.column) for e in result.errors] == [(122, "code")]
    assert result.created == []
    assert Area.objects.count() == before


def test_row_errors_cover_duplicates_unknown_parents_other_counties_and_taken_codes(personas):
    rows = [
        ["530921201240", "甲村", "530921201000"],
        ["530921201240", "乙村", "530921201000"],  # same code twice
        ["530921201241", "丙村", "530921299000"],  # no such township
        ["530922100241", "丁村", "530922100000"],  # another county
        ["530921201200", "别名村", "530921201000"],  # taken by 孔兴村
        ["530921201242", "", "530921201000"],  # no name
    ]

    result, _ = _import(personas["county_officer"], _csv(rows))

    assert [(e.row_number, e.column) for e in result.errors] == [
        (3, "code"),
        (4, "parent_code"),
        (5, "parent_code"),
        (6, "code"),
        (7, "name"),
    ]
    assert not Area.objects.filter(code="530921201240").exists()


def test_excel_codes_typed_as_numbers_are_refused_per_cell(personas):
    upload = _xlsx([[530921201250, "戊村", "530921201000"]])

    rows, cell_errors = read_area_rows(upload)

    assert [(e.row_number, e.column) for e in cell_errors] == [(2, "code")]


def test_an_excel_list_with_text_codes_imports(personas):
    result, cell_errors = _import(personas["county_officer"], _xlsx([["530921201251", "己村", "530921201000"]]))
    assert cell_errors == []
    assert [a.code for a in result.created] == ["530921201251"]


def test_gb18030_csv_from_an_old_excel_is_read():
    rows, _ = read_area_rows(_csv([["530921201252", "庚村", "530921201000"]], encoding="gb18030"))
    assert rows[0].name == "庚村"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        pytest.param(SimpleUploadedFile("list.xlsx", b"not a zip at all"), "not_xlsx", id="not_xlsx_case"),
        pytest.param(SimpleUploadedFile("list.pdf", b"%PDF-1.4"), "bad_file_type", id="pdf_case"),
        pytest.param(SimpleUploadedFile("list.csv", b""), "empty", id="empty_csv_case"),
        pytest.param(
            SimpleUploadedFile("list.csv", "代码,名字\n1,2\n".encode()), "bad_header", id="wrong_headers_case"
        ),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(upload, code):
    with pytest.raises(ServiceError) as refused:
        read_area_rows(upload)
    assert refused.value.code == code


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(ServiceError) as refused:
        read_area_rows(SimpleUploadedFile("bomb.xlsx", buffer.getvalue()))
    assert refused.value.code == "zip_bomb"


def test_an_oversized_upload_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ServiceError) as refused:
        read_area_rows(_xlsx([["530921201253", "辛村", "530921201000"]] * 50))
    assert refused.value.code == "too_large"
