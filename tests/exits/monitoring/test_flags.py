"""Attention flags: each kind raised on the right households, cleared when the condition goes,
set-based (the same number of queries for 3 or 30 households), and one step to an alert."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from exits.models import AttentionFlag, MonitoringCase
from exits.monitoring_flags import refresh_flags, start_from_flag
from households.models import Household, HouseholdYear, Member
from tests.exits.monitoring.conftest import TODAY, make_household

pytestmark = pytest.mark.django_db

COUNTY = "530921000000"


def _open(kind):
    return set(AttentionFlag.objects.filter(kind=kind, cleared_at__isnull=True).values_list("household_id", flat=True))


def test_low_income_under_the_monitoring_line_is_flagged_for_non_registered_households(personas, poverty_line):
    # given: income per person 1,050 against a line of 6,000
    poor_exited = make_household(personas, 1, status="exited")
    registered = make_household(personas, 2, status="registered")
    comfortable = make_household(personas, 3, status="applicant")
    Household.objects.filter(pk=comfortable.pk).update(net_income_per_capita=Decimal("6000.00"))

    # when
    result = refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    # then: the registered household is already looked after; 6,000 is not under 6,000
    assert _open("low_income") == {poor_exited.pk}
    assert result.raised["low_income"] == 1
    flag = AttentionFlag.objects.get(kind="low_income")
    assert flag.detail == {"income": "1050.00", "line": "6000.00"}
    assert registered.pk not in _open("dangerous_house")


@pytest.mark.parametrize(
    ("income", "flagged"),
    [pytest.param("5999.99", True, id="one_cent_under_case"), pytest.param("6000.00", False, id="at_the_line_case")],
)
def test_low_income_is_flagged_one_cent_under_the_monitoring_line(personas, poverty_line, income, flagged):
    household = make_household(personas, 1, status="exited")
    Household.objects.filter(pk=household.pk).update(net_income_per_capita=Decimal(income))

    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    assert _open("low_income") == ({household.pk} if flagged else set())


def test_a_sharp_fall_of_income_against_the_frozen_year_before(personas, poverty_line, settings):
    settings.MONITORING_INCOME_FALL_SHARE = "0.3"
    fell = make_household(personas, 1, status="exited")  # 1,050 now
    steady = make_household(personas, 2, status="exited")
    HouseholdYear.objects.create(
        household=fell, year=2025, area_code=fell.village_id, status="exited", household_size=4,
        net_income_per_capita=Decimal("1500.01"), data={},
    )  # fmt: skip
    HouseholdYear.objects.create(
        household=steady, year=2025, area_code=steady.village_id, status="exited", household_size=4,
        net_income_per_capita=Decimal("1500.00"), data={},
    )  # fmt: skip

    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    # 1,050 ≤ 0.7 × 1,500.01 = 1,050.007, but not ≤ 0.7 × 1,500 = 1,050 … exactly 1,050 is a 30 % fall
    assert _open("income_fall") == {fell.pk, steady.pk}
    settings.MONITORING_INCOME_FALL_SHARE = "0.31"
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    assert _open("income_fall") == set()


def test_a_member_newly_seriously_ill_is_flagged_but_not_one_ill_the_year_before(personas):
    newly = make_household(personas, 1, status="exited")
    already = make_household(personas, 2, status="exited")
    new_patient = newly.members.get(position=2)
    old_patient = already.members.get(position=2)
    Member.objects.filter(pk__in=[new_patient.pk, old_patient.pk]).update(health="03")
    for household, health in ((newly, "01"), (already, "03")):
        member = household.members.get(position=2)
        HouseholdYear.objects.create(
            household=household, year=2025, area_code=household.village_id, status="exited", household_size=4,
            net_income_per_capita=Decimal("1050"), data={"members": [{"id": member.pk, "health": health}]},
        )  # fmt: skip

    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    flags = AttentionFlag.objects.filter(kind="new_illness")
    assert [(f.household_id, f.member_id) for f in flags] == [(newly.pk, new_patient.pk)]


def test_a_dangerous_house_is_flagged_and_cleared_once_repaired(personas):
    household = make_household(personas, 1, status="applicant", housing_safety="03")
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    assert _open("dangerous_house") == {household.pk}

    Household.objects.filter(pk=household.pk).update(housing_safety="01")
    result = refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    assert result.cleared["dangerous_house"] == 1
    assert _open("dangerous_house") == set()
    assert AttentionFlag.objects.filter(kind="dangerous_house", cleared_at__isnull=False).count() == 1  # kept


def test_a_second_refresh_raises_nothing_new(personas, poverty_line):
    make_household(personas, 1, status="exited", housing_safety="02")
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    again = refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    assert sum(again.raised.values()) == 0
    assert AttentionFlag.objects.count() == 2


def _bulk_households(count: int, start: int) -> None:
    """Households straight into the table (the refresh reads columns only), each flagged on every kind."""
    rows = [
        Household(
            household_no=f"530921201200{start + n:04d}", village_id="530921201200", survey_year=2026,
            status="exited", net_income_per_capita=Decimal("900"), housing_safety="02", household_size=1,
        )
        for n in range(count)
    ]  # fmt: skip
    Household.objects.bulk_create(rows)
    created = Household.objects.filter(household_no__in=[r.household_no for r in rows])
    HouseholdYear.objects.bulk_create(
        HouseholdYear(
            household=h, year=2025, area_code=h.village_id, status="exited", household_size=1,
            net_income_per_capita=Decimal("3000"), data={},
        )
        for h in created
    )  # fmt: skip
    Member.objects.bulk_create(
        Member(
            household=h, area_code=h.village_id, position=1, name="某", gender="1", id_number=f"X{h.pk:017d}",
            relation="01", health="04",
        )
        for h in created
    )  # fmt: skip


def test_the_refresh_takes_the_same_number_of_queries_for_any_number_of_households(
    personas, poverty_line, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _bulk_households(3, 1)
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)  # grants, content types cached
    AttentionFlag.objects.all().delete()
    with CaptureQueriesContext(connection) as small:
        refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    _bulk_households(40, 100)
    AttentionFlag.objects.all().delete()

    with django_assert_num_queries(len(small.captured_queries)):
        result = refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)

    assert result.raised == {"low_income": 43, "income_fall": 43, "new_illness": 43, "dangerous_house": 43}


def test_refresh_refuses_out_of_scope_and_roles_without_review_or_approval(personas):
    with pytest.raises(Http404):
        refresh_flags(actor=personas["charlie"], area_code="530921201000")
    with pytest.raises(PermissionDenied):
        refresh_flags(actor=personas["village_clerk"], area_code="530921201200")
    with pytest.raises(PermissionDenied):
        refresh_flags(actor=personas["auditor"], area_code=COUNTY)


def test_a_flag_starts_an_alert_in_one_step_and_the_next_refresh_clears_it(personas, poverty_line):
    household = make_household(personas, 1, status="exited")
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    flag = AttentionFlag.objects.get(kind="low_income")

    case = start_from_flag(actor=personas["village_clerk"], flag_id=flag.pk, today=TODAY)

    assert (case.household_id, case.kind, case.channel, case.flag_id) == (
        household.pk, "unstable_exited", "data_analysis", flag.pk,
    )  # fmt: skip
    assert case.alert_note == "系统提示：人均纯收入1050.00元，低于监测线6000.00元。"
    refresh_flags(actor=personas["county_officer"], area_code=COUNTY, year=2026)
    assert _open("low_income") == set()  # the household is now in a case
    with pytest.raises(Http404):  # a cleared flag starts nothing
        start_from_flag(actor=personas["village_clerk"], flag_id=flag.pk, today=TODAY)
    with pytest.raises(Http404):
        start_from_flag(actor=personas["charlie"], flag_id=flag.pk, today=TODAY)
    assert MonitoringCase.objects.count() == 1


def test_the_command_refreshes_an_area_as_the_system(personas, poverty_line):
    from io import StringIO

    from django.core.management import CommandError, call_command

    make_household(personas, 1, status="exited")
    out = StringIO()
    call_command("refresh_attention_flags", COUNTY, "--year", "2026", stdout=out)
    assert "low_income: 1 raised, 0 cleared" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("refresh_attention_flags", "999999999999", stdout=out)
