"""The assistance warnings of the data-quality worklist (DOMAIN.md 4.5) beyond the causes: a
dangerous house without a safe-housing measure, and a measure marked done with no cost and no
content. Each opens a finding when it holds and resolves it once the plan answers it."""

import pytest

from assistance import services
from households.models import Household, QualityFinding
from households.services import run_quality_rules


@pytest.fixture
def registered(saved_household):
    Household.objects.filter(pk=saved_household.pk).update(status="registered")
    saved_household.refresh_from_db()
    return saved_household


def _open(household, rule: str) -> bool:
    return QualityFinding.objects.filter(household=household, rule=rule, resolved_at__isnull=True).exists()


def _plan(personas, household):
    return services.save_plan(
        actor=personas["village_clerk"], household_id=household.pk, year=household.survey_year,
        planned_exit_year=household.survey_year + 1,
    )  # fmt: skip


def test_a_dangerous_house_needs_a_safe_housing_measure(personas, registered):
    # given: a C-grade dangerous house
    Household.objects.filter(pk=registered.pk).update(housing_safety="02")
    registered.refresh_from_db()

    # when / then
    run_quality_rules(registered)
    assert _open(registered, "dangerous_house_without_measure")
    services.add_measure(actor=personas["village_clerk"], plan_id=_plan(personas, registered).pk, code="M03",
                         year=registered.survey_year)  # fmt: skip
    run_quality_rules(registered)
    assert not _open(registered, "dangerous_house_without_measure")


def test_a_safe_house_needs_none(registered):
    run_quality_rules(registered)
    assert not _open(registered, "dangerous_house_without_measure")


def test_a_measure_done_with_no_cost_and_no_content_is_a_warning(personas, registered):
    plan = _plan(personas, registered)
    measure = services.add_measure(
        actor=personas["village_clerk"], plan_id=plan.pk, code="M01", year=registered.survey_year, status="done"
    )
    run_quality_rules(registered)
    assert _open(registered, "measure_done_without_substance")

    services.set_measure_status(
        actor=personas["village_clerk"], measure_id=measure.pk, status="done", content="养牛3头"
    )
    run_quality_rules(registered)
    assert not _open(registered, "measure_done_without_substance")
