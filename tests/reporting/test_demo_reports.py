"""The demo's report jobs (reporting/demo.py, run by load_demo): requested by the demo logins
through the page's service, built once the request commits, and requested once only."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from core.jobs import job_file_path
from core.models import Job
from reporting.demo import DEMO_REPORTS, request_demo_reports
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_reports_are_built_once_by_their_demo_logins(world, django_capture_on_commit_callbacks):
    make_user("officer_fengqing", "county_officer", "530921000000")
    make_user("province_yunnan", "province_officer", "530000000000")

    with django_capture_on_commit_callbacks(execute=True):
        requested = request_demo_reports()

    jobs = list(Job.objects.filter(kind__startswith="report_").select_related("requested_by"))
    assert requested == len(jobs) == len(DEMO_REPORTS)
    assert {(job.requested_by.username, job.kind, job.area_code) for job in jobs} == {
        (login, f"report_{kind}", area) for login, kind, area, _back in DEMO_REPORTS
    }
    for job in jobs:
        assert job.status == "done", job.error
        assert load_workbook(job_file_path(job.file), read_only=True).sheetnames  # a whole workbook
    assert request_demo_reports() == 0  # a second load_demo adds none
    assert Job.objects.filter(kind__startswith="report_").count() == len(DEMO_REPORTS)
