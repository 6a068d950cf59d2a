"""Household fixtures: a ready-made valid household input and a saved household in 孔兴村."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from households.idnumbers import build_id_number
from households.services import save_household

KONGXING = "530921201200"


def person(name: str, relation: str, born: datetime.date, sequence: int, **extra) -> dict:
    return {
        "name": name,
        "relation": relation,
        "id_number": build_id_number("530921", born, sequence),
        "gender": "",
        **extra,
    }


def household_input(**overrides) -> dict:
    fields = {
        "main_cause": "01",
        "other_causes": ["08"],
        "wage_income": Decimal("2400"),
        "business_income": Decimal("1500"),
        "pension_income": Decimal("600"),
        "business_expense": Decimal("300"),
        "distance_to_main_road_km": Decimal("1.20"),
        "cultivated_land_mu": Decimal("3.5"),
        "irrigated_land_mu": Decimal("1.0"),
    }
    fields.update(overrides)
    return fields


def family_of_four(offset: int = 0) -> list[dict]:
    return [
        person("杨大山", "01", datetime.date(1970, 3, 15), 11 + offset * 10, education="02", labor_skill="01"),
        person("李秀英", "02", datetime.date(1972, 5, 6), 12 + offset * 10, education="02", labor_skill="01"),
        person("杨小明", "03", datetime.date(2012, 9, 1), 13 + offset * 10, education="02", school_status="05"),
        person("杨小红", "04", datetime.date(2015, 1, 20), 14 + offset * 10, education="02", school_status="03"),
    ]


@pytest.fixture
def saved_household(personas):
    return save_household(
        actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=family_of_four()
    ).household


def monitored_with_risks(personas, household, risks: int):
    """The household monitored (marginal), with ``risks`` risks each answered by a measure of its plan,
    and an exit case of the year before (written as the exit procedure leaves one: withdrawn)."""
    from assistance import services as assistance
    from assistance.choices import MeasureCode, MeasureStatus
    from exits import monitoring_services
    from exits.exit_choices import ExitState
    from exits.models import ExitCase
    from exits.monitoring_choices import MonitoringKind, MonitoringState, RiskKind
    from tests.exits.monitoring.conftest import TODAY, alert, walk

    clerk = personas["village_clerk"]
    case = walk(personas, alert(personas, household, kind=MonitoringKind.MARGINAL), MonitoringState.MONITORED)
    plan = assistance.save_plan(actor=clerk, household_id=household.pk, year=2026, planned_exit_year=2026)
    for index in range(risks):
        measure = assistance.add_measure(
            actor=clerk, plan_id=plan.pk, code=MeasureCode.INDUSTRY, year=2026, content=f"产业扶持{index}",
            status=MeasureStatus.DONE,
        )  # fmt: skip
        monitoring_services.add_risk(
            actor=clerk, case_id=case.pk, kind=RiskKind.BUSINESS, found_on=TODAY, description=f"茶叶滞销{index}",
            measure_ids=[measure.pk], today=TODAY,
        )  # fmt: skip
    exit_case = ExitCase.objects.create(
        household=household, year=2025, area_code=household.village_id, state=ExitState.WITHDRAWN,
        previous_status="registered", proposed_by=personas["township_reviewer"],
    )  # fmt: skip
    return case, exit_case
