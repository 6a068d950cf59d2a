"""Each report's figures, read back from the workbook the job wrote, against SQL counts; scope;
the frozen-year source; formula injection; the sheet-length limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from openpyxl import load_workbook

from areas.models import Area
from core.errors import ServiceError
from core.jobs import JOBS_DIR, job_file_path, run_job
from core.models import ChangeAction, Job, ObjectChange
from households.models import Household, HouseholdYear
from reporting.excel import write_workbook
from reporting.registry import all_reports
from reporting.services import build_report_job, request_report, schedule_reports
from reporting.sources import open_year
from reporting.tables import Column, ReportTable, Row
from reporting.tasks import build_report
from tests.reporting.conftest import KONGXING

pytestmark = pytest.mark.django_db


def _sheet_rows(job: Job, index: int = 1) -> list[tuple]:
    workbook = load_workbook(job_file_path(job.file), read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _row(rows, label):
    return next(row for row in rows if len(row) > 1 and label in (row[0], row[1]))


def _column(rows, group: str, label: str) -> int:
    """The index of the column under the merged group ``group`` whose second header is ``label``."""
    top, bottom = rows[1], rows[2]
    current = None
    for index, (upper, lower) in enumerate(zip(top, bottom, strict=True)):
        current = upper if upper is not None else current
        if current == group and lower == label:
            return index
    raise AssertionError((group, label, top, bottom))


def test_registry_summary_counts_households_and_people_of_the_county_by_township(personas, report_data, built):
    job = built(personas["county_officer"], "registry", "530921000000")
    rows = _sheet_rows(job)
    assert rows[0][0] == f"凤庆县{open_year()}年建档立卡贫困户及人口汇总"
    poor_h = _column(rows, "未脱贫合计", "户数")
    poor_p = _column(rows, "未脱贫合计", "人数")
    shili, xinhua, total = _row(rows, "诗礼乡"), _row(rows, "新华彝族苗族乡"), _row(rows, "合计")
    assert (shili[poor_h], shili[poor_p]) == (8, 29)
    assert (xinhua[poor_h], xinhua[poor_p]) == (2, 2)
    in_county = Household.objects.filter(
        village__code__startswith="530921", status__in=["registered", "pre_exit", "returned"]
    )
    assert total[poor_h] == in_county.count()
    assert total[poor_p] == in_county.aggregate(n=Sum("household_size"))["n"]
    incidence = _column(rows, "贫困发生率", "贫困发生率")
    assert shili[incidence] == pytest.approx(29 / 700, abs=1e-4)
    assert total[incidence] == pytest.approx(31 / 800, abs=1e-4)


def test_a_township_reviewers_report_holds_only_their_township(personas, report_data, built):
    job = built(personas["township_reviewer"], "registry", "530921201000")
    rows = _sheet_rows(job)
    poor_h = _column(rows, "未脱贫合计", "户数")
    body = [row for row in rows[3:] if len(row) > 1 and row[0] and row[0].isdigit()]
    assert [row[1] for row in body] == ["孔兴村", "诗礼村"]
    in_township = Household.objects.filter(
        village__code__startswith="530921201", status__in=["registered", "pre_exit", "returned"]
    )
    assert _row(rows, "合计")[poor_h] == in_township.count() == 8


def test_a_sibling_township_reviewer_cannot_request_the_report(personas, report_data):
    with pytest.raises(Http404):
        request_report(actor=personas["charlie"], kind="registry", area_code="530921201000")
    assert not Job.objects.exists()


def test_a_village_clerk_may_not_request_reports(personas, report_data):
    with pytest.raises(PermissionDenied):
        request_report(actor=personas["village_clerk"], kind="registry", area_code=KONGXING)
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("year", "kind", "code"),
    [(2013, "registry", "bad_year"), ("abcd", "registry", "bad_year"), (None, "nonsense", "bad_kind")],
    ids=["before_first_year", "not_a_year", "unknown_kind"],
)
def test_bad_input_is_refused_and_nothing_is_queued(personas, report_data, year, kind, code):
    with pytest.raises(ServiceError) as refused:
        request_report(actor=personas["county_officer"], kind=kind, area_code="530921000000", year=year)
    assert refused.value.code == code
    assert not Job.objects.exists()


def test_a_future_year_is_refused(personas, report_data):
    with pytest.raises(ServiceError) as refused:
        request_report(
            actor=personas["county_officer"], kind="registry", area_code="530921000000", year=open_year() + 1
        )
    assert (refused.value.code, refused.value.field) == ("bad_year", "year")


def test_the_request_is_audited_and_a_double_click_queues_one_job(personas, report_data):
    officer = personas["county_officer"]
    first = request_report(actor=officer, kind="causes", area_code="530921000000")
    second = request_report(actor=officer, kind="causes", area_code="530921000000")
    assert first.pk == second.pk
    assert Job.objects.count() == 1
    change = ObjectChange.objects.get(action=ChangeAction.CREATE, object_pk=str(first.pk))
    assert (change.actor, change.area_code, change.after["kind"]) == (officer, "530921000000", "report_causes")


def test_causes_count_each_main_cause_of_the_poor(personas, report_data, built):
    job = built(personas["county_officer"], "causes", "530921000000")
    rows = _sheet_rows(job)
    total = _row(rows, "合计")
    for code, name in (("01", "因病"), ("02", "因残"), ("03", "因学")):
        poor = Household.objects.filter(
            village__code__startswith="530921", status__in=["registered", "pre_exit", "returned"], main_cause=code
        )
        assert total[_column(rows, f"{code} {name}", "户数")] == poor.count()
        assert total[_column(rows, f"{code} {name}", "人数")] == (poor.aggregate(n=Sum("household_size"))["n"] or 0)
    assert (total[_column(rows, "全部贫困户", "户数")], total[_column(rows, "全部贫困户", "人数")]) == (10, 31)


def test_rolling_plan_counts_planned_exits_and_measures_by_year(personas, report_data, built):
    year = report_data["year"]
    job = built(personas["county_officer"], "rolling_plan", "530921000000")
    rows = _sheet_rows(job)
    shili = _row(rows, "诗礼乡")
    assert shili[_column(rows, f"{year}年计划脱贫", "户数")] == 2
    assert shili[_column(rows, f"{year}年计划脱贫", "人数")] == 6
    assert shili[_column(rows, f"{year + 1}年计划脱贫", "户数")] == 2
    assert _row(rows, "合计")[_column(rows, f"{year + 2}年计划脱贫", "户数")] == 0
    measures = _sheet_rows(job, 2)
    industry = _row(measures, "产业扶持")
    assert industry[_column(measures, str(year), "覆盖户数")] == 4
    assert industry[_column(measures, str(year), "资金（元）")] == pytest.approx(4002.0)
    assert _row(measures, "合计")[_column(measures, str(year), "资金（元）")] == pytest.approx(4002.0)


def test_coverage_counts_paired_households_cadres_and_teams(personas, report_data, built):
    job = built(personas["township_reviewer"], "coverage", "530921201000")
    rows = _sheet_rows(job)
    kongxing = _row(rows, "孔兴村")
    assert kongxing[_column(rows, "结对帮扶", "贫困户数")] == 4
    assert kongxing[_column(rows, "结对帮扶", "已结对户数")] == 3
    assert kongxing[_column(rows, "结对帮扶", "未结对户数")] == 1
    assert kongxing[_column(rows, "结对帮扶", "结对率")] == pytest.approx(0.75)
    assert _row(rows, "诗礼村")[_column(rows, "结对帮扶", "未结对户数")] == 4


def test_the_quality_report_counts_open_findings_by_rule(personas, report_data, built):
    job = built(personas["township_reviewer"], "quality", "530921201000")
    rows = _sheet_rows(job)
    total = _row(rows, "合计")
    from households.models import QualityFinding

    open_findings = QualityFinding.objects.open().filter(area_code__startswith="530921201")
    assert total[2] == open_findings.count() == 1


def test_a_past_year_reads_the_frozen_snapshot(personas, report_data, built):
    year = open_year() - 1
    household = report_data["kongxing"][0]
    HouseholdYear.objects.create(
        household=household,
        year=year,
        area_code=KONGXING,
        status="registered",
        household_size=7,
        net_income_per_capita=Decimal("2000"),
        data={"poverty_attribute": "tekun", "main_cause": "02"},
    )
    job = built(personas["county_officer"], "registry", "530921000000", year)
    rows = _sheet_rows(job)
    total = _row(rows, "合计")
    assert (total[_column(rows, "未脱贫合计", "户数")], total[_column(rows, "未脱贫合计", "人数")]) == (1, 7)
    assert total[_column(rows, "特困供养贫困户", "户数")] == 1
    assert job.result["snapshot"] is True
    cover = _sheet_rows(job, 0)
    assert ("来源", "年度定案数据") in [row[:2] for row in cover if len(row) > 1]


def test_the_cover_sheet_names_area_year_time_and_requester(personas, report_data, built):
    job = built(personas["county_officer"], "registry", "530921000000")
    cover = {row[0]: row[1] for row in _sheet_rows(job, 0) if len(row) > 1 and row[0]}
    assert cover["区划"] == "凤庆县（530921000000）"
    assert cover["年度"] == open_year()
    assert cover["生成人"] == "county_officer_user"
    assert cover["生成时间"].startswith(str(open_year()))


def test_string_cells_that_look_like_formulas_are_neutralised(personas, report_data, built):
    Area.objects.create(code="530921201202", name='=HYPERLINK("http://x")', level="village", parent_id="530921201000")
    job = built(personas["township_reviewer"], "registry", "530921201000")
    workbook = load_workbook(job_file_path(job.file))  # not read-only: see the cell types
    names = [cell.value for cell in workbook.worksheets[1]["B"]]
    assert '\'=HYPERLINK("http://x")' in names
    assert all(cell.data_type != "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)


def test_a_long_table_continues_on_further_sheets_each_with_its_header(tmp_path, settings):
    settings.REPORT_SHEET_MAX_ROWS = 10
    rows = [Row(f"5309210{i:05d}", f"村{i}", {"n": i}) for i in range(15)]
    table = ReportTable("长表", [Column("n", "户数", "统计")], rows, {"n": sum(range(15))}, "区划")
    path = tmp_path / "long.xlsx"
    write_workbook(path, [table], title="长表", cover=[])
    workbook = load_workbook(path)
    sheets = workbook.worksheets[1:]
    counts = [sheet.max_row for sheet in sheets]
    assert len(sheets) == 3 and all(count <= 10 for count in counts)
    values = [row for sheet in sheets for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert [row[2] for row in values if row[0] and row[0].startswith("5309")] == list(range(15))
    assert [list(sheet.iter_rows(min_row=3, max_row=3, values_only=True))[0][2] for sheet in sheets] == ["户数"] * 3


def test_every_report_kind_builds_a_workbook_with_frozen_panes_and_merged_headers(personas, report_data, built):
    for report in all_reports():
        job = built(personas["county_officer"], report.code, "530921000000")
        workbook = load_workbook(job_file_path(job.file))
        assert workbook.sheetnames[0] == "封面"
        for sheet in workbook.worksheets[1:]:
            if report.write is not None:
                # a list that writes itself (the detailed register): title and one header row,
                # the household number column frozen
                assert sheet.freeze_panes == "B3", (report.code, sheet.title)
                continue
            assert sheet.freeze_panes == "C4", (report.code, sheet.title)
            merged = {str(cell_range) for cell_range in sheet.merged_cells.ranges}
            assert {"A2:A3", "B2:B3"} <= merged, report.code
        assert len(job.result["tables"]) >= 1


def test_a_requester_who_lost_the_role_gets_a_failed_job_not_a_report(personas, report_data):
    from areas.services import revoke_role

    officer = personas["county_officer"]
    job = request_report(actor=officer, kind="registry", area_code="530921000000")
    revoke_role(actor=None, user=officer, role="county_officer", area_code="530921000000")
    officer = type(officer).objects.get(pk=officer.pk)  # a fresh user: grants are cached per object
    run_job(job.pk, build_report_job)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.file == ""


def test_a_job_whose_worker_was_killed_leaves_no_half_file_and_completes_on_the_next_attempt(personas, report_data):
    job = request_report(actor=personas["county_officer"], kind="registry", area_code="530921000000")
    # the first attempt's worker died while writing: claimed once, a temporary file left behind
    Job.objects.filter(pk=job.pk).update(status="running", attempts=1)
    directory = job_file_path(JOBS_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    stale = directory / f".job-{job.pk}-abc.part"
    stale.write_bytes(b"PK half a workbook")
    build_report.run(job.pk)  # the broker delivers it again
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert not stale.exists()
    assert sorted(path.name for path in directory.iterdir()) == [f"job-{job.pk}.xlsx"]
    load_workbook(job_file_path(job.file), read_only=True).close()  # whole


def test_a_poison_job_stops_after_three_attempts(personas, report_data):
    job = request_report(actor=personas["county_officer"], kind="registry", area_code="530921000000")
    Job.objects.filter(pk=job.pk).update(status="running", attempts=3)  # three workers died on it
    build_report.run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.attempts == 4
    assert "3" in job.error
    assert job.file == ""


def test_delivering_a_finished_job_again_changes_nothing(personas, report_data, built):
    job = built(personas["county_officer"], "registry", "530921000000")
    before = (job.file, job.finished_at, job.attempts)
    build_report.run(job.pk)
    job.refresh_from_db()
    assert (job.file, job.finished_at, job.attempts) == before


def test_scheduled_builds_cover_each_county_and_province_once_per_period(personas, report_data):
    jobs = schedule_reports(kinds=["registry", "rolling_plan"], period="2026-11")
    assert sorted((job.kind, job.area_code) for job in jobs) == [
        ("report_registry", "530000000000"),
        ("report_registry", "530921000000"),
        ("report_registry", "530922000000"),
        ("report_rolling_plan", "530000000000"),
        ("report_rolling_plan", "530921000000"),
        ("report_rolling_plan", "530922000000"),
    ]
    assert schedule_reports(kinds=["registry", "rolling_plan"], period="2026-11") == []
    county = next(job for job in jobs if job.area_code == "530921000000" and job.kind == "report_registry")
    run_job(county.pk, build_report_job)
    county.refresh_from_db()
    assert county.status == "done", county.error
    assert county.requested_by.username == "report-scheduler"
    assert not county.requested_by.is_active


def test_beat_schedules_the_rolling_plan_monthly_and_the_summaries_nightly(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    monthly = schedule["reports-rolling-plan-monthly"]
    nightly = schedule["reports-summaries-nightly"]
    assert monthly["task"] == nightly["task"] == "reporting.scheduled_reports"
    assert monthly["args"] == (["rolling_plan"], "month")
    assert monthly["schedule"].day_of_month == {1}
    assert "registry" in nightly["args"][0] and nightly["args"][1] == "day"
