"""Cadres and pairings, plans and measures, projects and payments: the rules and the refusals."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance import services
from assistance.models import Measure, Pairing, Plan
from core.errors import ServiceError
from exits.models import FrozenYear
from households.models import Household, QualityFinding
from households.services import run_quality_rules
from tests.conftest import in_2026
from tests.households.conftest import family_of_four

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the pairings, plans, visits and
# payments are of 2026.
pytestmark = in_2026

COUNTY = "530921000000"


@pytest.fixture
def registered(saved_household):
    Household.objects.filter(pk=saved_household.pk).update(status="registered")
    saved_household.refresh_from_db()
    return saved_household


@pytest.fixture
def cadre(personas):
    return services.create_cadre(
        actor=personas["county_officer"],
        county_code=COUNTY,
        name="王帮扶",
        unit="县农业局",
        starts_on=datetime.date(2026, 1, 1),
    )


def test_pairings_change_over_time_and_never_overlap(personas, registered, cadre):
    officer = personas["county_officer"]
    other = services.create_cadre(
        actor=officer, county_code=COUNTY, name="李帮扶", unit="县教育局", starts_on=datetime.date(2026, 1, 1)
    )

    services.assign_cadre(
        actor=officer, household_id=registered.pk, cadre_id=cadre.pk, starts_on=datetime.date(2026, 2, 1)
    )
    with pytest.raises(ServiceError) as overlap:
        services.assign_cadre(
            actor=officer, household_id=registered.pk, cadre_id=other.pk, starts_on=datetime.date(2026, 1, 15)
        )
    services.assign_cadre(
        actor=officer,
        household_id=registered.pk,
        cadre_id=other.pk,
        starts_on=datetime.date(2026, 6, 1),
        reason="工作调动",
    )

    assert overlap.value.code == "overlap"
    periods = list(
        Pairing.objects.filter(household=registered)
        .order_by("starts_on")
        .values_list("cadre__name", "starts_on", "ends_on")
    )
    assert periods == [
        ("王帮扶", datetime.date(2026, 2, 1), datetime.date(2026, 5, 31)),
        ("李帮扶", datetime.date(2026, 6, 1), None),
    ]


def test_many_households_get_one_cadre_with_a_result_each(personas, registered, cadre):
    result = services.assign_cadre_many(
        actor=personas["county_officer"],
        household_ids=[registered.pk, 999999],
        cadre_id=cadre.pk,
        starts_on=datetime.date(2026, 3, 1),
    )
    assert result.succeeded == [registered.pk]
    assert list(result.failed) == [999999]


def _plan(personas, household):
    return services.save_plan(
        actor=personas["village_clerk"], household_id=household.pk, year=2026, planned_exit_year=2027
    )


def test_a_person_measure_names_members_and_a_household_measure_does_not(personas, registered):
    plan = _plan(personas, registered)
    clerk = personas["village_clerk"]
    head = registered.members.get(position=1)

    with pytest.raises(ServiceError) as missing:
        services.add_measure(actor=clerk, plan_id=plan.pk, code="M06", year=2026)
    with pytest.raises(ServiceError) as naming:
        services.add_measure(actor=clerk, plan_id=plan.pk, code="M01", year=2026, member_ids=[head.pk])
    measure = services.add_measure(
        actor=clerk,
        plan_id=plan.pk,
        code="M06",
        year=2026,
        member_ids=[head.pk],
        cost=Decimal("3000"),
        content="大病救助",
    )

    assert (missing.value.code, naming.value.code) == ("members_required", "members_not_allowed")
    assert list(measure.members.all()) == [head]


def test_a_member_of_another_household_is_refused(personas, registered):
    from households.services import save_household
    from tests.households.conftest import household_input

    other = save_household(
        actor=personas["village_clerk"],
        village_code="530921201200",
        fields=household_input(),
        members=family_of_four(2),
    ).household
    plan = _plan(personas, registered)
    with pytest.raises(ServiceError) as refused:
        services.add_measure(
            actor=personas["village_clerk"],
            plan_id=plan.pk,
            code="M05",
            year=2026,
            member_ids=[other.members.first().pk],
        )
    assert refused.value.code == "foreign_member"
    assert Measure.objects.count() == 0


@pytest.mark.parametrize(("cost", "code"), [(Decimal("-1"), "bad_amount"), (Decimal("9000000"), "absurd_amount")])
def test_negative_or_absurd_amounts_are_refused(personas, registered, cost, code):
    plan = _plan(personas, registered)
    with pytest.raises(ServiceError) as refused:
        services.add_measure(actor=personas["village_clerk"], plan_id=plan.pk, code="M01", year=2026, cost=cost)
    assert (refused.value.code, refused.value.field) == (code, "cost")


def test_a_plan_of_a_frozen_year_cannot_be_changed(personas, registered):
    FrozenYear.objects.create(county_id=COUNTY, year=2025, frozen_by=personas["county_officer"])
    with pytest.raises(ServiceError) as refused:
        services.save_plan(
            actor=personas["village_clerk"], household_id=registered.pk, year=2025, planned_exit_year=2026
        )
    assert refused.value.code == "frozen_year"


def test_last_years_plan_is_copied_as_a_draft(personas, registered):
    clerk = personas["village_clerk"]
    plan = services.save_plan(actor=clerk, household_id=registered.pk, year=2025, planned_exit_year=2026)
    services.add_measure(
        actor=clerk,
        plan_id=plan.pk,
        code="M06",
        year=2025,
        member_ids=[registered.members.get(position=1).pk],
        status="done",
        cost=Decimal("500"),
    )
    services.add_measure(actor=clerk, plan_id=plan.pk, code="M01", year=2025, content="养牛", cost=Decimal("4000"))

    copy = services.copy_plan(actor=clerk, household_id=registered.pk, from_year=2025, to_year=2026)

    assert sorted(copy.measures.values_list("code", "status", "year")) == [
        ("M01", "planned", 2026),
        ("M06", "planned", 2026),
    ]
    with pytest.raises(ServiceError) as again:
        services.copy_plan(actor=clerk, household_id=registered.pk, from_year=2025, to_year=2026)
    assert again.value.code == "exists"


def test_a_cause_without_a_measure_is_a_warning_on_the_worklist(personas, registered):
    run_quality_rules(registered)
    assert QualityFinding.objects.filter(
        household=registered, rule="cause_without_measure", resolved_at__isnull=True
    ).exists()
    plan = _plan(personas, registered)
    services.add_measure(
        actor=personas["village_clerk"],
        plan_id=plan.pk,
        code="M06",
        year=registered.survey_year,
        member_ids=[registered.members.get(position=1).pk],
    )
    services.add_measure(
        actor=personas["village_clerk"],
        plan_id=plan.pk,
        code="M07",
        year=registered.survey_year,
        member_ids=[registered.members.get(position=1).pk],
    )
    run_quality_rules(registered)
    assert not QualityFinding.objects.filter(
        household=registered, rule="cause_without_measure", resolved_at__isnull=True
    ).exists()


def _project_values(**overrides):
    values = {
        "name": "孔兴村核桃提质增效",
        "category": "产业发展",
        "responsible_unit": "县林草局",
        "tasks": "改良核桃500亩",
        "budget": "200000",
        "funding_sources": {"中央财政专项扶贫资金": "150000", "县级配套": "50000"},
        "performance_targets": "带动贫困户40户，户均增收1500元",
    }
    values.update(overrides)
    return values


def test_a_project_without_performance_targets_does_not_enter_the_library(personas):
    with pytest.raises(ServiceError) as refused:
        services.propose_project(
            actor=personas["village_clerk"],
            location_code="530921201200",
            values=_project_values(performance_targets=""),
            meeting={"date": "2026-02-01"},
        )
    assert refused.value.code == "no_targets"


def test_a_project_goes_through_the_pipeline_with_its_publicities(personas):
    project = services.propose_project(
        actor=personas["village_clerk"],
        location_code="530921201200",
        values=_project_values(),
        meeting={"date": "2026-02-01"},
    )
    with pytest.raises(PermissionDenied):
        services.advance_project(actor=personas["village_clerk"], project_id=project.pk)
    services.advance_project(actor=personas["township_reviewer"], project_id=project.pk)
    services.advance_project(actor=personas["county_officer"], project_id=project.pk)
    with pytest.raises(ServiceError) as no_publicity:
        services.advance_project(actor=personas["county_officer"], project_id=project.pk)
    approved = services.advance_project(
        actor=personas["county_officer"],
        project_id=project.pk,
        publicity={"starts_on": "2026-03-01", "place": "村委会"},
    )
    assert no_publicity.value.code == "publicity_required"
    assert approved.state == "approved"
    assert [step["state"] for step in approved.history] == [
        "proposed",
        "township_reviewed",
        "county_appraised",
        "approved",
    ]


def test_funding_sources_must_add_up(personas):
    with pytest.raises(ServiceError) as refused:
        services.propose_project(
            actor=personas["village_clerk"],
            location_code="530921201200",
            values=_project_values(budget="1000"),
            meeting={"date": "2026-02-01"},
        )
    assert refused.value.code == "sources_mismatch"


def test_payments_to_households(personas, registered):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as nothing_paid:
        services.record_payment(
            actor=officer,
            household_id=registered.pk,
            amount=Decimal("0"),
            paid_on=datetime.date(2026, 3, 1),
            purpose="产业奖补",
        )
    assert (nothing_paid.value.code, nothing_paid.value.field) == ("bad_amount", "amount")
    payment = services.record_payment(
        actor=officer,
        household_id=registered.pk,
        amount=Decimal("2000"),
        paid_on=datetime.date(2026, 3, 1),
        purpose="产业奖补",
    )
    assert payment.area_code == registered.village_id
    with pytest.raises(Http404):
        services.record_payment(
            actor=personas["charlie"],
            household_id=registered.pk,
            amount=Decimal("1"),
            paid_on=datetime.date(2026, 3, 1),
            purpose="x",
        )
    with pytest.raises(PermissionDenied):
        services.record_payment(
            actor=personas["village_clerk"],
            household_id=registered.pk,
            amount=Decimal("1"),
            paid_on=datetime.date(2026, 3, 1),
            purpose="x",
        )


def test_a_visit_is_recorded_by_the_paired_cadre_or_the_clerk(personas, registered, cadre):
    services.assign_cadre(
        actor=personas["county_officer"],
        household_id=registered.pk,
        cadre_id=cadre.pk,
        starts_on=datetime.date(2026, 2, 1),
    )
    visit = services.record_visit(
        actor=personas["village_clerk"],
        household_id=registered.pk,
        cadre_id=cadre.pk,
        visited_on=datetime.date(2026, 3, 2),
        found="户主住院",
        done="联系医疗救助",
    )
    assert visit.area_code == registered.village_id
    with pytest.raises(ServiceError) as nothing_found:
        services.record_visit(
            actor=personas["village_clerk"],
            household_id=registered.pk,
            cadre_id=cadre.pk,
            visited_on=datetime.date(2026, 3, 2),
            found="  ",
        )
    assert (nothing_found.value.code, nothing_found.value.field) == ("required", "found")


def test_plans_are_one_per_year(personas, registered):
    first = _plan(personas, registered)
    again = services.save_plan(
        actor=personas["village_clerk"],
        household_id=registered.pk,
        year=2026,
        planned_exit_year=2028,
        version=first.version,
    )
    assert Plan.objects.filter(household=registered).count() == 1
    assert (again.pk, Plan.objects.get(household=registered).planned_exit_year) == (first.pk, 2028)


def test_a_payment_for_an_unknown_project_is_refused(personas, registered):
    with pytest.raises(ServiceError) as refused:
        services.record_payment(
            actor=personas["county_officer"], household_id=registered.pk, amount=Decimal("10"),
            paid_on=datetime.date(2026, 3, 1), purpose="奖补", project_id=987654,
        )  # fmt: skip
    assert refused.value.code == "bad_project"
