"""Poverty incidence, poor village exit and county 摘帽."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from areas.models import Area, VillageFigures
from core.errors import ServiceError
from exits import exit_areas
from exits.exit_incidence import assess_county, assess_villages
from exits.models import CountyExitCase, VillageExitCase
from households.models import Household
from tests.conftest import count_page_queries, in_2026
from tests.exits.exit.conftest import KONGXING, SHILI, XINHUA, YEAR, registered

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the village figures and the exit
# procedures are of 2026 (YEAR).
pytestmark = [pytest.mark.django_db, in_2026]

GOOD = {
    "total_households": 100, "total_population": 400, "rural_registered_population": 400,
    "safe_water_households": 100, "asphalt_road_to_township": True, "has_clinic": True, "collective_income": 30000,
}  # fmt: skip


def _figures(village: str, **overrides) -> VillageFigures:
    return VillageFigures.objects.create(village_id=village, year=YEAR, **{**GOOD, **overrides})


def test_incidence_counts_remaining_poor_people_of_the_register(personas):
    # given: one registered household of four in a village of 400 (1 %), another of 150 (2.67 %)
    registered(personas["superuser"], KONGXING)
    registered(personas["superuser"], SHILI, offset=1)
    _figures(KONGXING)
    _figures(SHILI, rural_registered_population=150, total_households=40, safe_water_households=40)

    # when
    rows = {row.code: row for row in assess_villages("530921201", YEAR)}

    # then: Yunnan is western, so the bar is 3 %
    assert (rows[KONGXING].poor_people, rows[KONGXING].incidence) == (4, Decimal("0.0100"))
    assert rows[SHILI].incidence == Decimal("0.0267")
    assert rows[SHILI].threshold == Decimal("0.03")
    assert rows[KONGXING].meets_bar and rows[SHILI].meets_bar


def test_the_threshold_is_two_percent_outside_the_west(personas, english):
    registered(personas["superuser"], SHILI, offset=1)
    _figures(SHILI, rural_registered_population=150, total_households=40, safe_water_households=40)
    rows = {row.code: row for row in assess_villages("530921201", YEAR, western=False)}
    assert rows[SHILI].threshold == Decimal("0.02")
    assert rows[SHILI].blockers == ["Poverty incidence 2.67% is not under 2.00%."]


def _poor(personas, village: str, people: int, offset: int = 0) -> None:
    """One registered household of ``people`` in the village (its size set directly: a factory)."""
    household = registered(personas["superuser"], village, offset=offset)
    Household.objects.filter(pk=household.pk).update(household_size=people)


@pytest.mark.parametrize(
    ("people", "population", "meets_bar"),
    [
        pytest.param(3, 100, False, id="exactly_three_percent_case"),
        pytest.param(3, 101, True, id="just_under_case"),  # 2.97 %
        pytest.param(599, 19997, True, id="under_but_shown_as_3_00_percent_case"),  # 2.9954 %, rounds to 0.0300
    ],
)
def test_a_village_exits_under_three_percent_and_not_at_it(personas, people, population, meets_bar):
    _poor(personas, KONGXING, people)
    _figures(KONGXING, rural_registered_population=population)

    row = assess_villages(KONGXING, YEAR)[0]

    assert (row.threshold, row.meets_bar) == (Decimal("0.03"), meets_bar)


@pytest.mark.parametrize(
    ("people", "population", "meets_bar"),
    [
        pytest.param(600, 20000, False, id="exactly_three_percent_case"),
        pytest.param(599, 19997, True, id="under_but_shown_as_3_00_percent_case"),
    ],
)
def test_a_county_exits_under_three_percent_and_not_at_it(personas, people, population, meets_bar):
    # the poor are in 孔兴村; 诗礼村 and 新华村 have 100 people each and none poor
    _poor(personas, KONGXING, people)
    _figures(KONGXING, rural_registered_population=population - 200)
    _figures(SHILI)
    _figures(XINHUA)
    VillageFigures.objects.exclude(village_id=KONGXING).update(rural_registered_population=100)

    county = assess_county(Area.objects.get(code="530921000000"), YEAR)

    assert (county.poor_people, county.rural_population, county.meets_bar) == (people, population, meets_bar)


@pytest.mark.usefixtures("english")
def test_what_stops_a_village_is_listed(personas):
    _figures(KONGXING, asphalt_road_to_township=False, has_clinic=False, safe_water_households=90, collective_income=0)
    row = assess_villages(KONGXING, YEAR)[0]
    assert row.blockers == [
        "No asphalt or cement road to the township.",
        "Safe drinking water for 90 of 100 households.",
        "No standard village clinic.",
        "Collective income 0.00 yuan is not above 0 yuan.",
    ]
    assert assess_villages(SHILI, YEAR)[0].blockers == [
        "No village figures with the rural registered population for this year."
    ]


def test_a_village_exits_through_township_publicity_and_county_announcement(personas):
    _figures(KONGXING)
    reviewer, officer = personas["township_reviewer"], personas["county_officer"]

    case = exit_areas.propose_village(actor=reviewer, village_code=KONGXING, year=YEAR)
    case = exit_areas.post_village_publicity(
        actor=reviewer, case_id=case.pk, starts_on=datetime.date(2026, 3, 1), posted_place="乡政府"
    )
    with pytest.raises(ServiceError) as early:
        exit_areas.conclude_village_publicity(actor=reviewer, case_id=case.pk, today=datetime.date(2026, 3, 7))
    assert early.value.code == "too_early"
    case = exit_areas.conclude_village_publicity(actor=reviewer, case_id=case.pk, today=datetime.date(2026, 3, 8))
    with pytest.raises(PermissionDenied):
        exit_areas.announce_village(actor=reviewer, case_id=case.pk)
    case = exit_areas.announce_village(actor=officer, case_id=case.pk)

    assert case.state == "announced"
    assert case.figures["incidence"] == "0.0000"


def test_a_village_under_the_bar_cannot_be_proposed(personas):
    _figures(KONGXING, has_clinic=False)
    with pytest.raises(ServiceError) as refused:
        exit_areas.propose_village(actor=personas["township_reviewer"], village_code=KONGXING, year=YEAR)
    assert refused.value.code == "bar_not_met"
    assert not VillageExitCase.objects.exists()


def test_a_county_exits_when_city_and_province_agree(personas):
    # given: every village of 凤庆县 with figures, one poor household
    registered(personas["superuser"], KONGXING)
    for village in (KONGXING, SHILI, XINHUA):
        _figures(village)
    county = Area.objects.get(code="530921000000")
    assert assess_county(county, YEAR).incidence == Decimal("0.0033")

    # when
    case = exit_areas.propose_county(actor=personas["county_officer"], county_code=county.code, year=YEAR)
    with pytest.raises(PermissionDenied):
        exit_areas.announce_county(
            actor=personas["city_inspector"], case_id=case.pk, checked_on=datetime.date(2026, 3, 1), opinion="同意"
        )
    case = exit_areas.record_city_check(
        actor=personas["city_inspector"], case_id=case.pk, checked_on=datetime.date(2026, 3, 1), opinion="同意"
    )
    case = exit_areas.announce_county(
        actor=personas["province_officer"], case_id=case.pk, checked_on=datetime.date(2026, 4, 1), opinion="核查通过"
    )

    # then
    assert case.state == "announced"
    assert set(case.records) == {"city", "province"}


def test_a_county_with_villages_missing_figures_cannot_apply(personas):
    _figures(KONGXING)
    with pytest.raises(ServiceError) as refused:
        exit_areas.propose_county(actor=personas["county_officer"], county_code="530921000000", year=YEAR)
    assert refused.value.code == "bar_not_met"
    assert not CountyExitCase.objects.exists()


def test_the_incidence_page_lists_who_meets_the_bar_in_a_fixed_number_of_queries(
    personas, client_for, django_assert_max_num_queries
):
    # given: many villages, half of them without a clinic
    township = Area.objects.get(code="530921201000")
    for number in range(210, 240):
        code = f"530921201{number}"
        Area.objects.create(code=code, name=f"村{number}", level="village", parent=township)
        _figures(code, has_clinic=number % 2 == 0)
        if number < 213:
            registered(personas["superuser"], code, offset=number - 205)

    client = client_for(personas["county_officer"])

    # when
    with django_assert_max_num_queries(14) as queries:
        response = client.get(reverse("exit:incidence", args=["530921000000"]), {"year": YEAR})

    # then
    text = response.content.decode()
    assert response.status_code == 200
    assert "达到退出标准的村（15）" in text
    assert "无标准化村卫生室" in text
    assert "未达到退出标准的村及原因（18）" in text  # 15 without a clinic, 3 without figures
    assert count_page_queries(queries.captured_queries) <= 10


def test_the_city_sees_its_counties_and_what_stops_them(personas, client_for, api_for):
    # given: 凤庆县 with figures everywhere, 云县 with none
    registered(personas["superuser"], KONGXING)
    for village in (KONGXING, SHILI, XINHUA):
        _figures(village)

    # when
    text = client_for(personas["city_inspector"]).get(reverse("exit:incidence", args=["530900000000"])).content.decode()
    body = api_for(personas["city_inspector"]).get("/api/v1/exits/exit/incidence/530900000000/", {"year": YEAR}).json()

    # then
    assert "达到摘帽标准的县（1）" in text and "凤庆县" in text
    assert "未达到摘帽标准的县及原因（1）" in text and "1个村无本年度村情数据：爱华村" in text
    counties = {c["code"]: c for c in body["counties"]}
    assert (counties["530921000000"]["meets_bar"], counties["530921000000"]["incidence"]) == (True, "0.0033")
    assert counties["530922000000"]["meets_bar"] is False


def test_the_counties_page_stays_at_a_fixed_number_of_queries(personas, client_for, django_assert_max_num_queries):
    # given: more counties in the city, each with a village and figures
    city = Area.objects.get(code="530900000000")
    for number in range(23, 33):
        county = Area.objects.create(code=f"5309{number}000000", name=f"县{number}", level="county", parent=city)
        township = Area.objects.create(code=f"5309{number}100000", name="镇", level="township", parent=county)
        Area.objects.create(code=f"5309{number}100200", name="村", level="village", parent=township)
        _figures(f"5309{number}100200")
    client = client_for(personas["city_inspector"])

    # when
    with django_assert_max_num_queries(14) as queries:
        response = client.get(reverse("exit:incidence", args=[city.code]), {"year": YEAR})

    # then
    assert "达到摘帽标准的县（10）" in response.content.decode()
    assert count_page_queries(queries.captured_queries) <= 10
