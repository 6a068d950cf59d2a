"""Every report workbook opened by LibreOffice (headless, converted to CSV sheet by sheet): the
files are real spreadsheets another program reads, and the totals it reads equal SQL counts.

Needs ``soffice`` (libreoffice-calc-nogui); .ci/run installs it when missing.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db.models import Sum

from core.jobs import job_file_path
from households.models import Household, QualityFinding
from reporting.registry import all_reports
from reporting.services import request_report
from reporting.sources import POOR_STATUSES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("soffice"), reason="needs LibreOffice (soffice); .ci/run installs it"),
]

#: LibreOffice's CSV filter: comma, double quote, UTF-8, raw values (not as shown), every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _convert(paths: list[Path], outdir: Path) -> None:
    profile = outdir / "profile"
    subprocess.run(  # noqa: S603 - LibreOffice with our own arguments
        [
            shutil.which("soffice"),
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(outdir),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )


def _sheets(outdir: Path, stem: str) -> dict[str, list[list[str]]]:
    sheets = {}
    for path in sorted(outdir.glob(f"{stem}-*.csv")):
        with path.open(encoding="utf-8") as handle:
            sheets[path.stem.removeprefix(f"{stem}-")] = list(csv.reader(handle))
    return sheets


def _number(text: str) -> float:
    return float(text) if text not in ("", None) else 0.0


def test_libreoffice_reads_every_report_and_its_totals_equal_sql_counts(
    personas, report_data, tmp_path, django_capture_on_commit_callbacks
):
    # given: one workbook of each kind for the county
    jobs = {}
    for report in all_reports():
        with django_capture_on_commit_callbacks(execute=True):
            job = request_report(actor=personas["county_officer"], kind=report.code, area_code="530921000000")
        job.refresh_from_db()
        assert job.status == "done", job.error
        copy = tmp_path / f"{report.code}.xlsx"
        shutil.copyfile(job_file_path(job.file), copy)
        jobs[report.code] = copy

    # when
    outdir = tmp_path / "csv"
    outdir.mkdir()
    _convert(list(jobs.values()), outdir)

    # then: every table sheet has a totals row equal to the sum of its rows, column by column
    streamed = {report.code for report in all_reports() if report.write is not None}
    for code in set(jobs) - streamed:
        sheets = _sheets(outdir, code)
        assert "封面" in sheets, (code, list(sheets))
        tables = [rows for name, rows in sheets.items() if name != "封面"]
        assert tables, code
        for rows in tables:
            total = next(row for row in rows if len(row) > 1 and row[1] == "合计")
            body = [row for row in rows[3:] if row and row[0].isdigit() or row and row[0].startswith("M")]
            for index in range(2, len(total)):
                header = rows[2][index] or rows[1][index]
                if header in ("贫困发生率", "结对率", "错评率", "漏评率", "错退率"):
                    continue  # ratios: the total is computed from the totals, not summed
                assert _number(total[index]) == pytest.approx(sum(_number(row[index]) for row in body)), (code, header)

    # and the totals equal SQL counts over the county
    registry = _sheets(outdir, "registry")
    rows = next(rows for name, rows in registry.items() if name != "封面")
    total = next(row for row in rows if len(row) > 1 and row[1] == "合计")
    poor = Household.objects.filter(village__code__startswith="530921", status__in=POOR_STATUSES)
    assert int(_number(total[2])) == poor.count()
    assert int(_number(total[3])) == poor.aggregate(n=Sum("household_size"))["n"]
    quality = next(rows for name, rows in _sheets(outdir, "quality").items() if name != "封面")
    total = next(row for row in quality if len(row) > 1 and row[1] == "合计")
    assert int(_number(total[2])) == QualityFinding.objects.open().filter(area_code__startswith="530921").count()

    # and the detailed register (rows, not a table by area): as many rows as SQL counts
    detail = _sheets(outdir, "register_detail")
    assert "封面" in detail, list(detail)
    households = [row for row in detail["户明细"][2:] if row and row[0]]
    assert len(households) == Household.objects.filter(village__code__startswith="530921").count()
