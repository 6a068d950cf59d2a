import datetime
import zoneinfo
from decimal import Decimal

import pytest

from areas.models import VillageFigures
from assistance import selectors, services
from households.models import Household
from households.services import save_household
from identification.models import PoorVillageCase
from tests.households.conftest import family_of_four, household_input


@pytest.fixture
def three_registered(personas):
    households = []
    for offset in range(3):
        household = save_household(
            actor=personas["village_clerk"],
            village_code="530921201200",
            fields=household_input(),
            members=family_of_four(offset),
        ).household
        households.append(household)
    Household.objects.filter(pk__in=[h.pk for h in households]).update(status="registered")
    return households


def test_households_without_a_cadre_are_counted_per_village(personas, three_registered):
    cadre = services.create_cadre(
        actor=personas["county_officer"],
        county_code="530921000000",
        name="王",
        unit="县局",
        starts_on=datetime.date(2026, 1, 1),
    )
    services.assign_cadre(
        actor=personas["county_officer"],
        household_id=three_registered[0].pk,
        cadre_id=cadre.pk,
        starts_on=datetime.date(2026, 1, 2),
    )

    gaps = selectors.coverage_gaps("530921201", on=datetime.date(2026, 5, 1))

    assert gaps.households_without_cadre == 2
    assert gaps.by_village == {"530921201200": 2}


# 00:30 on 1 January 2027 in China, still 31 December 2026 on a server kept in UTC; time-machine
# sets the process's zone to UTC for the test, as on such a server.
NEW_YEAR_IN_CHINA = datetime.datetime(2026, 12, 31, 16, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))


@pytest.mark.time_machine(NEW_YEAR_IN_CHINA, tick=False)
def test_without_a_day_the_gaps_are_of_the_offices_day_not_the_servers(personas, three_registered):
    # given a pairing that starts on the office's today, 2027-01-01
    cadre = services.create_cadre(
        actor=personas["county_officer"], county_code="530921000000", name="王", unit="县局",
        starts_on=datetime.date(2026, 1, 1),
    )  # fmt: skip
    services.assign_cadre(
        actor=personas["county_officer"], household_id=three_registered[0].pk, cadre_id=cadre.pk,
        starts_on=datetime.date(2027, 1, 1),
    )  # fmt: skip

    # when the home page's queue asks without a day
    gaps = selectors.coverage_gaps("530921201")

    # then the household counts as covered
    assert datetime.date.today() == datetime.date(2026, 12, 31)  # noqa: DTZ011 -- the server's own day
    assert gaps.households_without_cadre == 2


def test_poor_villages_without_a_team_are_listed(personas):
    from identification import services as identification

    campaign = identification.create_campaign(
        actor=personas["county_officer"],
        county_code="530921000000",
        kind="initial",
        year=2026,
        title="t",
        opens_on=datetime.date(2026, 1, 1),
    )
    PoorVillageCase.objects.create(
        campaign=campaign, village_id="530921201200", state="announced", proposed_by=personas["county_officer"]
    )
    services.set_work_team(
        actor=personas["county_officer"],
        village_code="530921201200",
        dispatching_unit="县财政局",
        leader="赵队长",
        first_secretary="钱书记",
        members=["孙"],
        starts_on=datetime.date(2026, 1, 10),
    )

    gaps = selectors.coverage_gaps("530921", on=datetime.date(2026, 5, 1))

    assert gaps.villages_without_team == []
    assert gaps.villages_without_unit == ["530921201200"]


def test_a_village_exits_the_first_year_its_remaining_poor_fall_under_the_threshold(personas, three_registered):
    VillageFigures.objects.create(village_id="530921201200", year=2026, rural_registered_population=500, poor_people=24)
    for household, exit_year in zip(three_registered, [2026, 2027, 2027], strict=True):
        services.save_plan(
            actor=personas["village_clerk"], household_id=household.pk, year=2026, planned_exit_year=exit_year
        )

    plans = selectors.village_exit_years("530921201", plan_year=2026)

    village = next(p for p in plans if p.village == "530921201200")
    assert selectors.exit_threshold("530921201200") == Decimal("0.03")  # 云南 is a western province
    assert village.remaining_by_year == {2026: 20, 2027: 12, 2028: 12}
    assert village.exit_year == 2027  # 12 / 500 = 2.4 % < 3 %
