"""Copy last year's plans as this year's drafts for many households of a village at once, with a
result per household; on the service, the page and the API, refusals included."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assistance import services
from assistance.models import Measure, Plan
from exits.models import FrozenYear
from households.models import Household
from households.services import save_household
from tests.households.conftest import KONGXING, family_of_four, household_input

COUNTY = "530921000000"
SHILI_VILLAGE = "530921201201"


def _household(personas, village: str = KONGXING, offset: int = 0) -> Household:
    household = save_household(
        actor=personas["superuser"], village_code=village, fields=household_input(), members=family_of_four(offset)
    ).household
    Household.objects.filter(pk=household.pk).update(status="registered")
    household.refresh_from_db()
    return household


def _plan_2025(personas, household) -> Plan:
    clerk = personas["superuser"]
    plan = services.save_plan(actor=clerk, household_id=household.pk, year=2025, planned_exit_year=2026)
    services.add_measure(actor=clerk, plan_id=plan.pk, code="M01", year=2025, content="养牛", cost=Decimal("4000"))
    return plan


@pytest.fixture
def village(personas):
    """Three households of 孔兴村: two with a plan of 2025, one already with 2026's too."""
    first, second, third = (_household(personas, offset=n) for n in range(3))
    _plan_2025(personas, first)
    _plan_2025(personas, second)
    services.save_plan(actor=personas["superuser"], household_id=second.pk, year=2026, planned_exit_year=2026)
    return first, second, third


def test_many_plans_are_copied_with_a_result_each(personas, village):
    first, second, third = village

    result = services.copy_plans_many(
        actor=personas["village_clerk"], household_ids=[h.pk for h in village], from_year=2025, to_year=2026
    )

    assert result.succeeded == [first.pk]
    assert set(result.failed) == {second.pk, third.pk}
    copied = Plan.objects.get(household=first, year=2026)
    assert list(Measure.objects.filter(plan=copied).values_list("code", "status", "cost")) == [
        ("M01", "planned", Decimal("4000.00"))
    ]
    assert Plan.objects.filter(year=2026).count() == 2  # second's own plan stays as it was


def test_a_frozen_target_year_refuses_every_household(personas, village, english):
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])
    result = services.copy_plans_many(
        actor=personas["village_clerk"], household_ids=[village[0].pk], from_year=2024, to_year=2025
    )
    assert result.succeeded == []
    assert list(result.failed) == [village[0].pk]
    assert "frozen" in result.failed[village[0].pk]


def test_the_page_copies_the_ticked_households(personas, client_for, village):
    first = village[0]
    client = client_for(personas["village_clerk"])
    url = reverse("assistance:bulk_copy_plans", kwargs={"code": KONGXING}) + "?from_year=2025&to_year=2026"

    shown = client.get(url)
    done = client.post(url, {"from_year": "2025", "to_year": "2026", "households": [first.pk, village[1].pk]})

    assert shown.status_code == 200
    assert "批量复制上年帮扶计划为本年草稿" in shown.content.decode()
    assert done.status_code == 200
    outcome = done.context["outcome"]
    assert [ok for _name, _message, ok in outcome] == [True, False]
    assert Plan.objects.filter(household=first, year=2026).exists()


def test_the_page_needs_ticked_households_and_a_worker(personas, client_for, village):
    url = reverse("assistance:bulk_copy_plans", kwargs={"code": KONGXING})
    empty = client_for(personas["village_clerk"]).post(url, {"from_year": "2025", "to_year": "2026"})
    assert empty.status_code == 200
    assert "households" in empty.context["form"].errors
    assert client_for(personas["city_inspector"]).post(url, {"households": [village[0].pk]}).status_code == 403
    assert client_for(personas["charlie"]).get(url).status_code == 404
    assert not Plan.objects.filter(year=2026, household=village[0]).exists()


def test_the_api_copies_and_lists_what_it_did_not(personas, api_for, village):
    first = village[0]
    elsewhere = _household(personas, SHILI_VILLAGE, offset=5)
    _plan_2025(personas, elsewhere)

    response = api_for(personas["township_reviewer"]).post(
        reverse("api:assistance-plan-bulk-copy"),
        {
            "village": KONGXING,
            "households": [first.pk, village[1].pk, elsewhere.pk],
            "from_year": 2025,
            "to_year": 2026,
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["succeeded"] == [first.pk]
    assert set(body["failed"]) == {str(village[1].pk), str(elsewhere.pk)}
    assert not Plan.objects.filter(household=elsewhere, year=2026).exists()


@pytest.mark.parametrize(("role", "status"), [("city_inspector", 403), ("charlie", 404), ("nobody", 404)])
def test_the_api_refuses_without_the_village_and_the_role(personas, api_for, village, role, status):
    response = api_for(personas[role]).post(
        reverse("api:assistance-plan-bulk-copy"),
        {"village": KONGXING, "households": [village[0].pk], "from_year": 2025, "to_year": 2026},
        format="json",
    )
    assert response.status_code == status
    assert not Plan.objects.filter(year=2026, household=village[0]).exists()


def test_the_village_page_links_to_the_bulk_copy(personas, client_for, village):
    page = client_for(personas["village_clerk"]).get(
        reverse("assistance:village_assistance", kwargs={"code": KONGXING})
    )
    assert reverse("assistance:bulk_copy_plans", kwargs={"code": KONGXING}) in page.content.decode()
