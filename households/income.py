"""Derived figures of a household, computed in one place (DOMAIN.md section 4.2).

人均纯收入 = (wage + business + property + transfer − business expense) ÷ household size, where
property = asset dividend + other property, and transfer = family planning + dibao + tekun +
pension + ecological compensation + other transfer. Only stable, recurring income is entered on
the form; one-off grants, condolence money and temporary relief are not income.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["IncomeFigures", "compute_income"]

PROPERTY_FIELDS = ("asset_dividend_income", "other_property_income")
TRANSFER_FIELDS = (
    "family_planning_subsidy",
    "dibao_allowance",
    "tekun_allowance",
    "pension_income",
    "ecological_compensation",
    "other_transfer_income",
)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class IncomeFigures:
    household_size: int
    wage: Decimal
    business: Decimal
    property: Decimal
    transfer: Decimal
    business_expense: Decimal
    net_income: Decimal
    net_income_per_capita: Decimal


def _amount(values: Mapping, key: str) -> Decimal:
    value = values.get(key)
    if value in (None, ""):
        return Decimal("0")
    return Decimal(str(value))


def compute_income(values: Mapping, household_size: int) -> IncomeFigures:
    """The income figures from the form's amounts (a mapping of field name to amount) and the
    number of active members. A household of none has no per-capita figure (0)."""
    wage = _amount(values, "wage_income")
    business = _amount(values, "business_income")
    property_income = sum((_amount(values, key) for key in PROPERTY_FIELDS), Decimal("0"))
    transfer = sum((_amount(values, key) for key in TRANSFER_FIELDS), Decimal("0"))
    expense = _amount(values, "business_expense")
    net = (wage + business + property_income + transfer - expense).quantize(CENT, ROUND_HALF_UP)
    per_capita = (net / household_size).quantize(CENT, ROUND_HALF_UP) if household_size > 0 else Decimal("0.00")
    return IncomeFigures(
        household_size=household_size,
        wage=wage,
        business=business,
        property=property_income,
        transfer=transfer,
        business_expense=expense,
        net_income=net,
        net_income_per_capita=per_capita,
    )
