"""The area pages of assistance read a fixed number of queries, however many households, cadres,
plans and payments there are (DESIGN.md: pages stay within a fixed number of queries; STYLE.md:
at most 10 a page)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from areas.models import VillageFigures
from assistance import services
from households.models import Household
from tests.conftest import count_page_queries

COUNTY = "530921000000"
TOWNSHIP = "530921201000"
KONGXING = "530921201200"

PAGES = [
    ("assistance:cadre_list", {"code": COUNTY}, ""),
    ("assistance:village_assistance", {"code": KONGXING}, ""),
    ("assistance:bulk_assign", {"code": KONGXING}, ""),
    ("assistance:bulk_copy_plans", {"code": KONGXING}, "?from_year=2026&to_year=2027"),
    ("assistance:fund_list", {"code": KONGXING}, ""),
    ("assistance:coverage", {"code": TOWNSHIP}, ""),
    ("assistance:coverage", {"code": COUNTY}, ""),
    ("assistance:rolling_plan", {"code": COUNTY}, "?year=2026"),
    ("assistance:index", {}, ""),
]


def _add_households(personas, start: int, count: int) -> None:
    """``count`` registered households of 孔兴村, each with its own cadre, a plan with a measure,
    and a payment."""
    actor = personas["superuser"]
    for n in range(start, start + count):
        household = Household.objects.create(
            household_no=f"{KONGXING}{n:04d}", village_id=KONGXING, survey_year=2026, status="registered",
            head_name=f"户主{n}", household_size=3, main_cause="01",
        )  # fmt: skip
        cadre = services.create_cadre(
            actor=actor, county_code=COUNTY, name=f"干部{n}", unit="县农业局", starts_on=datetime.date(2026, 1, 1)
        )
        services.assign_cadre(
            actor=actor, household_id=household.pk, cadre_id=cadre.pk, starts_on=datetime.date(2026, 2, 1)
        )
        plan = services.save_plan(actor=actor, household_id=household.pk, year=2026, planned_exit_year=2027 + n % 2)
        services.add_measure(actor=actor, plan_id=plan.pk, code="M01", year=2026, cost=Decimal("100"))
        services.record_payment(
            actor=actor, household_id=household.pk, amount=Decimal("50"), paid_on=datetime.date(2026, 3, 1),
            purpose="奖补",
        )  # fmt: skip


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return count_page_queries(captured)


@pytest.mark.parametrize(("name", "kwargs", "query"), PAGES)
def test_the_page_reads_a_fixed_number_of_queries(personas, client_for, name, kwargs, query):
    VillageFigures.objects.create(village_id=KONGXING, year=2026, rural_registered_population=900, poor_people=60)
    client = client_for(personas["county_officer"])
    url = reverse(f"{name}", kwargs=kwargs) + query
    _add_households(personas, 1, 2)
    few = _queries(client, url)

    _add_households(personas, 3, 25)
    many = _queries(client, url)

    assert many == few <= 10, (few, many)
