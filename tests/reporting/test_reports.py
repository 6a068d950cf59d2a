"""Each report's figures, read back from the workbook the job wrote, against SQL counts; scope;
the frozen-year source; formula injection; the sheet-length limit."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from openpyxl import load_workbook

from core.jobs import job_file_path
from core.models import Job
from households.models import Household
from reporting.services import request_report
from reporting.sources import open_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def built(django_capture_on_commit_callbacks):
    """Request a report and run its task (in-process) once the request commits."""

    def build(actor, kind, area_code, year=None) -> Job:
        with django_capture_on_commit_callbacks(execute=True):
            job = request_report(actor=actor, kind=kind, area_code=area_code, year=year)
        job.refresh_from_db()
        assert job.status == "done", job.error
        return job

    return build


def _sheet_rows(job: Job, index: int = 1) -> list[tuple]:
    workbook = load_workbook(job_file_path(job.file), read_only=True)
    try:
        return [tuple(row) for row in workbook.worksheets[index].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _row(rows, label):
    return next(row for row in rows if row[0] == label or row[1] == label)


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
    assert rows[0][0] == f"凤庆县{open_year()}年建档立卡汇总"
    poor_h = _column(rows, "贫困户（未脱贫）", "户数")
    poor_p = _column(rows, "贫困户（未脱贫）", "人数")
    shili, xinhua, total = _row(rows, "诗礼乡"), _row(rows, "新华彝族苗族乡"), _row(rows, "合计")
    assert (shili[poor_h], shili[poor_p]) == (8, 29)
    assert (xinhua[poor_h], xinhua[poor_p]) == (2, 2)
    in_county = Household.objects.filter(
        village_id__startswith="530921", status__in=["registered", "pre_exit", "returned"]
    )
    assert total[poor_h] == in_county.count()
    assert total[poor_p] == in_county.aggregate(n=Sum("household_size"))["n"]
    incidence = _column(rows, "贫困发生率", "贫困发生率")
    assert shili[incidence] == pytest.approx(29 / 700, abs=1e-4)
    assert total[incidence] == pytest.approx(31 / 800, abs=1e-4)
