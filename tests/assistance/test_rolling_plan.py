"""The rolling plan rolls households' planned exit years up to villages and to the township or
county as a whole (DOMAIN.md sections 8 and 11): the same incidence threshold over the sums."""

from decimal import Decimal

import pytest
from django.urls import reverse

from areas.models import VillageFigures
from assistance import selectors, services
from tests.assistance.test_selectors import three_registered  # noqa: F401 -- the shared fixture

KONGXING = "530921201200"
SHILI_VILLAGE = "530921201201"
TOWNSHIP = "530921201000"


@pytest.fixture
def planned(personas, three_registered):  # noqa: F811
    """孔兴村: 500 rural people, 24 poor, 4 planned to exit in 2026 and 8 in 2027; 诗礼村: 300
    rural people, 10 poor, no plans."""
    VillageFigures.objects.create(village_id=KONGXING, year=2026, rural_registered_population=500, poor_people=24)
    VillageFigures.objects.create(village_id=SHILI_VILLAGE, year=2026, rural_registered_population=300, poor_people=10)
    for household, exit_year in zip(three_registered, [2026, 2027, 2027], strict=True):
        services.save_plan(
            actor=personas["village_clerk"], household_id=household.pk, year=2026, planned_exit_year=exit_year
        )


def test_the_area_exits_when_its_villages_together_fall_under_the_threshold(planned):
    villages = selectors.village_exit_years("530921201", plan_year=2026)

    area = selectors.area_exit_year(villages, Decimal("0.03"))

    assert (area.rural_population, area.poor_people) == (800, 34)
    assert area.remaining_by_year == {2026: 30, 2027: 22, 2028: 22}
    assert area.exit_year == 2027  # 30 / 800 = 3.75 %, then 22 / 800 = 2.75 % < 3 %


def test_one_village_far_above_keeps_the_area_from_exiting(planned):
    VillageFigures.objects.create(village_id="530921202200", year=2026, rural_registered_population=100, poor_people=50)
    villages = selectors.village_exit_years("530921", plan_year=2026)

    area = selectors.area_exit_year(villages, Decimal("0.03"))

    assert next(v for v in villages if v.village == KONGXING).exit_year == 2027
    assert area.exit_year is None  # (22 + 50) / 900 = 8 %


def test_the_page_and_the_api_show_the_area_as_a_whole(personas, client_for, api_for, planned):
    page = client_for(personas["township_reviewer"]).get(
        reverse("assistance:rolling_plan", kwargs={"code": TOWNSHIP}) + "?year=2026"
    )
    body = (
        api_for(personas["township_reviewer"])
        .get(reverse("api:assistance-rolling-plan", kwargs={"code": TOWNSHIP}), {"year": "2026"})
        .json()
    )

    assert page.status_code == 200
    assert "诗礼乡合计" in page.content.decode()
    assert page.context["area_plan"].exit_year == 2027
    assert body["area_plan"] == {
        "rural_population": 800,
        "poor_people": 34,
        "remaining_by_year": {"2026": 30, "2027": 22, "2028": 22},
        "exit_year": 2027,
    }
