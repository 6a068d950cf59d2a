"""Defects of the household registry found by probing the running application: who may export
the list, what a duplicate ID number tells outside one's areas, how often the live check answers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import ObjectChange

# --- exports need the export action ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_village_clerk_may_not_export_the_list(personas, client_for, saved_household, fmt):
    client = client_for(personas["village_clerk"])

    response = client.get(reverse("households:household_export", kwargs={"fmt": fmt}))

    assert response.status_code == 403
    assert not ObjectChange.objects.filter(action="export").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_county_officer_still_exports_the_list(personas, client_for, saved_household, fmt):
    client = client_for(personas["county_officer"])

    response = client.get(reverse("households:household_export", kwargs={"fmt": fmt}))

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK" if fmt == "xlsx" else "\ufeff户编号".encode())
    assert ObjectChange.objects.filter(action="export").count() == 1


def test_the_list_offers_export_only_to_a_role_holding_it(personas, client_for, saved_household):
    export_url = reverse("households:household_export", kwargs={"fmt": "csv"})

    clerk_page = client_for(personas["village_clerk"]).get(reverse("households:household_list"))
    officer_page = client_for(personas["county_officer"]).get(reverse("households:household_list"))

    assert export_url not in clerk_page.content.decode()
    assert export_url in officer_page.content.decode()


# --- a duplicate ID number outside one's areas tells nothing of where ----------------------------


def _check(client, number: str) -> str:
    response = client.post(reverse("households:check_id"), {"members-0-id_number": number})
    assert response.status_code == 200
    return response.content.decode()


def test_the_live_check_of_a_number_registered_outside_the_scope_names_no_household_nor_area(
    personas, client_for, saved_household
):
    # given Charlie, reviewer of 新华乡, and a person registered in 孔兴村 of 诗礼乡
    number = saved_household.members.get(position=2).id_number

    # when he checks that person's number
    answer = _check(client_for(personas["charlie"]), number)

    # then he learns only that it cannot be used here
    assert "该证件号码不能在此登记，由县扶贫办核实处理。" in answer
    assert saved_household.household_no not in answer and saved_household.head_name not in answer
    for told in ("530921", "5309", "凤庆", "诗礼", "孔兴", "临沧"):
        assert told not in answer


def test_the_live_check_of_a_number_registered_in_scope_names_the_household(personas, client_for, saved_household):
    number = saved_household.members.get(position=2).id_number

    answer = _check(client_for(personas["township_reviewer"]), number)

    assert saved_household.household_no in answer and saved_household.head_name in answer


# --- the live check is throttled per user -------------------------------------------------------


def test_the_live_check_answers_429_past_its_budget_per_user(personas, client_for, saved_household, settings):
    settings.ID_CHECKS_PER_MINUTE = 3
    number = saved_household.members.get(position=2).id_number
    clerk, reviewer = client_for(personas["village_clerk"]), client_for(personas["township_reviewer"])

    within = [clerk.post(reverse("households:check_id"), {"members-0-id_number": number}) for _ in range(3)]
    beyond = clerk.post(reverse("households:check_id"), {"members-0-id_number": number})
    other_user = reviewer.post(reverse("households:check_id"), {"members-0-id_number": number})

    assert [response.status_code for response in within] == [200, 200, 200]
    assert beyond.status_code == 429
    assert "一分钟内核验的证件号码过多" in beyond.content.decode()
    assert saved_household.household_no not in beyond.content.decode()
    assert other_user.status_code == 200


# --- crafted parameters answer 400, not a server error (tests/matrix/test_fuzz.py: every route) ---


def test_a_unicode_digit_in_the_lists_area_filter_is_the_400_page(personas, client_for):
    response = client_for(personas["county_officer"]).get(reverse("households:household_list"), {"village": "²"})

    assert response.status_code == 400
    assert "参数“village”的值无效。" in response.content.decode()


def test_a_unicode_digit_in_the_apis_area_filter_is_the_apis_400(personas, api_for):
    response = api_for(personas["county_officer"]).get(reverse("api:household-list"), {"village": "²"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert list(response.json()["error"]["fields"]) == ["village"]


def test_a_unicode_digit_as_the_household_of_the_id_check_is_400(personas, client_for):
    response = client_for(personas["village_clerk"]).post(
        reverse("households:check_id"), {"members-0-id_number": "11010519491231002X", "household": "²"}
    )

    assert response.status_code == 400


@pytest.mark.parametrize("amount", ["nan", "1e999", "Infinity"])
def test_the_live_figures_take_an_amount_that_is_no_number_as_nothing(personas, client_for, amount):
    response = client_for(personas["village_clerk"]).post(
        reverse("households:live_figures"), {"wage_income": amount, "business_income": "1200"}
    )

    assert response.status_code == 200
    assert "1200" in response.content.decode()


def test_a_member_count_past_the_forms_rows_is_refused_before_the_forms_are_built(personas, client_for):
    url = reverse("households:household_add") + "?village=530921201200"

    response = client_for(personas["village_clerk"]).post(
        url, {"members-TOTAL_FORMS": "99999999999999999999999", "members-INITIAL_FORMS": "0"}
    )

    assert response.status_code == 400
    assert "members-TOTAL_FORMS" in response.content.decode()
