"""The API twin of a village's assistance page: pairings and visits listed by area, and only the
pairings running today when asked; bad filters answer 400 in the one error shape."""

import datetime

import pytest
from django.urls import reverse

from assistance import services
from households.models import Household
from households.services import save_household
from tests.conftest import in_2026
from tests.households.conftest import KONGXING, family_of_four, household_input

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the pairings and visits are of
# 2026.
pytestmark = in_2026

COUNTY = "530921000000"
SHILI_VILLAGE = "530921201201"


def _household(personas, village: str, offset: int) -> Household:
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status="registered")
    return household


@pytest.fixture
def two_villages(personas):
    officer = personas["county_officer"]
    first = services.create_cadre(
        actor=officer, county_code=COUNTY, name="王帮扶", unit="县农业局", starts_on=datetime.date(2026, 1, 1)
    )
    second = services.create_cadre(
        actor=officer, county_code=COUNTY, name="李帮扶", unit="县教育局", starts_on=datetime.date(2026, 1, 1)
    )
    kongxing = _household(personas, KONGXING, 0)
    shili = _household(personas, SHILI_VILLAGE, 1)
    for household in (kongxing, shili):
        services.assign_cadre(
            actor=officer, household_id=household.pk, cadre_id=first.pk, starts_on=datetime.date(2026, 2, 1)
        )
        services.record_visit(
            actor=officer, household_id=household.pk, cadre_id=first.pk, visited_on=datetime.date(2026, 3, 1),
            found="走访",
        )  # fmt: skip
    services.assign_cadre(
        actor=officer, household_id=kongxing.pk, cadre_id=second.pk, starts_on=datetime.date(2026, 6, 1)
    )
    return kongxing, shili, first, second


def test_pairings_of_a_village_and_only_todays(personas, api_for, two_villages):
    kongxing, _shili, first, second = two_villages
    client = api_for(personas["township_reviewer"])
    url = reverse("api:assistance-pairing-list")

    every = client.get(url, {"area": KONGXING}).json()["results"]
    today = client.get(url, {"area": KONGXING, "current": "1"}).json()["results"]

    assert [(p["household"], p["cadre"]) for p in every] == [(kongxing.pk, first.pk), (kongxing.pk, second.pk)]
    assert [(p["household"], p["cadre"]) for p in today] == [(kongxing.pk, second.pk)]


def test_visits_of_a_village(personas, api_for, two_villages):
    kongxing = two_villages[0]
    rows = api_for(personas["township_reviewer"]).get(reverse("api:assistance-visit-list"), {"area": KONGXING}).json()
    assert [v["household"] for v in rows["results"]] == [kongxing.pk]


def test_charlie_lists_nothing_of_another_township_and_a_bad_area_is_refused(personas, api_for, two_villages):
    charlie = api_for(personas["charlie"])
    assert charlie.get(reverse("api:assistance-pairing-list"), {"area": KONGXING}).json()["results"] == []
    refused = api_for(personas["township_reviewer"]).get(reverse("api:assistance-visit-list"), {"area": "53x"})
    assert (refused.status_code, list(refused.json()["error"]["fields"])) == (400, ["area"])
