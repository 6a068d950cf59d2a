"""Registering and correcting households: what is stored, what is refused, what is recorded."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from households.models import Household, Member, QualityFinding
from households.services import HouseholdInvalid, finding_key, reveal_id_number, save_household
from tests.households.conftest import KONGXING, family_of_four, household_input, person


def test_a_new_household_gets_its_number_figures_and_history(personas):
    clerk = personas["village_clerk"]

    result = save_household(actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four())

    household = result.household
    assert household.household_no == "5309212012000001"
    assert (household.household_size, household.head_name) == (4, "杨大山")
    assert household.net_income == Decimal("4200.00")  # 2400 + 1500 + 600 − 300
    assert household.net_income_per_capita == Decimal("1050.00")
    assert [m.gender for m in household.members.order_by("position")] == ["1", "2", "1", "2"]
    assert household.members.get(position=1).birth_date == datetime.date(1970, 3, 15)
    change = ObjectChange.objects.get(object_pk=str(household.pk))
    assert (change.action, change.actor_username, change.area_code) == ("create", clerk.username, KONGXING)
    assert len(change.after["members"]) == 4


def test_household_numbers_count_up_per_village(personas):
    clerk = personas["village_clerk"]
    first = save_household(
        actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four(0)
    ).household
    second = save_household(
        actor=clerk, village_code=KONGXING, fields=household_input(), members=family_of_four(1)
    ).household
    assert (first.household_no, second.household_no) == ("5309212012000001", "5309212012000002")


def test_a_wrong_check_character_is_refused_next_to_the_member_and_nothing_is_written(personas, english):
    members = family_of_four()
    members[2]["id_number"] = members[2]["id_number"][:17] + ("0" if members[2]["id_number"][17] != "0" else "1")

    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=members
        )

    assert list(refused.value.member_errors) == [2]
    assert "check character" in refused.value.member_errors[2]["id_number"][0]
    assert Household.objects.count() == 0 and Member.objects.count() == 0


def test_a_fifteen_digit_number_needs_the_clerks_confirmation(personas):
    members = family_of_four()
    members[0]["id_number"] = "530921700315011"

    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=members
        )
    members[0]["confirm_conversion"] = True
    household = save_household(
        actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=members
    ).household

    assert "530921197003150110"[:17] in refused.value.member_errors[0]["id_number"][0]
    assert household.members.get(position=1).id_number.startswith("53092119700315011")


def test_a_gender_that_contradicts_the_id_number_is_refused(personas):
    members = family_of_four()
    members[0]["gender"] = "2"
    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=members
        )
    assert "gender" in refused.value.member_errors[0]


def test_the_same_person_twice_in_one_household_is_refused(personas):
    members = family_of_four()
    members[3]["id_number"] = members[2]["id_number"]
    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=members
        )
    assert refused.value.member_errors[3]["id_number"]


def test_a_person_registered_in_scope_is_named_by_household_number(personas, saved_household):
    members = family_of_four(1)
    members[1]["id_number"] = saved_household.members.get(position=2).id_number

    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["township_reviewer"], village_code="530921201201", fields=household_input(), members=members
        )

    assert saved_household.household_no in refused.value.member_errors[1]["id_number"][0]


def test_a_person_registered_outside_scope_is_told_neither_household_nor_area(personas, saved_household, english):
    members = family_of_four(1)
    members[1]["id_number"] = saved_household.members.get(position=2).id_number

    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["charlie"], village_code="530921202200", fields=household_input(), members=members
        )

    message = refused.value.member_errors[1]["id_number"][0]
    assert message == "This ID number cannot be used here; the county office resolves it."


def test_negative_income_is_refused(personas):
    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"],
            village_code=KONGXING,
            fields=household_input(wage_income=Decimal("-1")),
            members=family_of_four(),
        )
    assert "wage_income" in refused.value.errors


def test_irrigated_land_above_cultivated_land_is_refused(personas):
    with pytest.raises(HouseholdInvalid) as refused:
        save_household(
            actor=personas["village_clerk"],
            village_code=KONGXING,
            fields=household_input(irrigated_land_mu=Decimal("9")),
            members=family_of_four(),
        )
    assert "irrigated_land_mu" in refused.value.errors


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        pytest.param(lambda m: m[1].update(relation="01"), "head_count", id="two_heads_case"),
        pytest.param(lambda m: m[0].update(relation="99"), "head_count", id="no_head_case"),
    ],
)
def test_quality_errors_allow_a_draft_and_refuse_submission(personas, change, rule):
    members = family_of_four()
    change(members)
    clerk = personas["village_clerk"]

    draft = save_household(actor=clerk, village_code=KONGXING, fields=household_input(), members=members)
    with pytest.raises(ServiceError) as refused:
        save_household(
            actor=clerk, household_id=draft.household.pk, expected_version=1, fields={}, members=[], submit=True
        )

    assert rule in {f.rule for f in draft.findings}
    assert refused.value.code == "not_submittable"
    assert Household.objects.get(pk=draft.household.pk).entry_state == "draft"
    assert Household.objects.get(pk=draft.household.pk).version == 1


def test_other_causes_repeating_the_main_cause_block_submission(personas):
    result = save_household(
        actor=personas["village_clerk"],
        village_code=KONGXING,
        fields=household_input(other_causes=["01"]),
        members=family_of_four(),
    )
    assert "other_causes" in {f.rule for f in result.findings}
    assert result.household.quality_errors >= 1


def test_warnings_need_a_confirming_note_before_submission(personas):
    clerk = personas["village_clerk"]
    rich = household_input(wage_income=Decimal("40000"))
    draft = save_household(actor=clerk, village_code=KONGXING, fields=rich, members=family_of_four()).household
    warning = QualityFinding.objects.get(household=draft, rule="income_above_line")

    with pytest.raises(ServiceError) as refused:
        save_household(actor=clerk, household_id=draft.pk, expected_version=1, fields={}, members=[], submit=True)
    submitted = save_household(
        actor=clerk,
        household_id=draft.pk,
        expected_version=1,
        fields={},
        members=[],
        submit=True,
        notes={finding_key(warning): "家中两人长期患病，收入不稳定，经村民代表会议核实"},
    ).household

    assert refused.value.code == "not_submittable"
    assert [w["rule"] for w in refused.value.details["warnings"]] == ["income_above_line"]
    assert submitted.entry_state == "submitted"
    assert QualityFinding.objects.get(pk=warning.pk).note.startswith("家中两人")


def test_a_stale_version_is_refused_naming_who_changed_what(personas, saved_household):
    clerk, reviewer = personas["village_clerk"], personas["township_reviewer"]
    save_household(
        actor=reviewer,
        household_id=saved_household.pk,
        expected_version=1,
        fields={"wage_income": Decimal("3000")},
        members=[],
    )

    with pytest.raises(Conflict) as refused:
        save_household(
            actor=clerk,
            household_id=saved_household.pk,
            expected_version=1,
            fields={"phone": "0883-1234567"},
            members=[],
        )

    assert refused.value.code == "stale"
    assert reviewer.username in refused.value.message and "工资性收入" in refused.value.message
    stored = Household.objects.get(pk=saved_household.pk)
    assert (stored.version, stored.wage_income, stored.phone) == (2, Decimal("3000.00"), "")


def test_a_member_leaves_with_a_reason_and_is_kept(personas, saved_household):
    clerk = personas["village_clerk"]
    daughter = saved_household.members.get(position=4)

    with pytest.raises(HouseholdInvalid):
        save_household(
            actor=clerk,
            household_id=saved_household.pk,
            expected_version=1,
            fields={},
            members=[{"id": daughter.pk, "remove": True}],
        )
    household = save_household(
        actor=clerk,
        household_id=saved_household.pk,
        expected_version=1,
        fields={},
        members=[{"id": daughter.pk, "remove": True, "change_reason": "02"}],
    ).household

    daughter.refresh_from_db()
    assert (daughter.is_active, daughter.change_reason) == (False, "02")
    assert household.household_size == 3
    assert household.net_income_per_capita == Decimal("1400.00")


def test_a_clerk_of_another_village_gets_404_and_a_city_inspector_403(personas, saved_household):
    with pytest.raises(Http404):
        save_household(
            actor=personas["charlie"], household_id=saved_household.pk, expected_version=1, fields={}, members=[]
        )
    with pytest.raises(PermissionDenied):
        save_household(
            actor=personas["city_inspector"], household_id=saved_household.pk, expected_version=1, fields={}, members=[]
        )
    with pytest.raises(Http404):
        save_household(
            actor=personas["village_clerk"],
            village_code="530921201201",
            fields=household_input(),
            members=family_of_four(),
        )


def test_revealing_an_id_number_is_logged_without_the_number(personas, saved_household):
    member = saved_household.members.get(position=1)

    number = reveal_id_number(actor=personas["township_reviewer"], member_id=member.pk)

    assert number == member.id_number
    change = ObjectChange.objects.get(action="reveal")
    assert change.actor_username == personas["township_reviewer"].username
    assert member.id_number not in str(change.after)
    with pytest.raises(PermissionDenied):
        reveal_id_number(actor=personas["city_inspector"], member_id=member.pk)
    with pytest.raises(Http404):
        reveal_id_number(actor=personas["charlie"], member_id=member.pk)


def test_a_new_member_of_an_existing_household(personas, saved_household):
    baby = person("杨小宝", "07", datetime.date(2026, 3, 1), 15, change_reason="06")
    household = save_household(
        actor=personas["village_clerk"], household_id=saved_household.pk, expected_version=1, fields={}, members=[baby]
    ).household
    assert household.household_size == 5
    assert household.members.get(name="杨小宝").change_reason == "06"
