"""The score card of DOMAIN.md 7.3 (四看: 看房, 看粮, 看劳动力, 看读书郎, 看病人): each part is a
need from 0 (none) to 1 (greatest), weighted by the county's ScoreCard; higher scores rank first
in the village appraisal."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from identification.models import ScoreCard

__all__ = ["DEFAULT_WEIGHTS", "needs", "score_household", "weights_for"]

DEFAULT_WEIGHTS = {
    "housing": Decimal("25"),
    "food": Decimal("20"),
    "labour": Decimal("25"),
    "pupils": Decimal("10"),
    "illness": Decimal("20"),
}


def weights_for(county_code: str) -> dict[str, Decimal]:
    card = ScoreCard.objects.filter(county_id=county_code).first()
    if card is None:
        return dict(DEFAULT_WEIGHTS)
    return {name: getattr(card, name) for name in DEFAULT_WEIGHTS}


def _clamp(value: float) -> float:
    return max(0.0, min(1.0, value))


def needs(household, members, today: datetime.date) -> dict[str, float]:
    """Each part of the card as a need between 0 and 1, from the household's form."""
    size = max(1, len(members))
    area_per_person = float(household.housing_area_m2) / size
    housing = {"01": 0.0, "02": 0.7, "03": 1.0}.get(household.housing_safety, 0.0)
    housing = max(housing, _clamp((30 - area_per_person) / 30))  # under 30 m² a person counts as need
    food = _clamp((2.0 - float(household.cultivated_land_mu) / size) / 2.0)  # under 2 mu a person
    if not (household.has_enough_food and household.has_seasonal_clothing):
        food = 1.0
    capable = sum(1 for m in members if m.labor_skill in ("01", "02"))
    labour = _clamp(1 - capable / size)
    pupils = _clamp(sum(1 for m in members if m.school_status not in ("", "01")) / 3)
    ill = sum({"02": 0.5, "03": 1.0, "04": 1.0}.get(m.health, 0.0) for m in members)
    illness = _clamp(ill / 2)
    return {"housing": housing, "food": food, "labour": labour, "pupils": pupils, "illness": illness}


def score_household(household, members, weights: dict[str, Decimal], today: datetime.date) -> Decimal:
    parts = needs(household, members, today)
    total = sum((weights[name] * Decimal(str(round(value, 4))) for name, value in parts.items()), Decimal("0"))
    return total.quantize(Decimal("0.01"), ROUND_HALF_UP)
