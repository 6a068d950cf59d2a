"""A year of exits in 凤庆县: households exit, one stays, then the villages and the county meet
the bar on the register's own figures and exit in turn."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from areas.models import VillageFigures
from core.errors import ServiceError
from exits import exit_areas
from exits import exit_services as s
from exits.exit_incidence import assess_villages
from exits.models import ExitCase
from households.choices import HouseholdStatus
from households.models import Household
from tests.conftest import in_2026
from tests.exits.exit.conftest import KONGXING, SHILI, XINHUA, YEAR, registered, walk

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the year of exits walked through
# is 2026.
pytestmark = [pytest.mark.django_db, in_2026]

FIGURES = {
    "total_households": 60, "total_population": 240, "rural_registered_population": 240,
    "safe_water_households": 60, "asphalt_road_to_township": True, "has_clinic": True, "collective_income": 20000,
}  # fmt: skip


def test_a_year_of_exits_in_the_county(personas):
    # given: three registered households of four people in 孔兴村 (12 of 240: 5 %), figures everywhere
    root, reviewer, officer = personas["superuser"], personas["township_reviewer"], personas["county_officer"]
    households = [registered(root, KONGXING, offset=i) for i in range(3)]
    for village in (KONGXING, SHILI, XINHUA):
        VillageFigures.objects.create(village_id=village, year=YEAR, **FIGURES)
    assert assess_villages(KONGXING, YEAR)[0].incidence == Decimal("0.0500")
    with pytest.raises(ServiceError) as refused:
        exit_areas.propose_village(actor=reviewer, village_code=KONGXING, year=YEAR)
    assert refused.value.code == "bar_not_met"

    # when: the township proposes all three; two exit, the third is withdrawn after the appraisal
    result = s.propose_exits(actor=reviewer, year=YEAR, household_ids=[h.pk for h in households])
    assert len(result.succeeded) == 3
    cases = list(ExitCase.objects.order_by("household_id"))
    for case in cases[:2]:
        walk(case, root, "filed")
    third = walk(cases[2], root, "village_appraised")
    s.withdraw(actor=reviewer, case_id=third.pk, reason="务工收入尚不稳定")

    # then: the register counts one household of four (4 of 240: 1.67 %, under 3 %)
    statuses = dict(Household.objects.values_list("pk", "status"))
    assert [statuses[h.pk] for h in households] == ["exited", "exited", HouseholdStatus.REGISTERED]
    assert Household.objects.filter(exit_year=YEAR).count() == 2
    village = exit_areas.propose_village(actor=reviewer, village_code=KONGXING, year=YEAR)
    assert village.figures["poor_people"] == 4
    village = exit_areas.post_village_publicity(
        actor=reviewer, case_id=village.pk, starts_on=datetime.date(2026, 11, 1), posted_place="乡政府"
    )
    village = exit_areas.conclude_village_publicity(
        actor=reviewer, case_id=village.pk, today=datetime.date(2026, 11, 9)
    )
    village = exit_areas.announce_village(actor=officer, case_id=village.pk)
    assert village.state == "announced"

    # and the county (4 of 720) applies, the city checks, the province announces
    county = exit_areas.propose_county(actor=officer, county_code="530921000000", year=YEAR)
    assert county.figures["incidence"] == "0.0056"
    exit_areas.record_city_check(
        actor=personas["city_inspector"], case_id=county.pk, checked_on=datetime.date(2026, 11, 20), opinion="同意"
    )
    county = exit_areas.announce_county(
        actor=personas["province_officer"],
        case_id=county.pk,
        checked_on=datetime.date(2026, 11, 24),
        opinion="核查通过",
    )
    assert county.state == "announced"
