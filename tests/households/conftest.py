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
