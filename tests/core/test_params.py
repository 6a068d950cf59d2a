"""Crafted request parameters answer 400 with the reason, never a server error (issue "Security
defects found by probing", defect 6): the readers of core.params, the NUL check of every query
string and form body (core.middleware.BadRequestMiddleware) and of every JSON body
(core.parsers.JSONParser). tests/matrix/test_fuzz.py sends the same values to every route."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.params import InvalidParameter, ascii_digits, bounded_int, clean_text, finite_decimal, object_id, year


@pytest.mark.parametrize("value", ["²", "١٢", "12a", "-1", " 5309 21", "9" * 16, "\x00"])
def test_ascii_digits_refuse_what_is_not_ascii_digits(value):
    with pytest.raises(InvalidParameter) as refused:
        ascii_digits(value, "village")
    assert refused.value.code == "invalid_parameter"
    assert refused.value.field == "village"


def test_ascii_digits_take_a_code_and_leave_an_absent_one_empty():
    assert ascii_digits(" 530921 ", "village") == "530921"
    assert ascii_digits(None, "village") == ascii_digits("", "village") == ""


@pytest.mark.parametrize("value", ["²", "١٢", "nan", "1e999", "1.5", "-1", "99999999999999999999999", "9" * 10_000])
def test_object_ids_are_ascii_whole_numbers_of_a_bigint(value):
    with pytest.raises(InvalidParameter) as refused:
        object_id(value, "household")
    assert refused.value.code == "invalid_parameter"
    assert refused.value.field == "household"


def test_bounded_numbers_keep_their_range_and_default():
    assert object_id("42", "household") == 42
    assert object_id("", "household") is None
    assert bounded_int("-3", "offset", minimum=-5, maximum=5) == -3
    assert year("", default=2026) == 2026
    with pytest.raises(InvalidParameter):
        year("1999")
    with pytest.raises(InvalidParameter):
        bounded_int("6", "offset", minimum=-5, maximum=5)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-Infinity", "1e999", "sNaN", "１２", "²", "9" * 50])
def test_amounts_are_finite_ascii_decimals(value):
    with pytest.raises(InvalidParameter) as refused:
        finite_decimal(value, "wage_income")
    assert refused.value.code == "invalid_parameter"


def test_an_amount_reads_as_a_decimal():
    assert finite_decimal(" 1200.50 ", "wage_income") == Decimal("1200.50")
    assert finite_decimal("", "wage_income", default=Decimal("0")) == Decimal("0")


def test_text_refuses_a_nul_byte_and_a_length_past_its_limit():
    assert clean_text(" 杨 ", "q") == "杨"
    for value in ("a\x00b", "x" * 201):
        with pytest.raises(InvalidParameter) as refused:
            clean_text(value, "q")
        assert refused.value.code == "invalid_parameter"


# --- through the pages and the API --------------------------------------------------------------


def test_a_nul_byte_in_a_query_string_is_refused_before_the_view(personas, client_for, api_for):
    page = client_for(personas["auditor"]).get(reverse("core:change_list"), {"actor": "a\x00"})
    api = api_for(personas["auditor"]).get(reverse("api:area-list"), {"q": "\x00"})

    assert page.status_code == 400
    assert "空字符" in page.content.decode()
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "invalid_parameter"
    assert api.json()["error"]["fields"] == {"q": [api.json()["error"]["message"]]}


def test_a_nul_byte_in_a_form_body_is_refused(personas, client_for):
    response = client_for(personas["village_clerk"]).post(
        reverse("households:check_id"), {"members-0-id_number": "\x00"}
    )

    assert response.status_code == 400


def test_a_nul_byte_in_the_token_endpoints_json_is_refused_as_a_parameter(personas, api_for):
    response = api_for(None).post(
        reverse("api:auth_token"), {"username": "nobody\x00", "password": "a-long-test-password-1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"
    assert list(response.json()["error"]["fields"]) == ["username"]
