"""Report data: households straight in the registry (the reports only count them), with plans,
measures, pairings, work teams and findings around 凤庆县 of tests/conftest.py's WORLD."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest

from areas.models import VillageFigures
from assistance.models import Cadre, Measure, Pairing, Plan, WorkTeam
from core.models import Job
from households.models import CauseCode, Household, QualityFinding
from reporting.services import request_report
from reporting.sources import open_year

KONGXING, SHILI, XINHUA, AIHUA = "530921201200", "530921201201", "530921202200", "530922100200"
_numbers = itertools.count(1)


def add_households(village: str, count: int, *, status="registered", size=3, attribute="general", cause="01"):
    """``count`` households in ``village``, saved in one statement."""
    rows = [
        Household(
            household_no=f"{village}{next(_numbers):04d}",
            village_id=village,
            survey_year=open_year(),
            status=status,
            household_size=size,
            poverty_attribute=attribute,
            main_cause=cause,
            net_income_per_capita=Decimal("3000"),
        )
        for _ in range(count)
    ]
    return Household.objects.bulk_create(rows)


@pytest.fixture
def causes(db):
    CauseCode.objects.bulk_create(
        [CauseCode(code=code, name=name) for code, name in [("01", "因病"), ("02", "因残"), ("03", "因学")]]
    )


@pytest.fixture
def report_data(personas, causes):
    """A county of four villages in three townships (one in another county) with known counts."""
    year = open_year()
    kongxing = add_households(KONGXING, 4, size=3, cause="01")  # 4 poor, 12 people
    add_households(KONGXING, 2, status="exited", size=2, cause="02")  # 2 exited, 4 people
    add_households(SHILI, 3, size=4, attribute="dibao", cause="02")  # 3 poor, 12 people
    add_households(SHILI, 1, status="pre_exit", size=5, attribute="tekun", cause="03")  # 1 poor, 5 people
    add_households(XINHUA, 2, status="returned", size=1, cause="01")  # 2 poor, 2 people
    add_households(AIHUA, 5, size=2, cause="03")  # another county
    for village, population in ((KONGXING, 400), (SHILI, 300), (XINHUA, 100)):
        VillageFigures.objects.create(village_id=village, year=year, rural_registered_population=population)
    officer = personas["county_officer"]
    cadre = Cadre.objects.create(
        county_id="530921000000", name="张帮扶", unit="县农业局", starts_on=datetime.date(year, 1, 1)
    )
    for household in kongxing[:3]:
        Pairing.objects.create(
            household=household, cadre=cadre, area_code=KONGXING, starts_on=datetime.date(year, 1, 1)
        )
    WorkTeam.objects.create(
        village_id=KONGXING,
        dispatching_unit="县农业局",
        leader="李队长",
        first_secretary="王书记",
        starts_on=datetime.date(year, 1, 1),
    )
    for offset, household in enumerate(kongxing):
        plan = Plan.objects.create(
            household=household,
            area_code=KONGXING,
            year=year,
            planned_exit_year=year + (offset % 2),
            updated_by=officer,
        )
        Measure.objects.create(
            plan=plan, household=household, area_code=KONGXING, code="M01", year=year, cost=Decimal("1000.50")
        )
    QualityFinding.objects.create(
        household=kongxing[0], area_code=KONGXING, rule="road_distance", severity="error", message="=HYPERLINK(1)"
    )
    return {"year": year, "kongxing": kongxing}


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
