"""The import template: sheets, headers from the data dictionary, drop-downs, text formats and
the instructions; a filled-in template imports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from households import imports
from households.excel import CODES_SHEET, HOUSEHOLD_SHEET, INSTRUCTIONS_SHEET, MEMBER_SHEET
from households.models import CauseCode, Household, Member
from tests.households.test_import_support import HOUSEHOLD_LABELS, KONGXING, MEMBER_LABELS, checked, family

pytestmark = pytest.mark.django_db


def _template(user, code: str = KONGXING):
    stream = io.BytesIO()
    imports.write_template(actor=user, area_code=code, target=stream)
    stream.seek(0)
    return load_workbook(stream)


def _validation_sources(sheet) -> dict[str, str]:
    """Column letter → the list a drop-down of that column takes its options from."""
    sources = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            sources[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation.formula1
    return sources


def test_template_has_the_dictionary_headers_and_the_instructions(personas):
    # given a village clerk

    # when the template of the village is generated
    workbook = _template(personas["village_clerk"])

    # then the sheets are the instructions, households, members and the code lists
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET, HOUSEHOLD_SHEET, MEMBER_SHEET, CODES_SHEET]
    households = [cell.value for cell in workbook[HOUSEHOLD_SHEET][1]]
    members = [cell.value for cell in workbook[MEMBER_SHEET][1]]
    assert households == HOUSEHOLD_LABELS
    assert members == MEMBER_LABELS
    # the headers are the model fields' verbose names, with the area columns and the link column
    assert households[:4] == ["户序号", "户编号", "所在村区划代码", "所在组区划代码"]
    assert {"主要致贫原因", "其他致贫原因1", "其他致贫原因2", "工资性收入", "与村主干路距离（公里）"} <= set(households)
    assert members[:5] == ["户序号", "姓名", "性别", "证件类型", "证件号码"]
    assert workbook[CODES_SHEET].sheet_state == "hidden"
    # every column of both sheets is explained
    explained = {row[1] for row in workbook[INSTRUCTIONS_SHEET].iter_rows(values_only=True) if len(row) > 1}
    assert set(households) | set(members) <= explained


def test_id_columns_are_text_and_code_columns_have_drop_downs(personas):
    # given
    clerk = personas["village_clerk"]

    # when
    workbook = _template(clerk)

    # then ID-like columns are formatted as text, so Excel keeps every digit
    households, members = workbook[HOUSEHOLD_SHEET], workbook[MEMBER_SHEET]
    id_column = members.cell(row=1, column=MEMBER_LABELS.index("证件号码") + 1).column_letter
    assert members.column_dimensions[id_column].number_format == "@"
    for label in ("户序号", "所在村区划代码", "银行账号"):
        letter = households.cell(row=1, column=HOUSEHOLD_LABELS.index(label) + 1).column_letter
        assert households.column_dimensions[letter].number_format == "@", label
    # code lists, causes, yes/no and villages are drop-downs fed from the code-list sheet
    sources = _validation_sources(households)
    codes = workbook[CODES_SHEET]
    titles = {cell.value: cell.column_letter for cell in codes[1]}

    def letter_of(label):
        return households.cell(row=1, column=HOUSEHOLD_LABELS.index(label) + 1).column_letter

    assert sources[letter_of("主要致贫原因")] == f"'代码表'!${titles['致贫原因']}$2:${titles['致贫原因']}$13"
    assert sources[letter_of("是否军烈属")].startswith(f"'代码表'!${titles['是否']}$2")
    assert sources[letter_of("贫困户属性")].startswith(f"'代码表'!${titles['贫困户属性']}$2")
    assert sources[letter_of("所在村区划代码")].startswith(f"'代码表'!${titles['所在村']}$2")
    options = [cell.value for cell in codes[titles["贫困户属性"]][1:] if cell.value]
    assert options == ["一般贫困户", "低保贫困户", "特困供养贫困户"]
    relation = [cell.value for cell in codes[titles["与户主关系"]][1:4]]
    assert relation == ["01 本人或户主", "02 配偶", "03 之子"]
    assert [cell.value for cell in codes[titles["所在村"]][1:] if cell.value] == ["530921201200 孔兴村"]


def test_causes_come_from_the_cause_table_of_the_province(personas, world):
    # given a cause the province of Yunnan added, and one of another province
    CauseCode.objects.create(code="12", name="因婚", province=world["530000000000"])
    CauseCode.objects.create(code="13", name="因丧", province=world["520000000000"])

    # when
    workbook = _template(personas["village_clerk"])

    # then
    codes = workbook[CODES_SHEET]
    titles = {cell.value: cell.column_letter for cell in codes[1]}
    causes = [cell.value for cell in codes[titles["致贫原因"]][1:] if cell.value]
    assert causes[0] == "01 因病"
    assert "12 因婚" in causes
    assert "13 因丧" not in causes


def test_township_template_lists_only_villages_the_user_may_capture(personas):
    # given a township reviewer of 诗礼乡 (two villages)

    # when
    workbook = _template(personas["township_reviewer"], "530921201000")

    # then
    codes = workbook[CODES_SHEET]
    titles = {cell.value: cell.column_letter for cell in codes[1]}
    villages = [cell.value for cell in codes[titles["所在村"]][1:] if cell.value]
    groups = [cell.value for cell in codes[titles["所在组"]][1:] if cell.value]
    assert villages == ["530921201200 孔兴村", "530921201201 诗礼村"]
    assert groups == ["530921201200001 一组", "530921201201001 一组"]


def test_template_page_downloads_the_workbook(personas, client_for):
    # given
    client = client_for(personas["village_clerk"])

    # when
    response = client.get(reverse("households:import_template", kwargs={"code": KONGXING}))

    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert HOUSEHOLD_SHEET in workbook.sheetnames


def test_a_filled_in_template_imports(personas):
    # given the template, filled in as a clerk would, picking codes from the drop-downs
    clerk = personas["village_clerk"]
    workbook = _template(clerk)
    households = workbook[HOUSEHOLD_SHEET]
    row = dict.fromkeys(HOUSEHOLD_LABELS)
    row.update({
        "户序号": "1", "所在村区划代码": "530921201200 孔兴村", "识别标准": "国家标准", "贫困户属性": "一般贫困户",
        "主要致贫原因": "01 因病", "其他致贫原因1": "08 缺劳动力", "工资性收入": 2400, "是否军烈属": "否",
        "与村主干路距离（公里）": 1.2, "住房安全": "01 安全（A/B级）", "入户路类型": "03 水泥路",
    })  # fmt: skip
    households.append([row[label] for label in HOUSEHOLD_LABELS])
    members = workbook[MEMBER_SHEET]
    for person in family("1"):
        values = {"户序号": "1", "姓名": person["name"], "证件类型": "居民身份证", "证件号码": person["id_number"]}
        values["与户主关系"] = {"01": "01 本人或户主", "02 配偶": "02 配偶"}.get(person["relation"], person["relation"])
        values["性别"] = None
        members.append([values.get(label) for label in MEMBER_LABELS])
    stream = io.BytesIO()
    workbook.save(stream)

    # when
    job = checked(clerk, stream.getvalue())

    # then
    assert job.status == "done", job.error
    assert job.result["errors"] == []
    assert job.result["counts"]["new"] == 1
    assert Household.objects.count() == 0 and Member.objects.count() == 0  # the check writes nothing
