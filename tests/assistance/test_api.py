"""The assistance API: the same services and scopes as the pages, every refusal in the one error
shape with the field at fault, and nothing changed by a refusal."""

import datetime
from decimal import Decimal

import pytest

from areas.models import VillageFigures
from assistance import services
from assistance.models import Cadre, FundPayment, Measure, Pairing, Plan, Project, UnitAssignment, Visit, WorkTeam
from core.models import ObjectChange
from exits.models import FrozenYear
from tests.assistance import test_pages as _shared
from tests.assistance.test_pages import COUNTY, another_household, t
from tests.conftest import in_2026
from tests.households.conftest import KONGXING

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the cadres, pairings, plans,
# visits and payments are of 2026.
pytestmark = in_2026

# fixtures shared with the page tests
cadre = _shared.cadre
other_cadre = _shared.other_cadre
paired = _shared.paired
plan = _shared.plan
registered = _shared.registered

API = "/api/v1/"


def error_of(response) -> dict:
    body = response.json()
    assert set(body["error"]) >= {"status", "code", "message", "fields"}
    assert body["error"]["status"] == response.status_code
    return body["error"]


def changes() -> int:
    return ObjectChange.objects.count()


# --- cadres ----------------------------------------------------------------------------------------


def test_cadres_are_listed_for_those_working_in_the_county(personas, api_for, cadre, other_cadre):
    Cadre.objects.filter(pk=other_cadre.pk).update(ends_on=datetime.date(2026, 3, 1))

    clerk = api_for(personas["village_clerk"]).get(API + "cadres/")
    everyone = api_for(personas["village_clerk"]).get(API + "cadres/", {"state": "all", "q": "帮扶"})
    elsewhere = api_for(personas["county_officer"]).get(API + "cadres/", {"county": "530922000000"})
    nobody = api_for(personas["nobody"]).get(API + "cadres/")

    assert [c["name"] for c in clerk.json()["results"]] == ["王帮扶"]
    assert [c["name"] for c in everyone.json()["results"]] == ["李帮扶", "王帮扶"]
    assert elsewhere.json()["results"] == []
    assert nobody.status_code == 403
    assert error_of(nobody)["code"] == "permission_denied"


def test_a_county_officer_registers_and_ends_a_cadre(personas, api_for, paired, cadre):
    client = api_for(personas["county_officer"])

    created = client.post(
        API + "cadres/",
        {"county": COUNTY, "name": "周帮扶", "unit": "县交通局", "starts_on": "2026-01-01"},
        format="json",
    )
    refused = client.post(API + f"cadres/{cadre.pk}/end/", {"ends_on": "2026-10-31"}, format="json")
    ended = client.post(API + f"cadres/{created.json()['id']}/end/", {"ends_on": "2026-10-31"}, format="json")

    assert created.status_code == 201
    assert created.json()["county"] == COUNTY
    assert refused.status_code == 400
    assert error_of(refused)["code"] == "has_households"
    assert error_of(refused)["fields"] == {
        "ends_on": [
            t(
                "%(count)s households are paired with this cadre after that date; give them another cadre first.",
                count=1,
            )
        ]
    }
    assert ended.status_code == 200 and ended.json()["ends_on"] == "2026-10-31"


def test_only_the_county_registers_cadres(personas, api_for):
    response = api_for(personas["township_reviewer"]).post(
        API + "cadres/", {"county": COUNTY, "name": "周", "unit": "乡", "starts_on": "2026-01-01"}, format="json"
    )
    assert response.status_code == 403
    assert not Cadre.objects.exists()


# --- pairings --------------------------------------------------------------------------------------------


def test_a_reviewer_assigns_a_cadre_and_an_overlap_is_refused(personas, api_for, paired, cadre, other_cadre):
    client = api_for(personas["township_reviewer"])
    before = changes()

    overlap = client.post(
        API + "pairings/", {"household": paired.pk, "cadre": other_cadre.pk, "starts_on": "2026-01-15"}, format="json"
    )
    after_overlap = changes()
    assigned = client.post(
        API + "pairings/",
        {"household": paired.pk, "cadre": other_cadre.pk, "starts_on": "2026-09-01", "reason": "工作调动"},
        format="json",
    )
    listed = client.get(API + "pairings/", {"household": paired.pk})

    assert overlap.status_code == 400
    assert error_of(overlap)["code"] == "overlap"
    assert list(error_of(overlap)["fields"]) == ["starts_on"]
    assert after_overlap == before
    assert assigned.status_code == 201
    assert [(p["cadre_name"], p["ends_on"]) for p in listed.json()["results"]] == [
        ("王帮扶", "2026-08-31"),
        ("李帮扶", None),
    ]


@pytest.mark.parametrize(("role", "expected"), [("charlie", 404), ("village_clerk", 403), ("city_inspector", 403)])
def test_assigning_a_cadre_needs_the_scope_and_the_role(personas, api_for, registered, cadre, role, expected):
    response = api_for(personas[role]).post(
        API + "pairings/", {"household": registered.pk, "cadre": cadre.pk, "starts_on": "2026-03-01"}, format="json"
    )
    assert response.status_code == expected
    error_of(response)
    assert not Pairing.objects.exists()


def test_one_cadre_for_many_households_of_a_village(personas, api_for, paired, other_cadre):
    # given
    second = another_household(personas, 2)
    elsewhere = another_household(personas, 3, village="530921201201")
    Pairing.objects.filter(household=paired).update(starts_on=datetime.date(2026, 8, 1))

    # when
    response = api_for(personas["township_reviewer"]).post(
        API + "pairings/bulk/",
        {"village": KONGXING, "cadre": other_cadre.pk, "starts_on": "2026-05-01",
         "households": [paired.pk, second.pk, elsewhere.pk, 999999]},
        format="json",
    )  # fmt: skip

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["succeeded"] == [second.pk]
    assert set(body["failed"]) == {str(paired.pk), str(elsewhere.pk), "999999"}
    overlap = "The household already has a responsible cadre on or after %(date)s; periods cannot overlap."
    assert body["failed"][str(paired.pk)] == t(overlap, date="2026-05-01")
    assert body["failed"][str(elsewhere.pk)] == t("Not a poor household of this village.")


@pytest.mark.parametrize(("role", "expected"), [("charlie", 404), ("village_clerk", 403)])
def test_bulk_assignment_needs_the_village_in_scope_and_the_role(personas, api_for, registered, cadre, role, expected):
    response = api_for(personas[role]).post(
        API + "pairings/bulk/",
        {"village": KONGXING, "cadre": cadre.pk, "starts_on": "2026-05-01", "households": [registered.pk]},
        format="json",
    )
    assert response.status_code == expected
    assert not Pairing.objects.exists()


# --- visits ------------------------------------------------------------------------------------------------


def test_a_visit_is_recorded_and_a_future_one_refused(personas, api_for, paired, cadre):
    client = api_for(personas["village_clerk"])
    data = {"household": paired.pk, "cadre": cadre.pk, "visited_on": "2026-03-02", "found": "户主住院"}

    recorded = client.post(API + "visits/", data, format="json")
    future = client.post(API + "visits/", {**data, "visited_on": "2099-01-01"}, format="json")
    listed = client.get(API + "visits/", {"household": paired.pk})

    assert recorded.status_code == 201
    assert future.status_code == 400
    assert list(error_of(future)["fields"]) == ["visited_on"]
    assert [v["found"] for v in listed.json()["results"]] == ["户主住院"]
    assert Visit.objects.count() == 1


def test_a_visit_by_charlie_is_not_found(personas, api_for, paired, cadre):
    response = api_for(personas["charlie"]).post(
        API + "visits/",
        {"household": paired.pk, "cadre": cadre.pk, "visited_on": "2026-03-02", "found": "x"},
        format="json",
    )
    assert response.status_code == 404
    assert not Visit.objects.exists()


# --- plans and measures -----------------------------------------------------------------------------------------


def test_a_plan_is_created_changed_and_a_stale_change_refused(personas, api_for, registered):
    client = api_for(personas["village_clerk"])
    data = {"household": registered.pk, "year": 2026, "planned_exit_year": 2027}

    created = client.post(API + "plans/", data, format="json")
    changed = client.post(API + "plans/", {**data, "planned_exit_year": 2028, "version": 1}, format="json")
    stale = client.patch(API + f"plans/{created.json()['id']}/", {"note": "x", "version": 1}, format="json")
    patched = client.patch(API + f"plans/{created.json()['id']}/", {"note": "养殖", "version": 2}, format="json")

    assert (created.status_code, changed.status_code) == (201, 200)
    assert changed.json()["planned_exit_year"] == 2028
    assert stale.status_code == 409
    assert error_of(stale)["code"] == "stale"
    assert patched.status_code == 200
    assert (patched.json()["note"], patched.json()["version"]) == ("养殖", 3)


def test_a_plan_of_a_frozen_year_is_refused(personas, api_for, registered):
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])
    response = api_for(personas["village_clerk"]).post(
        API + "plans/", {"household": registered.pk, "year": 2025, "planned_exit_year": 2026}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "frozen_year"
    assert not Plan.objects.exists()


def test_the_plan_carries_its_measures(personas, api_for, registered, plan):
    head = registered.members.get(position=1)
    client = api_for(personas["village_clerk"])

    added = client.post(
        API + f"plans/{plan.pk}/measures/",
        {"code": "M06", "year": 2026, "members": [head.pk], "cost": "3000", "content": "大病救助"},
        format="json",
    )
    read = client.get(API + f"plans/{plan.pk}/")

    assert added.status_code == 201
    assert added.json()["members"] == [head.pk]
    assert added.json()["applies_to"] == "person"
    assert [(m["code"], m["label"], m["cost"]) for m in read.json()["measures"]] == [("M06", "医疗救助", "3000.00")]


@pytest.mark.parametrize(
    ("values_case", "code", "field"),
    [
        ({"code": "M06"}, "members_required", "members"),
        ({"code": "M01", "members": "HEAD"}, "members_not_allowed", "members"),
        ({"code": "M05", "members": "OTHER"}, "foreign_member", "members"),
        ({"code": "M01", "cost": "-1"}, "bad_amount", "cost"),
        ({"code": "M01", "cost": "9000000"}, "absurd_amount", "cost"),
        ({"code": "M01", "year": 2025}, "frozen_year", None),
    ],
    ids=["person_measure_without_member", "household_measure_naming_members", "member_of_another_household",
         "negative_cost", "absurd_cost", "frozen_year"],
)  # fmt: skip
def test_a_wrong_measure_is_refused(personas, api_for, registered, plan, values_case, code, field):
    # given
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])
    other = another_household(personas)
    values = {"year": 2026, **values_case}
    if values.get("members") == "HEAD":
        values["members"] = [registered.members.get(position=1).pk]
    elif values.get("members") == "OTHER":
        values["members"] = [other.members.get(position=3).pk]
    before = changes()

    # when
    response = api_for(personas["village_clerk"]).post(API + f"plans/{plan.pk}/measures/", values, format="json")

    # then
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code
    assert list(error["fields"]) == ([field] if field else [])
    assert not Measure.objects.exists()
    assert changes() == before


def test_a_measure_status_is_patched(personas, api_for, registered, plan):
    measure = services.add_measure(actor=personas["village_clerk"], plan_id=plan.pk, code="M01", year=2026)
    client = api_for(personas["village_clerk"])

    refused = client.patch(API + f"measures/{measure.pk}/", {"status": "done", "cost": "-3"}, format="json")
    unknown = client.patch(API + f"measures/{measure.pk}/", {"status": "finished"}, format="json")
    done = client.patch(
        API + f"measures/{measure.pk}/", {"status": "done", "cost": "4000", "content": "养牛"}, format="json"
    )
    charlie = api_for(personas["charlie"]).patch(API + f"measures/{measure.pk}/", {"status": "planned"}, format="json")

    assert (refused.status_code, error_of(refused)["code"]) == (400, "bad_amount")
    assert unknown.status_code == 400 and list(error_of(unknown)["fields"]) == ["status"]
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["cost"]) == ("done", "4000.00")
    assert charlie.status_code == 404
    measure.refresh_from_db()
    assert measure.status == "done"


def test_a_plan_is_copied_to_the_next_year(personas, api_for, registered):
    clerk = personas["village_clerk"]
    old = services.save_plan(actor=clerk, household_id=registered.pk, year=2025, planned_exit_year=2026)
    services.add_measure(actor=clerk, plan_id=old.pk, code="M01", year=2025, cost=Decimal("4000"))
    client = api_for(clerk)

    copied = client.post(API + f"plans/{old.pk}/copy/", {"to_year": 2026}, format="json")
    again = client.post(API + f"plans/{old.pk}/copy/", {"to_year": 2026}, format="json")

    assert copied.status_code == 201
    assert [(m["code"], m["status"], m["year"]) for m in copied.json()["measures"]] == [("M01", "planned", 2026)]
    assert (again.status_code, error_of(again)["code"]) == (400, "exists")


def test_a_user_with_no_role_has_no_plans_and_charlie_finds_none(personas, api_for, plan):
    assert api_for(personas["nobody"]).get(API + "plans/").status_code == 403
    assert api_for(personas["charlie"]).get(API + f"plans/{plan.pk}/").status_code == 404
    assert api_for(personas["charlie"]).get(API + "plans/").json()["results"] == []


# --- projects ---------------------------------------------------------------------------------------------------


def _proposal(**overrides) -> dict:
    data = {
        "location": KONGXING,
        "name": "孔兴村核桃提质增效",
        "category": "产业发展",
        "responsible_unit": "县林草局",
        "tasks": "改良核桃500亩",
        "budget": "200000",
        "funding_sources": [
            {"source": "中央财政专项扶贫资金", "amount": "150000"},
            {"source": "县级配套", "amount": "50000"},
        ],
        "performance_targets": "带动贫困户40户，户均增收1500元",
        "meeting": {"date": "2026-02-01", "attendance": 35},
    }
    data.update(overrides)
    return data


def test_a_project_is_proposed_and_moves_step_by_step(personas, api_for):
    # given
    created = api_for(personas["village_clerk"]).post(API + "projects/", _proposal(), format="json")
    pk = created.json()["id"]

    # when
    clerk = api_for(personas["village_clerk"]).post(API + f"projects/{pk}/advance/", {}, format="json")
    reviewed = api_for(personas["township_reviewer"]).post(
        API + f"projects/{pk}/advance/", {"note": "无异议"}, format="json"
    )
    appraised = api_for(personas["county_officer"]).post(API + f"projects/{pk}/advance/", {}, format="json")
    no_publicity = api_for(personas["county_officer"]).post(API + f"projects/{pk}/advance/", {}, format="json")
    approved = api_for(personas["county_officer"]).post(
        API + f"projects/{pk}/advance/",
        {"publicity": {"starts_on": "2026-03-01", "place": "村委会"}, "version": 3},
        format="json",
    )

    # then
    assert created.status_code == 201
    assert created.json()["funding_sources"] == {"中央财政专项扶贫资金": "150000.00", "县级配套": "50000.00"}
    assert created.json()["history"][0]["meeting"] == {"date": "2026-02-01", "attendance": "35"}
    assert clerk.status_code == 403
    assert (reviewed.status_code, appraised.status_code) == (200, 200)
    assert (no_publicity.status_code, error_of(no_publicity)["code"]) == (400, "publicity_required")
    assert approved.status_code == 200
    assert approved.json()["state"] == "approved"
    assert approved.json()["entry_publicity"] == {"starts_on": "2026-03-01", "place": "村委会"}


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"performance_targets": ""}, "no_targets", "performance_targets"),
        ({"budget": "1000"}, "sources_mismatch", "funding_sources"),
        ({"budget": "-1", "funding_sources": []}, "bad_amount", "budget"),
        ({"budget": "600000", "funding_sources": [{"source": "县级", "amount": "600000"}]}, "absurd_amount", "budget"),
        ({"funding_sources": [{"source": "县级", "amount": "1"}, {"source": "县级", "amount": "2"}]}, "invalid",
         "funding_sources"),
        ({"meeting": {}}, "invalid", "meeting"),
        ({"budget": "12x"}, "invalid", "budget"),
    ],
    ids=["no_performance_targets", "sources_do_not_add_up", "negative_budget", "absurd_budget", "source_twice",
         "no_meeting", "not_a_number"],
)  # fmt: skip
def test_a_wrong_proposal_is_refused(personas, api_for, overrides, code, field):
    before = changes()
    response = api_for(personas["village_clerk"]).post(API + "projects/", _proposal(**overrides), format="json")

    assert response.status_code == 400
    error = error_of(response)
    assert (error["code"], list(error["fields"])) == (code, [field])
    assert not Project.objects.exists()
    assert changes() == before


def test_projects_are_listed_by_state_and_area_in_scope(personas, api_for):
    api_for(personas["village_clerk"]).post(API + "projects/", _proposal(), format="json")
    other = api_for(personas["superuser"]).post(
        API + "projects/", _proposal(location="530921202200", name="新华村道路"), format="json"
    )

    officer = api_for(personas["county_officer"]).get(API + "projects/", {"state": "proposed", "area": "530921201"})
    charlie = api_for(personas["charlie"]).get(API + "projects/")
    bad = api_for(personas["county_officer"]).get(API + "projects/", {"state": "nonsense"})

    assert [p["name"] for p in officer.json()["results"]] == ["孔兴村核桃提质增效"]
    assert [p["id"] for p in charlie.json()["results"]] == [other.json()["id"]]
    assert bad.status_code == 400 and list(error_of(bad)["fields"]) == ["state"]


# --- payments -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "code"), [("-5", "bad_amount"), ("0", "bad_amount"), ("9999999", "absurd_amount")],
    ids=["negative", "zero", "absurd"],
)  # fmt: skip
def test_a_wrong_payment_is_refused(personas, api_for, registered, amount, code):
    response = api_for(personas["township_reviewer"]).post(
        API + "payments/",
        {"household": registered.pk, "amount": amount, "paid_on": "2026-03-01", "purpose": "产业奖补"},
        format="json",
    )
    assert response.status_code == 400
    assert (error_of(response)["code"], list(error_of(response)["fields"])) == (code, ["amount"])
    assert not FundPayment.objects.exists()


def test_a_payment_is_recorded_and_listed_without_personal_numbers(personas, api_for, registered):
    data = {"household": registered.pk, "amount": "1500", "paid_on": "2026-03-01", "purpose": "产业奖补"}

    clerk = api_for(personas["village_clerk"]).post(API + "payments/", data, format="json")
    recorded = api_for(personas["township_reviewer"]).post(API + "payments/", data, format="json")
    listed = api_for(personas["village_clerk"]).get(API + "payments/", {"area": KONGXING, "year": "2026"})

    assert clerk.status_code == 403
    assert recorded.status_code == 201
    rows = listed.json()["results"]
    assert [(p["head_name"], p["amount"], p["purpose"]) for p in rows] == [("杨大山", "1500.00", "产业奖补")]
    assert set(rows[0]) == {"id", "household", "head_name", "amount", "paid_on", "purpose", "measure", "project",
                            "recorded_at"}  # fmt: skip


# --- work teams and units --------------------------------------------------------------------------------------------


def test_work_teams_and_units_are_set_by_the_county(personas, api_for):
    officer = api_for(personas["county_officer"])

    team = officer.post(
        API + "work-teams/",
        {"village": KONGXING, "dispatching_unit": "县财政局", "leader": "赵", "first_secretary": "钱",
         "members": ["孙"], "starts_on": "2026-01-10"},
        format="json",
    )  # fmt: skip
    unit = officer.post(
        API + "unit-assignments/",
        {"village": KONGXING, "unit_name": "县财政局", "starts_on": "2026-01-10"},
        format="json",
    )
    twice = officer.post(
        API + "unit-assignments/",
        {"village": KONGXING, "unit_name": "县财政局", "starts_on": "2026-02-10"},
        format="json",
    )
    ended = officer.post(API + f"unit-assignments/{unit.json()['id']}/end/", {"ends_on": "2026-06-30"}, format="json")
    reviewer = api_for(personas["township_reviewer"]).post(
        API + "unit-assignments/", {"village": KONGXING, "unit_name": "乡", "starts_on": "2026-01-10"}, format="json"
    )

    assert (team.status_code, unit.status_code) == (201, 201)
    assert (twice.status_code, error_of(twice)["code"]) == (400, "overlap")
    assert ended.json()["ends_on"] == "2026-06-30"
    assert reviewer.status_code == 403
    assert WorkTeam.objects.count() == 1
    assert UnitAssignment.objects.count() == 1
    listed = api_for(personas["village_clerk"]).get(API + "unit-assignments/")
    assert [u["unit_name"] for u in listed.json()["results"]] == ["县财政局"]


# --- coverage and rolling plan -------------------------------------------------------------------------------------


def test_coverage_and_the_rolling_plan_of_a_township(personas, api_for, registered):
    VillageFigures.objects.create(village_id=KONGXING, year=2026, rural_registered_population=500, poor_people=24)
    services.save_plan(actor=personas["village_clerk"], household_id=registered.pk, year=2026, planned_exit_year=2027)
    client = api_for(personas["township_reviewer"])

    coverage = client.get(API + "assistance/coverage/530921201000/")
    plan_ = client.get(API + "assistance/rolling-plan/530921201000/", {"year": "2026"})
    charlie = api_for(personas["charlie"]).get(API + "assistance/coverage/530921201000/")
    village = client.get(API + "assistance/coverage/530921201200/")

    assert coverage.json()["by_village"] == [{"village": KONGXING, "name": "孔兴村", "households": 1}]
    body = plan_.json()
    assert body["years"] == [2026, 2027, 2028]
    kongxing = next(v for v in body["villages"] if v["village"] == KONGXING)
    assert kongxing["remaining_by_year"] == {"2026": 24, "2027": 20, "2028": 20}
    assert body["planned_exits"] == [{"village": KONGXING, "year": 2027, "households": 1, "people": 4}]
    assert (charlie.status_code, village.status_code) == (404, 404)


def test_the_api_schema_describes_the_assistance_endpoints(personas, client_for):
    response = client_for(None).get("/api/schema/")
    assert response.status_code == 200
    body = response.content.decode()
    for path in ("/api/v1/pairings/bulk/", "/api/v1/plans/{id}/measures/", "/api/v1/projects/{id}/advance/",
                 "/api/v1/assistance/rolling-plan/{code}/"):  # fmt: skip
        assert path in body


def test_a_payment_naming_an_unknown_project_is_refused(personas, api_for, registered):
    response = api_for(personas["township_reviewer"]).post(
        API + "payments/",
        {"household": registered.pk, "amount": "100", "paid_on": "2026-03-01", "purpose": "奖补", "project": 999999},
        format="json",
    )
    assert response.status_code == 400
    assert (error_of(response)["code"], list(error_of(response)["fields"])) == ("bad_project", ["project"])
    assert not FundPayment.objects.exists()
