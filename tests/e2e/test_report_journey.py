"""The province report journey of issue 8 in a real browser: a province officer requests the
registry summary (建档立卡汇总表) of the province, watches the progress bar, downloads the
workbook, and the file opens (openpyxl, then LibreOffice headless).

Tasks run in-process in tests, which would finish the job inside the request that queues it. To
see the bar move, this test lets the job wait on the broker (in-memory, or Redis in CI: nothing
consumes the message) and drives it itself while the page polls: a first step of progress, then
the real build (core.jobs.run_job with the report's own handler), exactly what a worker runs.

The page's polls are routed through Playwright, whose sync API serves them only while the test
calls into it: the test thread's database writes never overlap a request of the live server
(they share one SQLite connection).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid

import pytest
from django.db import connection
from openpyxl import load_workbook

from core.jobs import report_progress, run_job
from core.models import Job
from households.models import Household
from reporting.services import build_report_job
from reporting.sources import POOR_STATUSES
from tests.conftest import PASSWORD
from tests.households.test_celery_worker import _forget_queue, _queue_length
from tests.reporting.conftest import AIHUA, KONGXING, SHILI, XINHUA, add_households

pytestmark = pytest.mark.django_db(transaction=True)

PROVINCE = "530000000000"  # 云南省
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


@pytest.fixture
def queued_not_run():
    """Tasks are sent to the broker instead of running in-process (tests/conftest.py turns that on
    for every test; this one wants its job to stay queued until it drives it), on a queue no worker
    reads, deleted afterwards from Redis (CI) so that no worker ever takes the message up."""
    from config.celery import app

    before = (app.conf.task_always_eager, app.conf.task_default_queue)
    queue = f"test-e2e-report-{uuid.uuid4().hex[:12]}"
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield queue
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = before
        if os.environ.get("REDIS_URL"):
            _forget_queue(queue)


def _province_households() -> None:
    """Households in three counties of two cities of the province, in every kind of status."""
    add_households(KONGXING, 4, size=3)
    add_households(KONGXING, 2, status="exited", size=2)
    add_households(SHILI, 3, size=4, attribute="dibao", cause="02")
    add_households(SHILI, 1, status="pre_exit", size=5, attribute="tekun", cause="03")
    add_households(XINHUA, 2, status="returned", size=1)
    add_households(AIHUA, 5, size=2, cause="03")  # 云县, another county


def _poor_by_sql() -> tuple[int, int]:
    """Poor households and people of the province, counted in SQL apart from the report's code."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(SUM(household_size), 0) FROM households_household"
            " WHERE village_id LIKE %s AND status IN (%s, %s, %s)",
            [PROVINCE[:2] + "%", *POOR_STATUSES],
        )
        households, people = cursor.fetchone()
    return int(households), int(people)


def _percent(page) -> int:
    return int(page.locator("#report-body progress").get_attribute("value"))


def test_a_province_officer_requests_watches_and_downloads_the_registry_summary(
    watched, personas, queued_not_run, tmp_path
):
    _province_households()
    households, people = _poor_by_sql()
    assert (households, people) == (4 + 3 + 1 + 2 + 5, 12 + 12 + 5 + 2 + 10)
    page = watched.new_page()
    # polls wait for the test's next Playwright call (see the module's docstring)
    page.route(re.compile(r".*/reports/.*"), lambda route: route.continue_())
    watched.login(page, "province_officer_user", PASSWORD)

    # the reports page: the registry summary of the province
    page.goto(f"/reports/?area={PROVINCE}&kind=registry")
    assert page.locator("h1").inner_text() == "统计报表"
    assert page.locator("#kind").input_value() == "registry"
    assert page.locator("#area").input_value() == PROVINCE
    watched.shot(page, "reports-page")
    page.click("main form button[type=submit].primary")
    page.wait_for_url("**/reports/jobs/*/")
    job = Job.objects.get()
    assert (job.kind, job.area_code, job.status) == ("report_registry", PROVINCE, "queued")
    if os.environ.get("REDIS_URL"):
        assert _queue_length(queued_not_run) == 1  # sent to the broker, waiting for a worker
    assert "排队中" in page.locator("#report-body").inner_text()
    assert _percent(page) == 0
    assert page.locator("#report-body a.button").count() == 0  # nothing to download yet
    watched.shot(page, "queued")

    # a worker takes it up: the polling page shows the bar move, without a reload
    first_load = page.evaluate("() => performance.timeOrigin")
    Job.objects.filter(pk=job.pk).update(status="running")
    report_progress(job, 1, total=3)
    page.wait_for_function("() => document.querySelector('#report-body progress').value === 33")
    assert "执行中" in page.locator("#report-body").inner_text()
    watched.shot(page, "progress-33")

    # the build itself, as the worker runs it; the page reaches 100 % and offers the download
    finished = run_job(job.pk, build_report_job)
    assert finished.status == "done", finished.error
    page.wait_for_function("() => document.querySelector('#report-body progress').value === 100")
    page.wait_for_selector("#report-body a.button.primary")
    assert page.evaluate("() => performance.timeOrigin") == first_load  # the same page, updated by htmx
    body = page.locator("#report-body").inner_text()
    assert "已完成" in body and "100%" in body
    assert page.locator("#report-body [hx-get]").count() == 0 and page.locator("#report-body[hx-get]").count() == 0
    # the page's own table: the totals row
    totals = page.locator("#report-body table tfoot td").all_inner_texts()
    assert totals[0].replace(",", "") == str(households)
    watched.shot(page, "done")

    # downloaded through the browser and saved where the test reads it
    with page.expect_download() as download_info:
        page.click("#report-body a.button.primary")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "registry.xlsx"
    download.save_as(saved)
    assert download.failure() is None

    # the workbook opens: a cover sheet, then the table whose totals row equals SQL
    workbook = load_workbook(saved, read_only=True)
    assert workbook.sheetnames[0] == "封面"
    rows = [list(row) for row in workbook[workbook.sheetnames[1]].iter_rows(values_only=True)]
    total = next(row for row in rows if len(row) > 1 and row[1] == "合计")
    assert (total[2], total[3]) == (households, people)
    cities = [row for row in rows if row and isinstance(row[0], str) and row[0].startswith("53")]
    assert {row[0] for row in cities} == {"530900000000", "530800000000"}  # rows by the cities below
    workbook.close()

    # and a spreadsheet program reads it: LibreOffice converts it to CSV with the same totals
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui"
    outdir = tmp_path / "csv"
    subprocess.run(  # noqa: S603 - LibreOffice with our own arguments
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(outdir),
            str(saved),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    sheets = sorted(outdir.glob("registry-*.csv"))
    assert len(sheets) == 2, sheets  # the cover and the table
    table = next(path for path in sheets if "封面" not in path.name).read_text(encoding="utf-8")
    csv_total = next(line.split(",") for line in table.splitlines() if ",合计," in line)
    assert (int(float(csv_total[2])), int(float(csv_total[3]))) == (households, people)

    # the download is recorded and shown on the reports page
    page.goto("/reports/")
    page.wait_for_selector("#report-jobs")
    assert "province_officer_user" in page.locator("#report-jobs").inner_text()
    watched.shot(page, "downloaded")
    assert Household.objects.count() == 17
