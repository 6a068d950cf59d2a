"""The household exit procedure through its services: the whole year, and every refusal."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from exits import exit_services as s
from exits.exit_choices import ExitState
from exits.models import ExitCase, ExitEvent, FrozenYear
from households.choices import HouseholdStatus
from households.models import Household, Member
from identification import services as identification
from identification.choices import CaseState, NoticeState
from identification.models import Notice
from identification.services import Vote
from tests.exits.exit.conftest import CHECKLIST, DAY, SHILI, XINHUA, YEAR, case_notice, draft_notice, registered, walk

pytestmark = pytest.mark.django_db


def test_a_household_exits_through_every_step_and_keeps_the_year(personas, proposed):
    # when
    case = walk(proposed, personas["superuser"], "filed")

    # then
    household = Household.objects.get(pk=case.household_id)
    assert (household.status, household.exit_year) == (HouseholdStatus.EXITED, YEAR)
    steps = list(ExitEvent.objects.filter(case=case).values_list("transition", flat=True))
    assert steps == [
        "propose", "record_village_appraisal", "record_home_verification", "record_acknowledgement",
        "post_publicity", "conclude_publicity", "record_township_review", "approve", "announce",
        "record_city_filing", "record_province_filing",
    ]  # fmt: skip
    verification = ExitEvent.objects.get(case=case, transition="record_home_verification").record
    assert verification["checklist"] == CHECKLIST
    assert (verification["income_per_capita"], verification["line"]) == ("5450.00", "4000.00")
    acknowledgement = ExitEvent.objects.get(case=case, transition="record_acknowledgement").record
    assert acknowledgement == {"signed_by": "杨大山", "signed_on": "2026-01-10"}


def test_the_proposal_marks_the_household_pre_exit(personas, proposed):
    assert proposed.household.status == HouseholdStatus.PRE_EXIT
    assert proposed.previous_status == HouseholdStatus.REGISTERED
    assert ObjectChange.objects.filter(object_pk=str(proposed.household_id), after__status="pre_exit").exists()


def test_bulk_proposal_answers_per_household(personas, household):
    # given: one of the township, one applicant, one of another township
    applicant = registered(personas["superuser"], SHILI, offset=1)
    Household.objects.filter(pk=applicant.pk).update(status=HouseholdStatus.APPLICANT)
    elsewhere = registered(personas["superuser"], XINHUA, offset=2)

    # when
    result = s.propose_exits(
        actor=personas["township_reviewer"], year=YEAR, household_ids=[household.pk, applicant.pk, elsewhere.pk]
    )

    # then
    assert result.succeeded == [household.pk]
    assert result.codes == {applicant.pk: "wrong_status", elsewhere.pk: "not_found"}
    assert Household.objects.get(pk=applicant.pk).status == HouseholdStatus.APPLICANT


def test_a_clerk_cannot_propose_and_nothing_changes(personas, household):
    result = s.propose_exits(actor=personas["village_clerk"], year=YEAR, household_ids=[household.pk])
    assert result.codes == {household.pk: "forbidden"}
    assert not ExitCase.objects.exists()
    assert Household.objects.get(pk=household.pk).status == HouseholdStatus.REGISTERED


def test_a_household_is_proposed_once_a_year(personas, proposed):
    Household.objects.filter(pk=proposed.household_id).update(status=HouseholdStatus.REGISTERED)
    result = s.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[proposed.household_id])
    assert result.codes == {proposed.household_id: "conflict"}


def test_approval_is_refused_when_income_fell_under_the_line(personas, proposed):
    # given: the case reached the county, then the household's income was corrected downwards
    case = walk(proposed, personas["superuser"], "township_reviewed")
    Household.objects.filter(pk=case.household_id).update(net_income_per_capita=Decimal("3800"))

    # when
    with pytest.raises(ServiceError) as refused:
        s.approve(actor=personas["county_officer"], case_id=case.pk)

    # then
    assert refused.value.code == "criteria_not_met"
    assert "3800" in refused.value.message and "4000" in refused.value.message
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED


@pytest.mark.parametrize(
    ("income", "approved"),
    [
        pytest.param("4000.00", False, id="at_the_line_case"),  # not above the line of 4,000 in force
        pytest.param("4000.01", True, id="one_cent_above_case"),
    ],
)
def test_exit_needs_income_above_the_line_not_at_it(personas, proposed, income, approved):
    case = walk(proposed, personas["superuser"], "township_reviewed")
    Household.objects.filter(pk=case.household_id).update(net_income_per_capita=Decimal(income))

    if approved:
        assert s.approve(actor=personas["county_officer"], case_id=case.pk).state == ExitState.COUNTY_APPROVED
    else:
        with pytest.raises(ServiceError) as refused:
            s.approve(actor=personas["county_officer"], case_id=case.pk)
        assert refused.value.code == "criteria_not_met"
        assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED


@pytest.mark.parametrize(
    ("born", "out_of_school_counts"),
    [
        pytest.param(datetime.date(YEAR - 16, 12, 31), False, id="sixteen_on_the_last_day_case"),
        pytest.param(datetime.date(YEAR - 15, 1, 1), True, id="fifteen_on_the_last_day_case"),
        pytest.param(datetime.date(YEAR - 6, 12, 31), True, id="six_on_the_last_day_case"),
        pytest.param(datetime.date(YEAR - 5, 1, 1), False, id="five_on_the_last_day_case"),
    ],
)
def test_a_child_out_of_school_fails_the_bar_only_aged_6_to_15_at_the_years_end(
    personas, household, born, out_of_school_counts
):
    # a member not at school (01), aged on 31 December of the exit year
    Member.objects.filter(household=household, position=3).update(birth_date=born, school_status="01")

    verdict = s.assess(Household.objects.get(pk=household.pk), YEAR)

    assert verdict.items["education"] is not out_of_school_counts
    assert verdict.passes is not out_of_school_counts


def test_approval_is_refused_when_the_checklist_has_a_gap(personas, proposed):
    # given: a member's medical insurance lapsed after the township's review
    case = walk(proposed, personas["superuser"], "township_reviewed")
    Member.objects.filter(household_id=case.household_id, position=2).update(has_medical_insurance=False)

    # when
    with pytest.raises(ServiceError) as refused:
        s.approve(actor=personas["county_officer"], case_id=case.pk)

    # then
    assert refused.value.code == "criteria_not_met"
    assert "医疗" in refused.value.message or "medical" in refused.value.message
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED


def test_a_verification_with_a_gap_is_kept_and_stops_the_publicity(personas, proposed):
    # given
    case = walk(proposed, personas["superuser"], "village_appraised")
    case = s.record_home_verification(
        actor=personas["village_clerk"],
        case_id=case.pk,
        visited_on=DAY,
        checklist={**CHECKLIST, "housing": False},
        income_per_capita=Decimal("3000"),
        verifiers="张三",
    )
    case = s.record_acknowledgement(actor=personas["village_clerk"], case_id=case.pk, signed_by="杨大山", signed_on=DAY)

    # when
    with pytest.raises(ServiceError) as refused:
        draft_notice(personas["township_reviewer"], case)

    # then
    assert refused.value.code == "criteria_not_met"
    assert not Notice.objects.exists()
    assert len(ExitCase.objects.get(pk=case.pk).failures) == 2
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.ACKNOWLEDGED


def test_the_publicity_cannot_be_concluded_early(personas, proposed):
    case = walk(proposed, personas["superuser"], "in_publicity")
    notice = case_notice(case)
    assert notice.ends_on == DAY + datetime.timedelta(days=6)
    with pytest.raises(ServiceError) as refused:
        identification.conclude_notice(actor=personas["township_reviewer"], notice_id=notice.pk, today=notice.ends_on)
    assert refused.value.code == "too_early"
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.IN_PUBLICITY
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.POSTED


def test_an_open_objection_holds_the_publicity_and_an_upheld_one_sends_the_case_back(personas, proposed):
    # given
    case = walk(proposed, personas["superuser"], "in_publicity")
    reviewer = personas["township_reviewer"]
    notice = case_notice(case)
    objection = identification.record_objection(
        actor=reviewer, notice_id=notice.pk, case_id=case.publicity_case_id, raised_by="村民王五", received_on=DAY,
        channel="in_person", content="收入不实",
    )  # fmt: skip

    # then: not concluded while open
    with pytest.raises(ServiceError) as refused:
        identification.conclude_notice(actor=reviewer, notice_id=notice.pk, today=DAY + datetime.timedelta(days=30))
    assert refused.value.code == "open_objections"
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.IN_PUBLICITY

    # when upheld
    identification.resolve_objection(actor=reviewer, objection_id=objection.pk, uphold=True, resolution="核实属实")

    # then: the exit goes back to the home verification, with the step in its record
    case.refresh_from_db()
    assert case.state == ExitState.VILLAGE_APPRAISED
    assert case.publicity_case.state == CaseState.GROUP_DISCUSSED
    upheld = ExitEvent.objects.get(case=case, transition="objection_upheld")
    assert (upheld.from_state, upheld.reason, upheld.record["objection"]) == ("in_publicity", "核实属实", objection.pk)


def test_a_failed_vote_withdraws_the_case_and_restores_the_status(personas, proposed):
    case = s.record_village_appraisal(
        actor=personas["village_clerk"], case_id=proposed.pk, meeting_date=DAY, vote=Vote(30, 24, 10, 12)
    )
    assert case.state == ExitState.WITHDRAWN
    assert Household.objects.get(pk=case.household_id).status == HouseholdStatus.REGISTERED


@pytest.mark.parametrize(
    ("vote", "state"),
    [
        pytest.param(Vote(30, 20, 11, 9), ExitState.VILLAGE_APPRAISED, id="more_than_half_of_a_two_thirds_quorum_case"),
        pytest.param(Vote(30, 20, 10, 10), ExitState.WITHDRAWN, id="exactly_half_case"),
    ],
)
def test_the_exit_vote_passes_with_more_than_half_of_those_present(personas, proposed, vote, state):
    case = s.record_village_appraisal(actor=personas["village_clerk"], case_id=proposed.pk, meeting_date=DAY, vote=vote)
    assert case.state == state
    assert ExitCase.objects.get(pk=proposed.pk).state == state


def test_withdrawal_needs_a_reason_and_restores_the_status(personas, proposed):
    with pytest.raises(ServiceError) as no_reason:
        s.withdraw(actor=personas["township_reviewer"], case_id=proposed.pk, reason=" ")
    assert (no_reason.value.code, no_reason.value.field) == ("reason_required", "reason")
    case = s.withdraw(actor=personas["township_reviewer"], case_id=proposed.pk, reason="务工收入不稳定")
    assert (case.state, case.closing_reason) == (ExitState.WITHDRAWN, "务工收入不稳定")
    assert Household.objects.get(pk=case.household_id).status == HouseholdStatus.REGISTERED


def test_steps_check_role_and_scope(personas, proposed):
    with pytest.raises(Http404):
        s.record_village_appraisal(
            actor=personas["charlie"], case_id=proposed.pk, meeting_date=DAY, vote=Vote(30, 24, 20, 3)
        )
    with pytest.raises(PermissionDenied):
        s.record_village_appraisal(
            actor=personas["county_officer"], case_id=proposed.pk, meeting_date=DAY, vote=Vote(30, 24, 20, 3)
        )
    assert ExitCase.objects.get(pk=proposed.pk).version == proposed.version


def test_a_stale_version_is_refused(personas, proposed):
    s.record_village_appraisal(
        actor=personas["village_clerk"], case_id=proposed.pk, meeting_date=DAY, vote=Vote(30, 24, 20, 3),
        version=proposed.version,
    )  # fmt: skip
    with pytest.raises(Conflict) as refused:
        s.record_home_verification(
            actor=personas["village_clerk"], case_id=proposed.pk, visited_on=DAY, checklist=CHECKLIST,
            income_per_capita=Decimal("5450"), verifiers="张三", version=proposed.version,
        )  # fmt: skip
    assert refused.value.code == "stale"


def test_an_exit_step_in_a_frozen_year_is_refused(personas, proposed):
    FrozenYear.objects.create(county_id="530921000000", year=YEAR, frozen_by=personas["superuser"])
    with pytest.raises(ServiceError) as refused:
        s.record_village_appraisal(
            actor=personas["village_clerk"], case_id=proposed.pk, meeting_date=DAY, vote=Vote(30, 24, 20, 3)
        )
    assert refused.value.code == "frozen_year"
    assert ExitCase.objects.get(pk=proposed.pk).state == ExitState.PROPOSED


def test_exited_households_keep_their_pairing_and_plan(personas, proposed):
    # given: a responsible cadre and a plan
    from assistance import services as assistance
    from assistance.models import Pairing, Plan

    root = personas["superuser"]
    cadre = assistance.create_cadre(
        actor=root, county_code="530921000000", name="赵干部", unit="县农业局", starts_on=datetime.date(2025, 1, 1)
    )
    assistance.assign_cadre(actor=root, household_id=proposed.household_id, cadre_id=cadre.pk, starts_on=DAY)
    assistance.save_plan(actor=root, household_id=proposed.household_id, year=YEAR, planned_exit_year=YEAR)

    # when
    case = walk(proposed, root, "filed")

    # then: the transition period keeps the pairing and the plan as they were
    assert Household.objects.get(pk=case.household_id).status == HouseholdStatus.EXITED
    assert Pairing.objects.get(household_id=case.household_id).ends_on is None
    assert Plan.objects.filter(household_id=case.household_id, year=YEAR).exists()


def test_bulk_steps_answer_per_case(personas, proposed, household):
    other = registered(personas["superuser"], offset=3)
    s.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[other.pk])
    first = walk(proposed, personas["superuser"], "township_reviewed")
    second = ExitCase.objects.get(household=other)

    result = s.advance_many(actor=personas["county_officer"], case_ids=[first.pk, second.pk], step="approve")

    assert result.succeeded == [first.pk]
    assert result.codes == {second.pk: "wrong_step"}


def test_a_form_opened_before_the_proposal_cannot_write_the_old_status_back(personas, household):
    # given: the clerk opened the form at this version, then the township proposed the exit
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    opened = household.version
    s.propose_exits(actor=personas["township_reviewer"], year=YEAR, household_ids=[household.pk])

    # when
    with pytest.raises(Conflict) as refused:
        save_household(
            actor=personas["village_clerk"], household_id=household.pk, expected_version=opened,
            fields=household_input(), members=family_of_four(),
        )  # fmt: skip
    assert refused.value.code == "stale"

    # then
    assert Household.objects.get(pk=household.pk).status == HouseholdStatus.PRE_EXIT
