from decimal import Decimal

import pytest

from households.lines import poverty_line_for
from households.models import PovertyLine
from households.services import save_household
from tests.households.conftest import family_of_four, household_input


@pytest.mark.django_db
def test_the_seeded_national_line_applies_and_stays_in_force_until_a_newer_one(world):
    assert poverty_line_for(2016, "national", "530921201200").amount == Decimal("2952")
    later = poverty_line_for(2026, "national", "530921201200")
    assert (later.amount, later.year) == (Decimal("4000"), 2020)


@pytest.mark.django_db
def test_a_provincial_standard_uses_the_provinces_line_or_falls_back_to_the_national(world):
    PovertyLine.objects.create(year=2020, level="provincial", area_id="530000000000", amount=Decimal("4300"))
    assert poverty_line_for(2021, "provincial", "530921201200").amount == Decimal("4300")
    assert poverty_line_for(2021, "provincial", "520100000000").amount == Decimal("4000")


@pytest.mark.django_db
def test_the_own_line_wins_over_a_newer_national_one_and_one_query_finds_either(world, django_assert_num_queries):
    PovertyLine.objects.create(year=2018, level="provincial", area_id="530000000000", amount=Decimal("3900"))
    PovertyLine.objects.create(year=2019, level="municipal", area_id="530900000000", amount=Decimal("4100"))
    with django_assert_num_queries(1):
        own = poverty_line_for(2021, "provincial", "530921201200")
    assert (own.amount, own.year, own.level) == (Decimal("3900"), 2018, "provincial")  # not 2020's national 4000
    # before the province entered its own line, the national line of the time
    before = poverty_line_for(2017, "provincial", "530921201200")
    assert (before.level, before.year) == ("national", 2017)
    assert poverty_line_for(2021, "municipal", "530921201200").amount == Decimal("4100")
    assert poverty_line_for(2021, "municipal", "530121201200").amount == Decimal("4000")  # another city: national
    with django_assert_num_queries(1):
        assert poverty_line_for(2021, "municipal", "530121201200").level == "national"


@pytest.mark.django_db
def test_a_line_applies_from_its_own_year_and_not_the_year_before(world):
    PovertyLine.objects.create(year=2021, level="national", amount=Decimal("4200"))
    assert poverty_line_for(2021, "national", "530921201200").amount == Decimal("4200")
    assert poverty_line_for(2020, "national", "530921201200").amount == Decimal("4000")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("wage", "per_capita", "warned"),
    [
        pytest.param("14200.00", "4000.00", False, id="at_the_line_case"),
        pytest.param("14200.04", "4000.01", True, id="one_cent_above_case"),
    ],
)
def test_a_household_being_registered_is_warned_only_above_the_line(personas, wage, per_capita, warned):
    # a family of four: (14,200 wage + 1,500 business + 600 pension - 300 expense) / 4 people
    household = save_household(
        actor=personas["village_clerk"],
        village_code="530921201200",
        fields=household_input(wage_income=Decimal(wage)),
        members=family_of_four(),
    ).household

    assert household.net_income_per_capita == Decimal(per_capita)
    assert household.findings.filter(rule="income_above_line").exists() is warned
