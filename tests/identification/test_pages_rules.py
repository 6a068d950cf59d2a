"""A county's own rules and score card: the service of identification/rules.py and its page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from core.errors import ServiceError
from core.models import ObjectChange
from households.models import Household
from identification import rules, services
from identification.models import Case, IdentificationRule, ScoreCard
from identification.scoring import weights_for
from tests.identification.conftest import COUNTY, submitted_household

OTHER_COUNTY = "530922000000"


def _url(name: str, code: str = COUNTY) -> str:
    return reverse(f"identification:{name}", kwargs={"code": code})


def _case_with_car(personas, campaign) -> Case:
    household = submitted_household(personas, 0)
    Household.objects.filter(pk=household.pk).update(excl_private_car=True)
    case = services.apply(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk,
        informed_on=campaign.opens_on,
    )  # fmt: skip
    return Case.objects.select_related("campaign", "household").get(pk=case.pk)


def test_a_county_rule_with_the_key_of_a_default_replaces_it_in_that_county_only(personas, campaign):
    # given a household owning a car, applying in 凤庆县
    case = _case_with_car(personas, campaign)

    # when the county states its own car rule under the default's key
    rule = rules.save_county_rule(
        actor=personas["county_officer"], county_code=COUNTY, kind="exclusion", key="private_car",
        label="拥有私家车（购买价5万元以上）", household_field="excl_private_car",
    )  # fmt: skip

    # then the county's wording is the one in force there, the default stays for the others
    assert services.blocking_exclusions(case) == ["拥有私家车（购买价5万元以上）"]
    rows = {row.rule.key: row for row in rules.rules_for_county(COUNTY)["exclusion"]}
    assert rows["private_car"].rule == rule and rows["private_car"].replaces_default
    other = {row.rule.key: row for row in rules.rules_for_county(OTHER_COUNTY)["exclusion"]}
    assert other["private_car"].rule.label == "拥有私家车（购买价3万元以上）"
    assert ObjectChange.objects.filter(object_pk=str(rule.pk), area_code=COUNTY).count() == 1


def test_switching_a_default_off_keeps_it_for_the_other_counties(personas, campaign):
    # given a household owning a car
    case = _case_with_car(personas, campaign)

    # when the county switches the car rule off
    rules.set_county_rule_active(
        actor=personas["county_officer"], county_code=COUNTY, kind="exclusion", key="private_car", active=False
    )

    # then it no longer blocks in the county; the default row is untouched
    assert services.blocking_exclusions(case) == []
    assert IdentificationRule.objects.get(county=None, key="private_car").is_active is True
    assert IdentificationRule.objects.get(county_id=COUNTY, key="private_car").is_active is False


@pytest.mark.parametrize(
    ("values", "code", "field"),
    [
        pytest.param({"key": "Bad Key", "label": "x"}, "bad_key", "key", id="key_case"),
        pytest.param({"key": "no_label", "label": " "}, "required", "label", id="label_case"),
        pytest.param(
            {"key": "car2", "label": "有车", "household_field": ""}, "required", "household_field", id="exclusion_case"
        ),
        pytest.param(
            {"key": "car3", "label": "有车", "household_field": "name"}, "bad_field", "household_field", id="field_case"
        ),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_its_field(personas, values, code, field):
    # when
    with pytest.raises(ServiceError) as refused:
        rules.save_county_rule(actor=personas["county_officer"], county_code=COUNTY, kind="exclusion", **values)

    # then
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not IdentificationRule.objects.filter(county_id=COUNTY).exists()


def test_only_county_officers_of_the_county_change_its_rules(personas):
    # when the city inspector and the officer of another county try
    with pytest.raises(PermissionDenied):
        rules.set_county_rule_active(
            actor=personas["city_inspector"], county_code=COUNTY, kind="priority", key="orphans", active=False
        )
    with pytest.raises(Http404):
        rules.set_county_rule_active(
            actor=personas["county_officer"], county_code=OTHER_COUNTY, kind="priority", key="orphans", active=False
        )

    # then nothing changed
    assert not IdentificationRule.objects.filter(county__isnull=False).exists()


def test_the_score_card_weights_make_100_and_apply_to_new_applications(personas):
    # when the county gives weights that do not add up, then weights that do
    with pytest.raises(ServiceError) as refused:
        rules.set_score_card(
            actor=personas["county_officer"],
            county_code=COUNTY,
            weights=dict.fromkeys(("housing", "food", "labour", "pupils", "illness"), Decimal("30")),
        )
    weights = {"housing": "40", "food": "20", "labour": "20", "pupils": "10", "illness": "10"}
    rules.set_score_card(
        actor=personas["county_officer"],
        county_code=COUNTY,
        weights={name: Decimal(value) for name, value in weights.items()},
    )

    # then
    assert (refused.value.code, refused.value.field) == ("bad_weights", "weights")
    assert weights_for(COUNTY) == {name: Decimal(value) for name, value in weights.items()}
    assert ScoreCard.objects.count() == 1


def test_the_rules_page_adds_a_rule_and_shows_refusals_next_to_the_field(personas, client_for):
    # given the county officer on the rules page
    client = client_for(personas["county_officer"])
    page = client.get(_url("rule_list"))

    # when they add a priority rule with a bad key, then a good one, and give wrong weights
    bad = client.post(_url("rule_add"), {"kind": "priority", "key": "独居", "label": "独居老人优先"})
    good = client.post(
        _url("rule_add"), {"kind": "priority", "key": "elderly_alone", "label": "同等条件下独居老人优先"}
    )
    card = client.post(
        _url("score_card"), {"housing": "50", "food": "50", "labour": "50", "pupils": "0", "illness": "0"}
    )

    # then
    assert page.status_code == 200 and page.context["rule_form"] is not None
    assert [row.rule.key for row in page.context["groups"][0][2]][:2] == ["public_salary", "village_cadre"]
    assert bad.status_code == 200 and bad.context["rule_form"].errors["key"]
    assert good.status_code == 302
    assert IdentificationRule.objects.get(county_id=COUNTY, key="elderly_alone").kind == "priority"
    assert card.status_code == 200 and card.context["card_form"].non_field_errors()
    listed = client.get(_url("rule_list"))
    assert "同等条件下独居老人优先" in listed.content.decode()


def test_an_auditor_reads_the_rules_but_cannot_change_them(personas, client_for):
    # given the county's auditor
    client = client_for(personas["auditor"])

    # when they open the page and try to switch a rule off
    page = client.get(_url("rule_list"))
    refused = client.post(_url("rule_state"), {"kind": "exclusion", "key": "private_car", "active": "0"})

    # then
    assert page.status_code == 200
    assert page.context["rule_form"] is None and page.context["card_form"] is None
    assert refused.status_code == 403
    assert not IdentificationRule.objects.filter(county__isnull=False).exists()
