"""The village exit years computed in one SQL statement equal the Python pass over the planned
exits they replaced (assistance.selectors: ``village_exit_years`` without and with ``exits``),
on villages that exercise every branch: latest figures among several years, figures after the
plan year, no figures, no plans, a zero population, superseded and later plans, overdue exit
years, households no longer poor, the exact threshold, and an area outside the prefix."""

from decimal import Decimal

import pytest

from areas.models import VillageFigures
from assistance import selectors
from assistance.models import Plan
from households.models import Household
from households.services import save_household
from tests.households.conftest import family_of_four, household_input

KONGXING, SHILI, XINHUA, AIHUA = "530921201200", "530921201201", "530921202200", "530922100200"


@pytest.fixture
def varied(personas):
    clerk = personas["village_clerk"]
    households = [
        save_household(
            actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four(offset)
        ).household
        for offset in range(9)
    ]
    # (village, status, size, [(plan year, planned exit year), ...])
    layout = [
        (KONGXING, "registered", 4, [(2024, 2030), (2026, 2026)]),  # the 2026 plan supersedes
        (KONGXING, "pre_exit", 2, [(2025, 2024)]),  # overdue: counts in the first year
        (KONGXING, "registered", 5, [(2026, 2027), (2027, 2026)]),  # the 2027 plan is after the year
        (KONGXING, "exited", 6, [(2026, 2026)]),  # no longer poor: not counted
        (SHILI, "returned", 3, [(2026, 2028)]),
        (XINHUA, "registered", 7, [(2026, 2027)]),  # a village without figures
        (XINHUA, "registered", 1, [(2026, 2029)]),  # beyond the horizon
        (AIHUA, "registered", 4, [(2026, 2026)]),  # another county
        (AIHUA, "registered", 3, [(2027, 2026)]),  # only a plan after the year: none
    ]
    for household, (village, status, size, plans) in zip(households, layout, strict=True):
        Household.objects.filter(pk=household.pk).update(village_id=village, status=status, household_size=size)
        for year, exit_year in plans:
            Plan.objects.create(
                household=household, area_code=village, year=year, planned_exit_year=exit_year, updated_by=clerk
            )
    figures = [
        (KONGXING, 2024, 900, 60),
        (KONGXING, 2026, 400, 20),  # the latest up to 2026
        (KONGXING, 2027, 10, 10),  # after the plan year: ignored
        (SHILI, 2025, 100, 6),  # 6 - 3 = 3 of 100: exactly 3 %, not under it
        (AIHUA, 2026, 0, 0),  # no population: never exits, its plans aside
    ]
    for village, year, population, poor in figures:
        VillageFigures.objects.create(
            village_id=village, year=year, rural_registered_population=population, poor_people=poor
        )


def _python(prefix: str, plan_year: int, years: int, threshold: Decimal) -> list:
    exits = selectors.planned_exits(prefix, plan_year)
    return selectors.village_exit_years(prefix, plan_year, years, exits=exits, threshold=threshold)


@pytest.mark.parametrize("prefix", ["53", "530921", "530921201", KONGXING])
@pytest.mark.parametrize("plan_year", [2025, 2026, 2027])
@pytest.mark.parametrize("years", [1, 3, 5])
@pytest.mark.parametrize("threshold", [Decimal("0.02"), Decimal("0.03"), Decimal("0.05")])
def test_the_sql_exit_years_equal_the_python_pass(varied, prefix, plan_year, years, threshold):
    assert selectors.village_exit_years(prefix, plan_year, years, threshold=threshold) == _python(
        prefix, plan_year, years, threshold
    )


def test_the_data_set_reaches_every_outcome(varied):
    plans = {v.village: v for v in selectors.village_exit_years("53", 2026, 3, threshold=Decimal("0.03"))}

    # 孔兴村: 20 poor of 400; 4 + 2 leave in 2026 (14, 3.5 %), 5 more in 2027 (9, 2.25 %)
    assert (plans[KONGXING].figures_year, plans[KONGXING].remaining_by_year) == (2026, {2026: 14, 2027: 9, 2028: 9})
    assert plans[KONGXING].exit_year == 2027
    assert plans[SHILI].remaining_by_year[2028] == 3 and plans[SHILI].exit_year is None  # 3 % is not under 3 %
    assert (plans[XINHUA].figures_year, plans[XINHUA].poor_people, plans[XINHUA].exit_year) == (None, 8, None)
    assert (plans[AIHUA].remaining_by_year[2026], plans[AIHUA].exit_year) == (0, None)  # no population
    assert plans == {v.village: v for v in _python("53", 2026, 3, Decimal("0.03"))}


def test_the_sql_exit_years_take_one_query_with_the_threshold_given(varied, django_assert_num_queries):
    with django_assert_num_queries(1):
        plans = selectors.village_exit_years("53", 2026, 3, threshold=Decimal("0.03"))
    assert {v.village: v.exit_year for v in plans if v.village in (KONGXING, SHILI)} == {KONGXING: 2027, SHILI: None}
