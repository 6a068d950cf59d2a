"""Resident ID numbers: every failure has its reason (DOMAIN.md section 4.1)."""

import datetime
import zoneinfo

import pytest

from households.idnumbers import age_on, build_id_number, check_id_number, convert_15_to_18, mask_id_number

TODAY = datetime.date(2026, 11, 24)


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_documented_examples_pass(number):
    result = check_id_number(number, today=TODAY)
    assert result.is_valid
    assert result.number == number


def test_lowercase_x_is_normalised_and_facts_derived():
    result = check_id_number(" 11010519491231002x ", today=TODAY)
    assert result.number == "11010519491231002X"
    assert result.birth_date == datetime.date(1949, 12, 31)
    assert result.gender == "2"  # sequence 002: even
    assert age_on(result.birth_date, TODAY) == 76


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        pytest.param("11010519491231002", "18", id="too_short_case"),
        pytest.param("1101051949123100X2", "digits", id="x_in_the_middle_case"),
        pytest.param("110105194902300021", "not a real date", id="impossible_date_case"),
        pytest.param(build_id_number("530921", datetime.date(2027, 1, 1), 11), "future", id="future_date_case"),
        pytest.param("110105194912310021", "check character", id="wrong_check_case"),
        pytest.param("", "Enter", id="empty_case"),
    ],
)
def test_each_failure_says_why(number, reason, english):
    result = check_id_number(number, today=TODAY)
    assert not result.is_valid
    assert reason in result.errors[0]


def test_the_wrong_check_character_names_the_right_one(english):
    result = check_id_number("110105194912310021", today=TODAY)
    assert "X" in result.errors[0]


def test_fifteen_digit_numbers_convert_with_19_and_a_check_character():
    assert convert_15_to_18("110105491231002") == "11010519491231002X"
    result = check_id_number("110105491231002", today=TODAY)
    assert result.converted_from_15
    assert result.number == "11010519491231002X"


def test_an_unknown_address_code_is_a_warning_not_an_error():
    result = check_id_number("11010519491231002X", today=TODAY, known_address_codes={"530921"})
    assert result.is_valid
    assert result.warnings


def test_masking_keeps_six_and_four():
    assert mask_id_number("53092119700315011X") == "530921********011X"
    assert mask_id_number("") == ""


@pytest.mark.time_machine(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=zoneinfo.ZoneInfo("UTC")), tick=False)
def test_a_child_born_today_in_china_is_not_born_in_the_future_on_a_server_in_utc():
    # 00:30 on 1 January 2027 in China (TIME_ZONE); the server's own zone, UTC, is a day behind
    number = build_id_number("530921", datetime.date(2027, 1, 1), 11)

    result = check_id_number(number)

    assert datetime.date.today() == datetime.date(2026, 12, 31)  # noqa: DTZ011 -- the server's own day
    assert result.is_valid, result.errors
