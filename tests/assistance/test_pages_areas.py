"""Assistance by area: a county's cadres, a village's work team, units and households (with the
bulk assignment of a cadre), coverage, the rolling plan, the funds published, the start page."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from areas.models import VillageFigures
from assistance import services, units
from assistance.models import Cadre, Pairing, UnitAssignment, WorkTeam
from assistance.queues import work_for
from core.models import ObjectChange
from households.models import Household
from identification.models import PoorVillageCase
from tests.assistance import test_pages as _shared
from tests.assistance.test_pages import COUNTY, another_household, t
from tests.conftest import in_2026
from tests.households.conftest import KONGXING

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the cadres, pairings and payments
# are of 2026.
pytestmark = in_2026

# fixtures shared with the page tests
cadre = _shared.cadre
other_cadre = _shared.other_cadre
paired = _shared.paired
registered = _shared.registered

SHILI = "530921201000"


def changes() -> int:
    return ObjectChange.objects.count()


# --- cadres of a county -------------------------------------------------------------------------------


def test_the_county_lists_its_cadres_with_the_households_they_hold(personas, client_for, paired, cadre, other_cadre):
    Cadre.objects.filter(pk=other_cadre.pk).update(ends_on=datetime.date(2026, 3, 1))
    client = client_for(personas["county_officer"])
    url = reverse("assistance:cadre_list", kwargs={"code": COUNTY})

    serving = client.get(url)
    ended = client.get(url, {"state": "ended"})
    searched = client.get(url, {"state": "all", "q": "教育"})

    assert [(c.name, c.households) for c in serving.context["page"]] == [("王帮扶", 1)]
    assert [c.name for c in ended.context["page"]] == ["李帮扶"]
    assert [c.name for c in searched.context["page"]] == ["李帮扶"]
    assert serving.context["can_manage"] is True


def test_a_township_reviewer_reads_the_county_cadres_but_registers_none(personas, client_for, cadre):
    client = client_for(personas["township_reviewer"])

    listed = client.get(reverse("assistance:cadre_list", kwargs={"code": COUNTY}))
    refused = client.post(
        reverse("assistance:cadre_add", kwargs={"code": COUNTY}),
        {"name": "赵", "unit": "乡政府", "starts_on": "2026-01-01"},
    )

    assert listed.status_code == 200
    assert listed.context["can_manage"] is False
    assert refused.status_code == 403
    assert Cadre.objects.count() == 1


def test_the_cadres_of_another_county_are_not_found(personas, client_for):
    response = client_for(personas["county_officer"]).get(
        reverse("assistance:cadre_list", kwargs={"code": "530922000000"})
    )
    assert response.status_code == 404


def test_a_county_officer_registers_a_cadre(personas, client_for):
    url = reverse("assistance:cadre_add", kwargs={"code": COUNTY})
    client = client_for(personas["county_officer"])

    refused = client.post(url, {"name": "  ", "unit": "县交通局", "starts_on": "2026-01-01"})
    created = client.post(url, {"name": "周帮扶", "unit": "县交通局", "position": "科员", "starts_on": "2026-01-01"})

    assert refused.status_code == 200 and refused.context["form"].errors
    assert created.status_code == 302
    assert list(Cadre.objects.values_list("name", "unit", "position", "county_id")) == [
        ("周帮扶", "县交通局", "科员", COUNTY)
    ]


def test_a_cadre_with_households_cannot_end_until_they_have_another(personas, client_for, paired, cadre, other_cadre):
    url = reverse("assistance:cadre_end", kwargs={"pk": cadre.pk})
    client = client_for(personas["county_officer"])

    page = client.get(url)
    refused = client.post(url, {"ends_on": "2026-10-31"})
    services.assign_cadre(
        actor=personas["county_officer"], household_id=paired.pk, cadre_id=other_cadre.pk,
        starts_on=datetime.date(2026, 11, 1),
    )  # fmt: skip
    ended = client.post(url, {"ends_on": "2026-10-31"})

    assert page.context["holding"] == 1
    assert refused.status_code == 200
    assert refused.context["form"].errors["ends_on"] == [
        t("%(count)s households are paired with this cadre after that date; give them another cadre first.", count=1)
    ]
    assert ended.status_code == 302
    cadre.refresh_from_db()
    assert cadre.ends_on == datetime.date(2026, 10, 31)


# --- a village ---------------------------------------------------------------------------------------


def test_a_county_officer_stations_a_work_team_and_assigns_a_unit(personas, client_for):
    client = client_for(personas["county_officer"])

    team = client.post(
        reverse("assistance:work_team_set", kwargs={"code": KONGXING}),
        {"dispatching_unit": "县财政局", "leader": "赵队长", "first_secretary": "钱书记", "members": "孙一、李二\n周三",
         "starts_on": "2026-01-10"},
    )  # fmt: skip
    unit = client.post(
        reverse("assistance:unit_assign", kwargs={"code": KONGXING}),
        {"unit_name": "县财政局", "kind": "党政机关", "starts_on": "2026-01-10"},
    )
    twice = client.post(
        reverse("assistance:unit_assign", kwargs={"code": KONGXING}),
        {"unit_name": "县财政局", "starts_on": "2026-03-01"},
    )
    page = client.get(reverse("assistance:village_assistance", kwargs={"code": KONGXING}))

    assert (team.status_code, unit.status_code) == (302, 302)
    assert list(WorkTeam.objects.values_list("leader", "first_secretary", "members")) == [
        ("赵队长", "钱书记", ["孙一", "李二", "周三"])
    ]
    assert twice.status_code == 200
    assert twice.context["unit_form"].errors["starts_on"] == [
        t("%(unit)s already assists this village on or after %(date)s.", unit="县财政局", date="2026-03-01")
    ]
    assert UnitAssignment.objects.count() == 1
    body = page.content.decode()
    assert "赵队长" in body and "县财政局" in body


def test_a_unit_assignment_ends_from_the_village_page(personas, client_for):
    assignment = units.assign_unit(
        actor=personas["county_officer"], village_code=KONGXING, unit_name="县财政局",
        starts_on=datetime.date(2026, 1, 10),
    )  # fmt: skip
    url = reverse("assistance:unit_end", kwargs={"pk": assignment.pk})

    refused = client_for(personas["township_reviewer"]).post(url, {"ends_on": "2026-06-30"})
    ended = client_for(personas["county_officer"]).post(url, {"ends_on": "2026-06-30"})

    assert refused.status_code == 403
    assert ended.status_code == 302
    assert UnitAssignment.objects.get().ends_on == datetime.date(2026, 6, 30)


def test_a_work_team_without_its_leader_is_refused(personas, client_for):
    response = client_for(personas["county_officer"]).post(
        reverse("assistance:work_team_set", kwargs={"code": KONGXING}),
        {"dispatching_unit": "县财政局", "leader": "", "first_secretary": "钱书记", "starts_on": "2026-01-10"},
    )
    assert response.status_code == 200
    assert "leader" in response.context["team_form"].errors
    assert not WorkTeam.objects.exists()


def test_the_village_page_lists_the_poor_households_and_who_has_no_cadre(personas, client_for, paired):
    # given
    second = another_household(personas)

    # when
    response = client_for(personas["village_clerk"]).get(
        reverse("assistance:village_assistance", kwargs={"code": KONGXING})
    )

    # then
    rows = {h.pk: (h.has_cadre, h.pairing.cadre.name if h.pairing else None) for h in response.context["households"]}
    assert rows == {paired.pk: (True, "王帮扶"), second.pk: (False, None)}
    assert response.context["uncovered"] == 1
    assert response.context["can_manage"] is False


def test_one_cadre_for_many_households_with_a_result_each(personas, client_for, paired, other_cadre):
    # given: the first household already has a cadre from a later date than asked
    second, third = another_household(personas, 2), another_household(personas, 3)
    Pairing.objects.filter(household=paired).update(starts_on=datetime.date(2026, 8, 1))
    url = reverse("assistance:bulk_assign", kwargs={"code": KONGXING})

    # when
    page = client_for(personas["township_reviewer"]).get(url)
    response = client_for(personas["township_reviewer"]).post(
        url, {"cadre": other_cadre.pk, "starts_on": "2026-05-01", "households": [paired.pk, second.pk, third.pk]}
    )

    # then
    assert [h.pk for h in page.context["households"]] == [second.pk, third.pk, paired.pk]  # without a cadre first
    assert response.status_code == 200
    outcome = {name: (message, ok) for name, message, ok in response.context["outcome"]}
    assert outcome[f"{second.household_no} {second.head_name}"] == (t("done"), True)
    assert outcome[f"{third.household_no} {third.head_name}"] == (t("done"), True)
    overlap = "The household already has a responsible cadre on or after %(date)s; periods cannot overlap."
    assert outcome[f"{paired.household_no} {paired.head_name}"] == (t(overlap, date="2026-05-01"), False)
    assert set(Pairing.objects.filter(cadre=other_cadre).values_list("household_id", flat=True)) == {
        second.pk,
        third.pk,
    }


def test_bulk_assignment_refuses_households_of_another_village_and_other_roles(personas, client_for, other_cadre):
    elsewhere = another_household(personas, 4, village="530921201201")
    url = reverse("assistance:bulk_assign", kwargs={"code": KONGXING})
    data = {"cadre": other_cadre.pk, "starts_on": "2026-05-01", "households": [elsewhere.pk]}

    foreign = client_for(personas["township_reviewer"]).post(url, data)
    clerk = client_for(personas["village_clerk"]).post(url, data)
    charlie = client_for(personas["charlie"]).post(url, data)

    assert foreign.status_code == 200
    assert "households" in foreign.context["form"].errors
    assert (clerk.status_code, charlie.status_code) == (403, 404)
    assert not Pairing.objects.exists()


# --- coverage, rolling plan, funds ----------------------------------------------------------------------


def _poor_village(personas, village: str) -> None:
    from identification import services as identification

    campaign = identification.create_campaign(
        actor=personas["county_officer"], county_code=COUNTY, kind="initial", year=2026, title="贫困村",
        opens_on=datetime.date(2026, 1, 1),
    )  # fmt: skip
    PoorVillageCase.objects.create(
        campaign=campaign, village_id=village, state="announced", proposed_by=personas["county_officer"]
    )


def test_coverage_lists_households_without_a_cadre_and_poor_villages_without_team_or_unit(personas, client_for, paired):
    # given
    another_household(personas)
    _poor_village(personas, KONGXING)
    services.set_work_team(
        actor=personas["county_officer"], village_code=KONGXING, dispatching_unit="县财政局", leader="赵",
        first_secretary="钱", members=[], starts_on=datetime.date(2026, 1, 10),
    )  # fmt: skip

    # when
    township = client_for(personas["township_reviewer"]).get(reverse("assistance:coverage", kwargs={"code": SHILI}))
    county = client_for(personas["county_officer"]).get(reverse("assistance:coverage", kwargs={"code": COUNTY}))

    # then
    assert township.context["rows"] == [{"code": KONGXING, "name": "孔兴村", "count": 1}]
    assert township.context["without_team"] == []
    assert township.context["without_unit"] == [(KONGXING, "孔兴村")]
    body = township.content.decode()
    assert reverse("assistance:bulk_assign", kwargs={"code": KONGXING}) in body
    assert county.context["gaps"].households_without_cadre == 1


def test_coverage_of_a_village_or_out_of_scope_is_not_found(personas, client_for):
    client = client_for(personas["charlie"])
    assert client.get(reverse("assistance:coverage", kwargs={"code": SHILI})).status_code == 404
    assert client.get(reverse("assistance:coverage", kwargs={"code": "530921202200"})).status_code == 404


def test_the_rolling_plan_shows_years_as_columns(personas, client_for, registered):
    # given
    second, third = another_household(personas, 2), another_household(personas, 3)
    VillageFigures.objects.create(village_id=KONGXING, year=2026, rural_registered_population=500, poor_people=24)
    for household, exit_year in ((registered, 2026), (second, 2027), (third, 2027)):
        services.save_plan(
            actor=personas["village_clerk"], household_id=household.pk, year=2026, planned_exit_year=exit_year
        )

    # when
    response = client_for(personas["township_reviewer"]).get(
        reverse("assistance:rolling_plan", kwargs={"code": SHILI}), {"year": "2026"}
    )

    # then
    assert response.status_code == 200
    assert response.context["horizon"] == [2026, 2027, 2028]
    row = next(r for r in response.context["village_rows"] if r["plan"].village == KONGXING)
    assert (row["name"], row["remaining"], row["plan"].exit_year) == ("孔兴村", [20, 12, 12], 2027)
    exits = next(r for r in response.context["exit_rows"] if r["code"] == KONGXING)
    assert exits["cells"] == [(1, 4), (2, 8), (0, 0)]
    assert response.context["totals"] == [[1, 4], [2, 8], [0, 0]]


def test_the_funds_list_publishes_head_amount_date_and_purpose_only(personas, client_for, registered):
    # given
    Household.objects.filter(pk=registered.pk).update(bank_account="6228480012345678901")
    services.record_payment(
        actor=personas["county_officer"], household_id=registered.pk, amount=Decimal("1500"),
        paid_on=datetime.date(2026, 5, 1), purpose="产业奖补",
    )  # fmt: skip
    numbers = list(registered.members.values_list("id_number", flat=True))

    # when
    response = client_for(personas["village_clerk"]).get(reverse("assistance:fund_list", kwargs={"code": KONGXING}))
    other_year = client_for(personas["village_clerk"]).get(
        reverse("assistance:fund_list", kwargs={"code": KONGXING}), {"year": "2025"}
    )

    # then
    body = response.content.decode()
    for text in ("杨大山", "1500.00", "2026-05-01", "产业奖补"):
        assert text in body
    assert "6228480012345678901" not in body
    assert not any(number in body for number in numbers)
    assert not any(number[-4:] in body for number in numbers)
    assert response.context["total"] == Decimal("1500.00")
    assert other_year.context["payments"] == []


# --- what waits for the user -------------------------------------------------------------------------------


def test_work_for_counts_households_without_a_cadre_and_projects_at_the_users_step(personas, client_for, registered):
    # given
    services.propose_project(
        actor=personas["village_clerk"], location_code=KONGXING,
        values={"name": "道路", "category": "基础设施", "responsible_unit": "县交通局", "tasks": "硬化",
                "budget": "100", "funding_sources": {"县级": "100"}, "performance_targets": "通达"},
        meeting={"date": "2026-02-01"},
    )  # fmt: skip

    # when
    reviewer = work_for(personas["township_reviewer"])
    clerk = work_for(personas["village_clerk"])
    officer = work_for(personas["county_officer"])

    # then
    assert [(item["key"], item["count"]) for item in reviewer] == [
        ("households_without_cadre", 1),
        ("projects_proposed", 1),
    ]
    assert clerk == []
    assert [(item["key"], item["count"]) for item in officer] == [("households_without_cadre", 1)]
    page = client_for(personas["township_reviewer"]).get(reverse("assistance:index"))
    assert page.status_code == 200
    assert page.context["work"] == reviewer


def test_work_for_stays_at_a_fixed_number_of_queries(personas, registered, django_assert_max_num_queries):
    user = personas["county_officer"]
    from areas.scopes import grants_of

    grants_of(user)
    with django_assert_max_num_queries(5):
        work = work_for(user)
    assert [(item["key"], item["count"]) for item in work] == [("households_without_cadre", 1)]


@pytest.mark.parametrize("role", ["nobody"])
def test_the_start_page_needs_a_role(personas, client_for, role):
    assert client_for(personas[role]).get(reverse("assistance:index")).status_code == 403
