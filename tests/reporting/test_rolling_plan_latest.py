"""The rolling plan counts each poor household once, by its latest plan up to the report's year
(the NOT EXISTS form of reporting.reports.rolling_plan.planned_exit_figures)."""

from __future__ import annotations

import pytest

from areas.models import Area
from assistance.models import Plan
from reporting.reports.rolling_plan import planned_exit_figures
from reporting.sources import ReportContext
from tests.reporting.conftest import KONGXING, SHILI, add_households


@pytest.mark.django_db
def test_each_household_counts_once_by_its_latest_plan_up_to_the_year(personas):
    officer = personas["county_officer"]
    first, second, third = add_households(KONGXING, 3, size=3)
    exited = add_households(SHILI, 1, status="exited", size=4)[0]

    def plan(household, year, exit_year):
        Plan.objects.create(
            household=household, area_code=household.village_id, year=year, planned_exit_year=exit_year,
            updated_by=officer,
        )  # fmt: skip

    plan(first, 2019, 2020)
    plan(first, 2020, 2022)  # latest up to 2020: exits 2022
    plan(second, 2018, 2021)  # no plan in 2020: its 2018 plan stands
    plan(third, 2020, 2020)
    plan(third, 2021, 2023)  # after the report's year: not read
    plan(exited, 2020, 2020)  # not poor any more: not counted

    county = Area.objects.get(code="530921000000")
    figures = planned_exit_figures(ReportContext(area=county, year=2020, actor=officer))

    assert figures == {"530921201": {"exit_2022_h": 1, "exit_2022_p": 3, "exit_2021_h": 1, "exit_2021_p": 3,
                                     "exit_2020_h": 1, "exit_2020_p": 3}}  # fmt: skip
    # a year earlier, the first household's 2019 plan is its latest
    earlier = planned_exit_figures(ReportContext(area=county, year=2019, actor=officer))
    assert earlier == {"530921201": {"exit_2020_h": 1, "exit_2020_p": 3, "exit_2021_h": 1, "exit_2021_p": 3}}


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_the_village_exits_handed_to_the_selector_are_what_it_would_read(personas, year):
    from assistance.selectors import planned_exits
    from reporting.reports.rolling_plan import village_exits

    officer = personas["county_officer"]
    households = add_households(KONGXING, 3, size=3) + add_households(SHILI, 2, size=5)
    households += add_households(SHILI, 1, status="exited", size=2)
    for offset, household in enumerate(households):
        for plan_year in (2019, 2020, 2021)[offset % 3 :]:
            Plan.objects.create(
                household=household, area_code=household.village_id, year=plan_year,
                planned_exit_year=plan_year + offset % 2, updated_by=officer,
            )  # fmt: skip
    county = Area.objects.get(code="530921000000")
    expected = planned_exits("530921", year)
    assert expected  # the comparison is not of two empty results
    assert village_exits(ReportContext(area=county, year=year, actor=officer)) == expected
