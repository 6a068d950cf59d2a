"""The check of an uploaded workbook: every kind of bad input is refused with a message at its
cell, the annotated copy marks it, and nothing is written to households."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from core.errors import ServiceError
from core.jobs import job_file_path
from core.models import ObjectChange
from households import imports
from households.idnumbers import build_id_number, check_character
from households.models import Household, Member
from tests.households.test_import_support import (
    HOUSEHOLD_LABELS,
    KONGXING,
    XINHUA_VILLAGE,
    checked,
    family,
    household,
    member,
    refusals,
    upload,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def _one_household(**member_cells) -> bytes:
    """One valid household whose head has ``member_cells`` changed."""
    members = family("1")
    members[0] = {**members[0], **member_cells}
    return workbook_bytes([household("1")], members)


def _household_with(**spouse_cells) -> bytes:
    """One valid household whose spouse has ``spouse_cells`` changed."""
    members = family("1")
    members[1] = {**members[1], **spouse_cells}
    return workbook_bytes([household("1")], members)


def _letter(label: str) -> str:
    """The column letter of a header of sheet 户."""
    return get_column_letter(HOUSEHOLD_LABELS.index(label) + 1)


def _nothing_written() -> bool:
    return not Household.objects.exists() and not Member.objects.exists()


# --- ID numbers ----------------------------------------------------------------------------------


def test_wrong_check_character_is_refused_at_its_cell(personas):
    # given the head's ID number with its last character changed
    good = family("1")[0]["id_number"]
    wrong = good[:17] + ("0" if good[17] != "0" else "1")

    # when
    job = checked(personas["village_clerk"], _one_household(id_number=wrong))

    # then the cell, the column and the expected character are named; nothing is written
    assert job.status == "done"
    assert refusals(job) == [("成员", 2, "证件号码", "invalid")]
    assert good[17] in job.result["errors"][0]["message"]
    assert job.result["errors"][0]["cell"] == "E2"
    assert job.result["counts"]["refused"] == 1 and job.result["counts"]["new"] == 0
    assert _nothing_written()


def test_impossible_birth_date_is_refused(personas):
    # given 31 February inside the ID number
    first_17 = "53092119700231001"
    number = first_17 + check_character(first_17)

    # when
    job = checked(personas["village_clerk"], _one_household(id_number=number))

    # then
    assert refusals(job) == [("成员", 2, "证件号码", "invalid")]
    assert "19700231" in job.result["errors"][0]["message"]


def test_future_birth_date_is_refused(personas):
    # given a birth date next year
    born = datetime.date(datetime.date.today().year + 1, 1, 1)  # noqa: DTZ011

    # when
    job = checked(personas["village_clerk"], _one_household(id_number=build_id_number("530921", born, 11)))

    # then
    assert refusals(job) == [("成员", 2, "证件号码", "invalid")]
    assert born.isoformat() in job.result["errors"][0]["message"]


def test_numeric_id_cell_is_refused_because_it_has_lost_digits(personas):
    # given the ID number typed into a General cell: Excel keeps it as a number
    number = family("1")[0]["id_number"]

    # when
    job = checked(personas["village_clerk"], _one_household(id_number=int(number[:17] + "1")))

    # then
    assert refusals(job) == [("成员", 2, "证件号码", "numeric_text")]
    assert "Text" in job.result["errors"][0]["message"] or "文本" in job.result["errors"][0]["message"]


def test_duplicate_id_within_the_file_names_the_first_row(personas):
    # given two households, the second one's spouse carrying the first one's head's number
    second = family("2", offset=1)
    second[1] = {**second[1], "id_number": family("1")[0]["id_number"]}
    content = workbook_bytes([household("1"), household("2")], family("1") + second)

    # when
    job = checked(personas["village_clerk"], content)

    # then the second occurrence (row 7 of 成员) is refused and names row 2
    assert refusals(job) == [("成员", 7, "证件号码", "duplicate_id")]
    assert "2" in job.result["errors"][0]["message"]
    assert job.result["counts"] == {**job.result["counts"], "new": 1, "refused": 1}


def test_duplicate_id_against_the_registry_names_the_household_in_scope(personas, saved_household):
    # given a new household whose spouse is already a member of the saved household
    members = family("1", offset=5)
    members[1] = {**members[1], "id_number": saved_household.members.get(position=2).id_number}
    content = workbook_bytes([household("1")], members)

    # when the clerk of the village imports it
    job = checked(personas["village_clerk"], content)

    # then the household is named, since the clerk may see it
    assert refusals(job) == [("成员", 3, "证件号码", "duplicate_id")]
    assert saved_household.household_no in job.result["errors"][0]["message"]


def test_duplicate_id_outside_the_users_scope_leaks_nothing(personas, saved_household):
    # given Charlie, reviewer of 新华乡, importing into 新华村 a person registered in 孔兴村
    members = family("1", offset=5)
    members[1] = {**members[1], "id_number": saved_household.members.get(position=2).id_number}
    content = workbook_bytes([household("1", village=XINHUA_VILLAGE)], members)

    # when
    job = checked(personas["charlie"], content, area_code="530921202000")

    # then neither the household nor its area is said: the county office resolves it
    assert refusals(job) == [("成员", 3, "证件号码", "duplicate_id")]
    message = job.result["errors"][0]["message"]
    assert message == _("This ID number cannot be used here; the county office resolves it.")
    assert "530921" not in message and "凤庆" not in message and "孔兴" not in message
    assert saved_household.household_no not in message and saved_household.head_name not in message


def test_birth_date_column_may_be_a_date_or_text_and_must_agree(personas):
    # given a 出生日期 column: a date cell, text YYYY-MM-DD, a wrong date and unreadable text
    members = family("1")
    members[0]["birth_date"] = datetime.date(1970, 3, 15)
    members[1]["birth_date"] = "1972-05-06"
    members[2]["birth_date"] = "2012-09-02"
    members[3]["birth_date"] = "20/01/2015"
    content = workbook_bytes([household("1")], members, birth_dates=True)

    # when
    job = checked(personas["village_clerk"], content)

    # then the date cell and the text agree; the wrong one and the unreadable one are refused
    assert refusals(job) == [("成员", 4, "出生日期", "id_agreement"), ("成员", 5, "出生日期", "bad_date")]


# --- the household as a whole --------------------------------------------------------------------


def test_two_heads_are_refused(personas):
    # given the spouse also marked as head of household

    # when
    job = checked(personas["village_clerk"], _household_with(relation="01"))

    # then
    assert refusals(job) == [("户", 2, "户序号", "head_count")]
    assert "2" in job.result["errors"][0]["message"]


def test_no_head_is_refused(personas):
    # given the head marked as 其他
    job = checked(personas["village_clerk"], _one_household(relation="99 其他"))

    # then
    assert refusals(job) == [("户", 2, "户序号", "head_count")]


def test_household_without_members_is_refused(personas):
    # when
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], []))

    # then
    assert refusals(job) == [("户", 2, "户序号", "head_count")]


def test_other_cause_repeating_the_main_cause_is_refused(personas):
    # given
    content = workbook_bytes([household("1", other_causes_1="01 因病")], family("1"))

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert refusals(job) == [("户", 2, "其他致贫原因1", "other_causes")]


def test_negative_income_is_refused(personas):
    # given
    content = workbook_bytes([household("1", wage_income=-100)], family("1"))

    # when
    job = checked(personas["village_clerk"], content)

    # then one message for the cell, though both the form's check and the rule find it
    assert refusals(job) == [("户", 2, "工资性收入", "invalid")]


def test_unknown_cause_and_option_are_refused(personas):
    # given a cause not on the list and an option typed by hand
    content = workbook_bytes([household("1", main_cause="因婚", housing_safety="很安全")], family("1"))

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert refusals(job) == [("户", 2, "主要致贫原因", "invalid"), ("户", 2, "住房安全", "bad_option")]


def test_codes_are_read_as_code_label_or_number(personas):
    # given codes as "01 因病", as the label alone, and as numbers Excel made of "01"
    content = workbook_bytes(
        [household("1", main_cause="因病", other_causes_1=8, access_road_type=3, housing_safety="01")], family("1")
    )

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert job.result["errors"] == []
    assert job.result["counts"]["new"] == 1


# --- cells that cannot be read -------------------------------------------------------------------


def test_formula_is_refused_saying_to_paste_values(personas):
    # given
    content = workbook_bytes([household("1", wage_income="=1000+1400")], family("1"))

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert refusals(job) == [("户", 2, "工资性收入", "formula")]
    assert "Paste" in job.result["errors"][0]["message"] or "粘贴" in job.result["errors"][0]["message"]


def test_merged_cells_are_refused_with_their_range(personas):
    # given the 主要致贫原因 and 其他致贫原因1 cells of a household merged
    cells = f"{_letter('主要致贫原因')}2:{_letter('其他致贫原因1')}2"

    def merge(workbook):
        workbook["户"].merge_cells(cells)

    content = workbook_bytes([household("1"), household("2")], family("1") + family("2", 1), change=merge)

    # when
    job = checked(personas["village_clerk"], content)

    # then the range is named, once, and only that household is refused
    assert refusals(job) == [("户", 2, "主要致贫原因", "merged")]
    assert cells in job.result["errors"][0]["message"]
    assert job.result["counts"]["refused"] == 1 and job.result["counts"]["new"] == 1


def test_merged_cells_over_a_huge_area_refuse_the_workbook_at_once(personas):
    # given a merge over a million rows (each merged cell is otherwise refused one by one), written
    # into the sheet's XML as Excel writes it
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([household("1")], family("1"))))
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                merge = '</sheetData><mergeCells count="1"><mergeCell ref="B3:C1000000"/></mergeCells>'
                data = data.decode().replace("</sheetData>", merge).encode()
            target.writestr(item, data)

    # when
    job = checked(personas["village_clerk"], stream.getvalue())

    # then
    assert job.status == "failed"
    assert "B3:C1000000" in job.error


def test_merged_header_cells_refuse_the_workbook(personas):
    # given
    def merge(workbook):
        workbook["成员"].merge_cells("A1:B1")

    # when
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1"), change=merge))

    # then
    assert job.status == "failed"
    assert "A1:B1" in job.error


def test_member_rows_without_a_household_and_repeated_keys_are_refused(personas):
    # given a member of household 9 (not in sheet 户) and two households keyed 1
    members = family("1") + [member("9", "孤儿", "01", datetime.date(1990, 1, 1), 91)]
    content = workbook_bytes([household("1"), household("1")], members)

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert refusals(job) == [("户", 3, "户序号", "duplicate_key"), ("成员", 6, "户序号", "orphan_member")]


def test_required_cells_are_named(personas):
    # given a member without a name and a household without a village
    content = workbook_bytes([household("1", village=None)], [{**family("1")[0], "name": None}] + family("1")[1:])

    # when
    job = checked(personas["village_clerk"], content)

    # then
    assert ("户", 2, "所在村区划代码", "required") in refusals(job)
    assert ("成员", 2, "姓名", "required") in refusals(job)


# --- files that are not a household workbook -----------------------------------------------------


def test_a_file_that_is_not_xlsx_is_refused_at_upload(personas):
    # given a CSV file, and a text file named .xlsx
    clerk = personas["village_clerk"]
    changes = ObjectChange.objects.count()

    # when / then
    with pytest.raises(ServiceError) as csv:
        imports.start_check(actor=clerk, area_code=KONGXING, upload=upload(b"a,b\n1,2\n", "households.csv"))
    with pytest.raises(ServiceError) as fake:
        imports.start_check(actor=clerk, area_code=KONGXING, upload=upload(b"not a zip at all", "households.xlsx"))
    assert csv.value.code == "not_xlsx" and csv.value.field == "file"
    assert fake.value.code == "not_xlsx"
    assert ObjectChange.objects.count() == changes


def test_a_file_over_the_size_limit_is_refused(personas, settings):
    # given a limit of 10 kB
    settings.UPLOAD_MAX_BYTES = 10 * 1024

    # when
    with pytest.raises(ServiceError) as refused:
        imports.start_check(actor=personas["village_clerk"], area_code=KONGXING, upload=upload(b"PK" + b"\0" * 20_000))

    # then
    assert refused.value.code == "too_large"


def test_a_zip_bomb_is_refused_without_inflating_it(personas):
    # given a zip whose worksheet inflates 1000 times
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 50_000_000)

    # when
    with pytest.raises(ServiceError) as refused:
        imports.start_check(actor=personas["village_clerk"], area_code=KONGXING, upload=upload(stream.getvalue()))

    # then
    assert refused.value.code == "zip_bomb"


def test_an_xml_bomb_fails_the_check_without_expanding(personas):
    # given the members sheet carrying a billion-laughs entity declaration
    source = zipfile.ZipFile(io.BytesIO(workbook_bytes([household("1")], family("1"))))
    bomb = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = (bomb + data.decode()).encode()
            target.writestr(item, data)

    # when
    job = checked(personas["village_clerk"], stream.getvalue())

    # then
    assert job.status == "failed"
    assert job.error == str(_("The workbook is damaged or not an .xlsx file."))
    assert _nothing_written()


def test_wrong_headers_fail_the_check_naming_them(personas):
    # given sheet 户 with a column renamed
    def rename(workbook):
        workbook["户"][f"{_letter('主要致贫原因')}1"] = "致贫原因"

    # when
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1"), change=rename))

    # then
    assert job.status == "failed"
    assert "主要致贫原因" in job.error and "致贫原因" in job.error
    assert _nothing_written()


def test_a_workbook_without_the_sheets_fails_the_check(personas):
    # given
    def rename(workbook):
        workbook["户"].title = "Sheet1"

    # when
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1"), change=rename))

    # then
    assert job.status == "failed"
    assert "户" in job.error


def test_an_empty_workbook_fails_the_check(personas):
    # when
    job = checked(personas["village_clerk"], workbook_bytes([], []))

    # then
    assert job.status == "failed"
    assert job.error


# --- scope ---------------------------------------------------------------------------------------


def test_a_row_for_another_townships_village_is_refused_naming_only_its_code(personas):
    # given the reviewer of 诗礼乡 with a household of 新华村 (新华乡) among the rows
    content = workbook_bytes(
        [household("1"), household("2", village=XINHUA_VILLAGE)], family("1") + family("2", offset=1)
    )

    # when
    job = checked(personas["township_reviewer"], content, area_code="530921201000")

    # then the row is refused, the file is not: the other household still checks as new
    assert refusals(job) == [("户", 3, "所在村区划代码", "out_of_scope")]
    message = job.result["errors"][0]["message"]
    assert XINHUA_VILLAGE in message and "新华" not in message
    assert job.result["counts"]["new"] == 1 and job.result["counts"]["refused"] == 1


def test_a_village_outside_the_import_area_is_refused(personas):
    # given the reviewer of 诗礼乡 importing at 孔兴村 a household of 诗礼村 (also theirs)
    content = workbook_bytes([household("1", village="530921201201")], family("1"))

    # when
    job = checked(personas["township_reviewer"], content, area_code=KONGXING)

    # then
    assert refusals(job) == [("户", 2, "所在村区划代码", "out_of_scope")]


# --- the annotated copy --------------------------------------------------------------------------


def test_the_annotated_workbook_marks_each_refused_cell(personas):
    # given a formula in sheet 户 and a wrong check character in sheet 成员
    members = family("1")
    members[2] = {**members[2], "id_number": members[2]["id_number"][:17] + "Y"}
    content = workbook_bytes([household("1", business_income="=1+1")], members)

    # when
    job = checked(personas["village_clerk"], content, name="诗礼乡户信息.xlsx")

    # then the job offers the copy, which marks both cells in red with a comment saying why
    assert job.file_name == "诗礼乡户信息-检查结果.xlsx"
    copy = load_workbook(job_file_path(job.file))
    errors = {(e["sheet"], e["cell"]): e["message"] for e in job.result["errors"]}
    income = f"{_letter('生产经营性收入')}2"
    assert set(errors) == {("户", income), ("成员", "E4")}
    for (sheet, cell), message in errors.items():
        marked = copy[sheet][cell]
        assert marked.fill.fgColor.rgb == "00FFC7CE"
        assert isinstance(marked.comment, Comment) and message in marked.comment.text
    # the formula is kept as its text, the good cells as they were, ID numbers as text
    assert copy["户"][income].value == "=1+1" and copy["户"][income].data_type == "s"
    assert copy["成员"]["E2"].value == members[0]["id_number"]
    assert copy["成员"].column_dimensions["E"].number_format == "@"
    assert copy["户"]["A2"].comment is None


def test_a_clean_check_stages_its_rows_and_writes_nothing(personas):
    # when
    job = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1")))

    # then
    assert job.status == "done"
    assert job.result["counts"] == {
        "households": 1,
        "members": 4,
        "new": 1,
        "changed": 0,
        "unchanged": 0,
        "refused": 0,
        "warnings": 0,
    }
    assert job.file == ""  # no refused cell: no annotated copy
    assert job_file_path(job.result["staged"]).exists()
    assert _nothing_written()
