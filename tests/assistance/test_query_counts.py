"""The area pages of assistance read a fixed number of queries, however many households, cadres,
plans and payments there are (DESIGN.md: pages stay within a fixed number of queries; STYLE.md:
at most 10 a page)."""

import datetime
import re
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

# (page, its arguments, its query string, what it shows once the 27 households are there)
PAGES = [
    ("assistance:cadre_list", {"code": COUNTY}, "", "干部27 县农业局"),
    ("assistance:village_assistance", {"code": KONGXING}, "", "户主27 3 贫困户（未脱贫） 干部27（县农业局）"),
    ("assistance:bulk_assign", {"code": KONGXING}, "", "5309212012000027 户主27"),
    ("assistance:bulk_copy_plans", {"code": KONGXING}, "?from_year=2026&to_year=2027", "户主27 3 是 否"),
    ("assistance:fund_list", {"code": KONGXING}, "", "合计 1350"),
    ("assistance:coverage", {"code": TOWNSHIP}, "", "共 1 户。 村 农户 孔兴村 530921201200 1"),
    ("assistance:coverage", {"code": COUNTY}, "", "共 1 户。 村 农户 孔兴村 530921201200 1"),
    ("assistance:rolling_plan", {"code": COUNTY}, "?year=2026", "孔兴村 0 0 13 39 14 42"),
    ("assistance:index", {}, "", "未落实帮扶责任人的贫困户 （凤庆县）： 1"),
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


def _queries(client, url: str) -> tuple[int, str]:
    """The page's query count and its text without markup, spaces collapsed."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    body = re.sub(r"<script.*?</script>|<style.*?</style>", " ", response.content.decode(), flags=re.S)
    return count_page_queries(captured), " ".join(re.sub(r"<[^>]+>", " ", body).split())


@pytest.mark.parametrize(("name", "kwargs", "query", "shows"), PAGES)
def test_the_page_reads_a_fixed_number_of_queries(personas, client_for, name, kwargs, query, shows):
    VillageFigures.objects.create(village_id=KONGXING, year=2026, rural_registered_population=900, poor_people=60)
    # one household without a cadre: the coverage pages and the work queue list it
    Household.objects.create(
        household_no=f"{KONGXING}9999", village_id=KONGXING, survey_year=2026, status="registered",
        head_name="未结对", household_size=2, main_cause="01",
    )  # fmt: skip
    client = client_for(personas["county_officer"])
    url = reverse(f"{name}", kwargs=kwargs) + query
    _add_households(personas, 1, 2)
    few, _text = _queries(client, url)

    _add_households(personas, 3, 25)
    many, text = _queries(client, url)

    assert many == few <= 10, (few, many)
    assert shows in text
