from decimal import Decimal

from households.income import compute_income


def test_per_capita_net_income_follows_the_definition():
    values = {
        "wage_income": "3000",
        "business_income": "2000",
        "asset_dividend_income": "300",
        "other_property_income": "100",
        "family_planning_subsidy": "50",
        "dibao_allowance": "1200",
        "tekun_allowance": "0",
        "pension_income": "1080",
        "ecological_compensation": "70",
        "other_transfer_income": "0",
        "business_expense": "800",
    }
    figures = compute_income(values, 3)
    assert figures.property == Decimal("400")
    assert figures.transfer == Decimal("2400")
    assert figures.net_income == Decimal("7000.00")
    assert figures.net_income_per_capita == Decimal("2333.33")


def test_a_household_without_members_has_no_per_capita_figure():
    assert compute_income({"wage_income": "100"}, 0).net_income_per_capita == Decimal("0.00")
