"""The detailed register (建档立卡户明细): the workbook read back against SQL, masked numbers only,
scope, refusals through the page and the API, sheets continued past the limit, a fixed number of
queries whatever the number of households."""

from __future__ import annotations

import datetime
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.jobs import job_file_path
from core.models import Job
from households.idnumbers import build_id_number, mask_id_number
from households.models import Household, Member
from tests.reporting.conftest import AIHUA, KONGXING, SHILI, XINHUA, add_households

pytestmark = pytest.mark.django_db

COUNTY = "530921000000"
TOWNSHIP = "530921201000"
_sequence = iter(range(1, 999, 2))


def add_members(households, per_household: int = 2) -> list[Member]:
    """Members with well-formed ID numbers (the first the head), a disability certificate
    number built on the ID number as real ones are, in one statement."""
    members = []
    for household in households:
        for position in range(per_household):
            number = build_id_number(household.village_id[:6], datetime.date(1970, 1, 2), next(_sequence))
            members.append(
                Member(
                    household=household,
                    area_code=household.village_id,
                    position=position,
                    name=f"成员{household.pk}-{position}",
                    gender="1",
                    id_number=number,
                    birth_date=datetime.date(1970, 1, 2),
                    relation="01" if position == 0 else "03",
                    health="04",
                    disability_cert_no=number + "41",
                )
            )
    return Member.objects.bulk_create(members)


@pytest.fixture
def detail_data(report_data):
    households = list(Household.objects.order_by("pk"))
    Household.objects.filter(pk=households[0].pk).update(
        phone="13812345678", bank_account="6228480012345678901", other_causes=["02", "03"], cause_note="=CMD|1"
    )
    members = add_members(households)
    return {"households": households, "members": members}


def _workbook(job: Job):
    return load_workbook(job_file_path(job.file), read_only=True)


def _sheets(job: Job) -> dict[str, list[tuple]]:
    workbook = _workbook(job)
    try:
        return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}
    finally:
        workbook.close()


def _xml(job: Job) -> str:
    with zipfile.ZipFile(job_file_path(job.file)) as archive:
        return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_the_county_export_lists_every_household_and_member_with_chinese_labels(personas, detail_data, built):
    job = built(personas["county_officer"], "register_detail", COUNTY)
    sheets = _sheets(job)
    assert list(sheets) == ["封面", "户明细", "家庭成员明细"]
    households, members = sheets["户明细"], sheets["家庭成员明细"]
    cover = {row[0]: row[1] for row in sheets["封面"] if len(row) > 1}
    assert cover["证件号码"] == "已脱敏：仅显示前6位和后4位。"
    assert cover["来源"] == "当前建档立卡数据"  # the live registry, said once
    assert [row[0] for row in sheets["封面"] if row].count("来源") == 1
    assert households[0][0].endswith("户明细")
    header = households[1]
    assert header[:4] == ("户编号", "户主姓名", "所在村", "所在村代码")
    assert {"贫困户属性", "主要致贫原因", "人均纯收入", "住房安全", "安置地", "户在人不在（空挂户）"} <= set(header)
    body = households[2:]
    in_county = Household.objects.filter(village__code__startswith="530921")
    assert len(body) == in_county.count() == 12
    assert [row[0] for row in body] == sorted(in_county.values_list("household_no", flat=True))
    first_no = detail_data["households"][0].household_no
    first = dict(zip(header, next(row for row in body if row[0] == first_no), strict=True))
    assert first["贫困户属性"] == "一般贫困户"
    assert first["主要致贫原因"] == "因病"
    assert first["其他致贫原因"] == "因残、因学"
    assert first["脱贫属性"] == "贫困户（未脱贫）"
    assert first["是否军烈属"] == "否"
    assert first["联系电话"] == "138****5678"
    assert first["银行账号"] == "622848*********8901"
    assert first["致贫原因说明"] == "'=CMD|1"  # formula injection defused
    assert first["所在村"] == "孔兴村"

    assert members[1][:6] == ("户编号", "序号", "姓名", "性别", "证件类型", "证件号码")
    member_rows = members[2:]
    assert len(member_rows) == Member.objects.filter(area_code__startswith="530921", is_active=True).count() == 24
    row = dict(zip(members[1], member_rows[0], strict=True))
    assert row["性别"] == "男" and row["与户主关系"] == "本人或户主" and row["健康状况"] == "残疾"
    assert row["出生年月"] == "1970-01"


def test_no_full_id_number_anywhere_in_the_file(personas, detail_data, built):
    job = built(personas["county_officer"], "register_detail", COUNTY)
    xml = _xml(job)
    in_county = [m for m in detail_data["members"] if m.area_code.startswith("530921")]
    for member in in_county:
        assert member.id_number not in xml
        assert member.id_number[6:14] not in xml  # nor the birth date it holds, which unmasks it
        assert mask_id_number(member.id_number) in xml
    assert "6228480012345678901" not in xml and "13812345678" not in xml


def test_a_township_reviewers_export_has_only_their_township(personas, detail_data, built):
    job = built(personas["township_reviewer"], "register_detail", TOWNSHIP)
    sheets = _sheets(job)
    villages = {row[3] for row in sheets["户明细"][2:]}
    assert villages == {KONGXING, SHILI}
    assert len(sheets["户明细"][2:]) == Household.objects.filter(village__code__startswith="530921201").count() == 10
    numbers = {row[0] for row in sheets["家庭成员明细"][2:]}
    assert all(number.startswith("530921201") for number in numbers) and len(numbers) == 10
    assert not any(
        XINHUA in str(cell) or AIHUA in str(cell) for rows in sheets.values() for row in rows for cell in row
    )
    # the page's summary: households and members by village
    table = job.result["tables"][0]
    assert [(code, values) for code, _name, values in table["rows"]] == [
        (KONGXING, {"households": 6, "members": 12}),
        (SHILI, {"households": 4, "members": 8}),
    ]


def test_a_long_register_continues_on_further_sheets_each_with_its_header(personas, detail_data, built, settings):
    settings.REPORT_SHEET_MAX_ROWS = 7  # title and header rows, then 5 rows a sheet
    job = built(personas["county_officer"], "register_detail", COUNTY)
    sheets = _sheets(job)
    household_sheets = [title for title in sheets if title.startswith("户明细")]
    member_sheets = [title for title in sheets if title.startswith("家庭成员明细")]
    assert len(household_sheets) == 3 and len(member_sheets) == 5  # 12 and 24 rows
    assert all(len(sheets[title]) <= 7 and sheets[title][1][0] == "户编号" for title in household_sheets)
    assert sum(len(sheets[title]) - 2 for title in household_sheets) == 12
    assert sum(len(sheets[title]) - 2 for title in member_sheets) == 24


def test_the_query_count_is_the_same_for_5_and_50_households(personas, causes, built, monkeypatch):
    # On PostgreSQL the rows stream through server-side cursors, whose statements Django's query
    # log does not capture; with them off the same queries run through ordinary cursors and show.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    officer = personas["county_officer"]
    built(officer, "register_detail", COUNTY)  # the same caches (permissions, content types) for both

    def queries(count: int) -> tuple[int, int]:
        add_members(add_households(KONGXING, count), per_household=3)
        with CaptureQueriesContext(connection) as captured:
            built(officer, "register_detail", COUNTY)
        selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
        detail = [sql for sql in selects if "households_member" in sql or "households_household" in sql]
        return len(captured), len(detail)

    few = queries(5)
    many = queries(45)
    assert Household.objects.count() == 50 and Member.objects.count() == 150
    assert few == many
    assert few[1] == 4  # two counts for the page's summary, then one streamed query per sheet


def test_page_and_api_refuse_out_of_scope_with_404_and_a_wrong_role_with_403(
    personas, client_for, api_for, detail_data
):
    page = reverse("reporting:report_request")
    api = reverse("api:report-list")
    assert client_for(personas["charlie"]).post(page, {"kind": "register_detail", "area": TOWNSHIP}).status_code == 404
    assert (
        client_for(personas["village_clerk"]).post(page, {"kind": "register_detail", "area": KONGXING}).status_code
        == 403
    )
    response = api_for(personas["charlie"]).post(api, {"kind": "register_detail", "area": TOWNSHIP}, format="json")
    assert response.status_code == 404 and response.json()["error"]["status"] == 404
    response = api_for(personas["village_clerk"]).post(
        api, {"kind": "register_detail", "area": KONGXING}, format="json"
    )
    assert response.status_code == 403 and response.json()["error"]["status"] == 403
    assert not Job.objects.exists()


def test_the_reports_page_offers_the_detailed_register_in_chinese(personas, client_for, report_data):
    page = client_for(personas["county_officer"]).get(reverse("reporting:report_list")).content.decode()
    assert "建档立卡户明细" in page


def test_a_frozen_years_register_is_its_snapshot_and_stays_when_the_live_data_changes(personas, detail_data, built):
    """Frozen, the year's detailed register reads HouseholdYear and MemberYear: the same sheets
    as the live register gave when the year was frozen, whatever changes afterwards."""
    from exits.frozen import freeze_year
    from reporting.sources import open_year

    officer = personas["county_officer"]
    year = open_year()
    live = _sheets(built(officer, "register_detail", COUNTY, year))
    freeze_year(actor=officer, county_code=COUNTY, year=year)

    frozen_job = built(officer, "register_detail", COUNTY, year)
    frozen = _sheets(frozen_job)
    assert frozen_job.result["snapshot"] is True
    cover = {row[0]: row[1] for row in frozen["封面"] if len(row) > 1}
    assert cover["来源"] == "年度定案数据"
    assert frozen["户明细"][1:] == live["户明细"][1:] and len(frozen["户明细"]) == 2 + 12
    assert frozen["家庭成员明细"][1:] == live["家庭成员明细"][1:] and len(frozen["家庭成员明细"]) == 2 + 24

    # the live registry changes: names, phones, incomes, a member leaves, households are added
    Household.objects.filter(village__code__startswith="530921").update(
        head_name="改名", phone="13900000000", wage_income=99999, status="exited"
    )
    Member.objects.filter(area_code__startswith="530921").update(name="改名", birth_date=datetime.date(2001, 5, 6))
    Member.objects.filter(pk=detail_data["members"][0].pk).update(is_active=False)
    add_members(add_households(KONGXING, 3))

    again = _sheets(built(officer, "register_detail", COUNTY, year))
    assert again["户明细"][1:] == frozen["户明细"][1:]
    assert again["家庭成员明细"][1:] == frozen["家庭成员明细"][1:]
    summary = built(officer, "register_detail", COUNTY, year).result["tables"][0]["totals"]
    assert (summary["households"], summary["members"]) == (12, 24)


def test_a_frozen_register_holds_only_the_requesters_scope(personas, detail_data, built):
    from exits.frozen import freeze_year
    from reporting.sources import open_year

    year = open_year()
    freeze_year(actor=personas["county_officer"], county_code=COUNTY, year=year)
    sheets = _sheets(built(personas["township_reviewer"], "register_detail", TOWNSHIP, year))
    villages = {row[3] for row in sheets["户明细"][2:]}
    assert villages == {KONGXING, SHILI}
    numbers = set(Household.objects.filter(village_id__in=villages).values_list("household_no", flat=True))
    assert {row[0] for row in sheets["家庭成员明细"][2:]} == numbers
