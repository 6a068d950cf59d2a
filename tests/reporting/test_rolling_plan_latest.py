"""The rolling plan counts each poor household once, by its latest plan up to the report's year
(the NOT EXISTS form of reporting.reports.rolling_plan.planned_exit_figures)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from areas.models import Area
from assistance.models import Plan
from reporting.reports.rolling_plan import planned_exit_figures
from reporting.sources import ReportContext, open_year
from tests.reporting.conftest import KONGXING, SHILI, add_households


@pytest.mark.django_db
def test_each_household_counts_once_by_its_latest_plan_up_to_the_year(personas):
    officer = personas["county_officer"]
    year = open_year()  # the live plans (a past year reads the frozen ones)
    first, second, third = add_households(KONGXING, 3, size=3)
    exited = add_households(SHILI, 1, status="exited", size=4)[0]

    def plan(household, plan_year, exit_year):
        Plan.objects.create(
            household=household, area_code=household.village_id, year=plan_year, planned_exit_year=exit_year,
            updated_by=officer,
        )  # fmt: skip

    plan(first, year - 1, year)
    plan(first, year, year + 2)  # latest up to the year: exits in two years
    plan(second, year - 2, year + 1)  # no plan this year: its older plan stands
    plan(third, year, year)
    plan(third, year + 1, year + 3)  # after the report's year: not read
    plan(exited, year, year)  # not poor any more: not counted

    county = Area.objects.get(code="530921000000")
    figures = planned_exit_figures(ReportContext(area=county, year=year, actor=officer))

    assert figures == {
        "530921201": {
            f"exit_{year}_h": 1, f"exit_{year}_p": 3, f"exit_{year + 1}_h": 1, f"exit_{year + 1}_p": 3,
            f"exit_{year + 2}_h": 1, f"exit_{year + 2}_p": 3,
        }
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_the_statement_counts_the_exits_the_selector_reads(personas, year):
    """assistance.selectors.village_plan_rows (the rolling plan's one statement, latest plan by
    a window) leaves by each year of the horizon what planned_exits (the selector's grouped
    query, latest plan by a subquery) gives, summed up to that year, overdue plans included."""
    from assistance.selectors import planned_exits, village_plan_rows

    officer = personas["county_officer"]
    households = add_households(KONGXING, 3, size=3) + add_households(SHILI, 2, size=5)
    households += add_households(SHILI, 1, status="exited", size=2)
    for offset, household in enumerate(households):
        for plan_year in (2019, 2020, 2021)[offset % 3 :]:
            Plan.objects.create(
                household=household, area_code=household.village_id, year=plan_year,
                planned_exit_year=plan_year + offset % 2, updated_by=officer,
            )  # fmt: skip
    horizon = [year, year + 1, year + 2]
    expected = {}
    for village, by_year in planned_exits("530921", year).items():
        expected[village] = tuple(
            sum(counts[part] for exit_year, counts in by_year.items() if exit_year <= limit)
            for part in (0, 1)
            for limit in horizon
        )
    assert any(any(counts) for counts in expected.values())  # the comparison is not of zeros
    rows = village_plan_rows(["530921"], year, horizon, Decimal("0.03"))
    got = {row[0]: tuple(row[5 + len(horizon) : 5 + 3 * len(horizon)]) for row in rows}
    assert {v: c for v, c in got.items() if any(c)} == {v: c for v, c in expected.items() if any(c)}


@pytest.mark.django_db
def test_the_statements_scope_is_the_requesters(personas, report_data):
    """The rolling plan's own SQL is limited as ``ReportContext.scoped`` limits querysets: the
    whole area when the requester may view it, else the parts of it their grants reach."""
    from reporting.reports import rolling_plan

    county = Area.objects.get(code="530921000000")
    reviewer = ReportContext(area=county, year=open_year(), actor=personas["township_reviewer"])
    assert ReportContext(area=county, year=open_year(), actor=personas["county_officer"]).scope_prefixes() == ["530921"]
    assert ReportContext(area=county, year=open_year()).scope_prefixes() == ["530921"]
    assert reviewer.scope_prefixes() == ["530921201"]
    assert ReportContext(area=county, year=open_year(), actor=personas["nobody"]).scope_prefixes() == []

    years = rolling_plan.horizon(reviewer)
    whole = rolling_plan.plan_figures(ReportContext(area=county, year=open_year()), years, measures=True)
    part = rolling_plan.plan_figures(reviewer, years, measures=True)
    # the county's plans and measures are all in the reviewer's township; 530921202 has a
    # village's figures (a village exit), which the reviewer does not see
    planned = {key: value for key, value in whole[0]["530921201"].items() if key.startswith("exit_")}
    assert planned and planned.items() <= part[0]["530921201"].items()
    assert "530921202" in whole[0] and "530921202" not in part[0]
    assert part[1] == whole[1] and whole[1]["M01"]
    nobody = ReportContext(area=county, year=open_year(), actor=personas["nobody"])
    assert rolling_plan.plan_figures(nobody, years, measures=True) == ({}, {})
    sibling = ReportContext(area=county, year=open_year(), actor=personas["charlie"])  # township 530921202
    assert rolling_plan.plan_figures(sibling, years, measures=True)[1] == {}  # no measures there
