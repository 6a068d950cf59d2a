"""The seven steps, the votes, publicity with objections, the county confirmation and the
city's spot-check, as the services enforce them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import Conflict, ServiceError
from households.models import Household
from identification import services
from identification.choices import CaseState
from identification.models import Case, CaseEvent, Quota
from identification.services import Vote
from identification.workflow import TRANSITIONS, return_targets
from tests.conftest import in_2026
from tests.identification.conftest import (
    CHECKLIST,
    COUNTY,
    GOOD_VOTE,
    KONGXING,
    SHILI_TOWNSHIP,
    SIGNATURES,
    YESTERDAY,
    submitted_household,
    walk_to_home_checked,
)

# The clock stands on a day of 2026 (in_2026, tests/conftest.py): the campaign, its meetings and
# publicities are of 2026.
pytestmark = in_2026


def test_every_transition_names_a_known_action_and_goes_forward():
    from areas.choices import Action

    states = [s for s in CaseState.values if s != "rejected"]
    for step in TRANSITIONS:
        assert step.action in Action.values
        assert all(states.index(source) < states.index(step.target) for source in step.sources)
    assert return_targets(CaseState.FIRST_PUBLICIZED) == [
        "applied",
        "group_discussed",
        "village_appraised",
        "home_checked",
    ]


def test_a_household_goes_from_application_to_the_register(personas, campaign):
    household = submitted_household(personas, 0)
    case = walk_to_home_checked(personas, campaign, household)
    reviewer, officer = personas["township_reviewer"], personas["county_officer"]

    first = services.create_notice(
        actor=reviewer,
        campaign_id=campaign.pk,
        kind="first_publicity",
        area_code=KONGXING,
        issued_by="孔兴村委会",
        contact="乡纪委 0883-1234567",
    )
    services.post_notice(
        actor=reviewer, notice_id=first.pk, starts_on=datetime.date(2026, 3, 2), posted_place="村委会公示栏"
    )
    services.conclude_notice(actor=reviewer, notice_id=first.pk, today=datetime.date(2026, 3, 9))
    services.record_township_review(actor=reviewer, case_id=case.pk, checked_in_field=True)
    second = services.create_notice(
        actor=reviewer,
        campaign_id=campaign.pk,
        kind="second_publicity",
        area_code=SHILI_TOWNSHIP,
        issued_by="诗礼乡人民政府",
        contact="0883-7654321",
    )
    services.post_notice(
        actor=reviewer, notice_id=second.pk, starts_on=datetime.date(2026, 3, 10), posted_place="乡政府公示栏"
    )
    services.conclude_notice(actor=reviewer, notice_id=second.pk, today=datetime.date(2026, 3, 17))
    services.confirm(actor=officer, case_id=case.pk, checked_in_field=True)
    announcement = services.create_notice(
        actor=officer,
        campaign_id=campaign.pk,
        kind="announcement",
        area_code=COUNTY,
        issued_by="凤庆县扶贫开发领导小组办公室",
        contact="0883-4210000",
    )
    services.post_notice(
        actor=officer, notice_id=announcement.pk, starts_on=datetime.date(2026, 3, 20), posted_place="县政府网站"
    )

    case.refresh_from_db()
    assert case.state == "announced"
    assert Household.objects.get(pk=household.pk).status == "registered"
    quota = Quota.objects.get(campaign=campaign, area_id=KONGXING)
    assert (quota.used_households, quota.used_people) == (1, 4)
    steps = list(CaseEvent.objects.filter(case=case).values_list("transition", flat=True))
    assert steps == [
        "apply", "record_group_discussion", "record_village_appraisal", "record_home_check", "post_first_publicity",
        "conclude_first_publicity", "record_township_review", "post_second_publicity", "conclude_second_publicity",
        "confirm", "announce",
    ]  # fmt: skip
    vote = CaseEvent.objects.get(case=case, transition="record_village_appraisal").record
    assert (vote["present"], vote["votes_for"]) == (24, 20)


def test_a_step_cannot_be_skipped(personas, campaign):
    case = services.apply(
        actor=personas["village_clerk"],
        campaign_id=campaign.pk,
        household_id=submitted_household(personas, 0).pk,
        informed_on=YESTERDAY(),
    )
    with pytest.raises(ServiceError) as refused:
        services.record_village_appraisal(
            actor=personas["village_clerk"],
            case_id=case.pk,
            meeting_date=YESTERDAY(),
            vote=GOOD_VOTE,
            comparison_read=True,
        )
    assert refused.value.code == "wrong_step"
    assert Case.objects.get(pk=case.pk).state == "applied"


@pytest.mark.parametrize(
    ("vote", "code"),
    [
        pytest.param(Vote(30, 24, 20, 8), "too_many_votes", id="more_votes_than_present_case"),
        pytest.param(Vote(30, 19, 15, 2), "no_quorum", id="under_two_thirds_present_case"),
        pytest.param(Vote(30, 31, 20, 2), "more_present", id="more_present_than_representatives_case"),
    ],
)
def test_an_impossible_vote_is_refused(personas, campaign, vote, code):
    clerk = personas["village_clerk"]
    case = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, 0).pk, informed_on=YESTERDAY()
    )
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=15, recommended=True
    )
    with pytest.raises(ServiceError) as refused:
        services.record_village_appraisal(
            actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), vote=vote, comparison_read=True
        )
    assert refused.value.code == code
    assert Case.objects.get(pk=case.pk).state == "group_discussed"


def _discussed(personas, campaign, offset: int = 0) -> Case:
    """A case past the group discussion, dated from the campaign's opening."""
    clerk = personas["village_clerk"]
    case = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, offset).pk,
        informed_on=campaign.opens_on,
    )  # fmt: skip
    return services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=campaign.opens_on, attendance=15, recommended=True
    )


@pytest.mark.parametrize(
    ("representatives", "present", "quorate"),
    [
        pytest.param(30, 20, True, id="exactly_two_thirds_case"),
        pytest.param(30, 19, False, id="one_short_case"),
        pytest.param(31, 21, True, id="two_thirds_rounded_up_case"),  # 20.67 needed: 21 present
        pytest.param(31, 20, False, id="under_two_thirds_of_31_case"),
    ],
)
def test_two_thirds_of_the_representatives_present_is_a_quorum(personas, campaign, representatives, present, quorate):
    case = _discussed(personas, campaign)
    vote = Vote(representatives, present, present - 2, 1)

    def appraise():
        return services.record_village_appraisal(
            actor=personas["village_clerk"], case_id=case.pk, meeting_date=campaign.opens_on, vote=vote,
            comparison_read=True,
        )  # fmt: skip

    if quorate:
        assert appraise().state == "village_appraised"
    else:
        with pytest.raises(ServiceError) as refused:
            appraise()
        assert (refused.value.code, refused.value.field) == ("no_quorum", "present")
        assert Case.objects.get(pk=case.pk).state == "group_discussed"


@pytest.mark.parametrize(
    ("votes_for", "state"),
    [
        pytest.param(11, "village_appraised", id="more_than_half_case"),
        pytest.param(10, "rejected", id="exactly_half_case"),
    ],
)
def test_the_vote_passes_with_more_than_half_of_those_present(personas, campaign, votes_for, state):
    case = _discussed(personas, campaign)
    appraised = services.record_village_appraisal(
        actor=personas["village_clerk"], case_id=case.pk, meeting_date=campaign.opens_on,
        vote=Vote(30, 20, votes_for, 20 - votes_for), comparison_read=True,
    )  # fmt: skip
    assert appraised.state == state
    assert Case.objects.get(pk=case.pk).state == state


def test_a_vote_without_a_majority_rejects_the_case_with_the_vote_recorded(personas, campaign):
    clerk = personas["village_clerk"]
    case = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, 0).pk, informed_on=YESTERDAY()
    )
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=15, recommended=True
    )
    services.record_village_appraisal(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), vote=Vote(30, 24, 12, 10), comparison_read=True
    )
    case.refresh_from_db()
    assert case.state == "rejected"
    assert CaseEvent.objects.get(case=case, transition="reject").record["votes_for"] == 12


def test_the_wrong_role_and_the_wrong_area_are_refused(personas, campaign):
    case = services.apply(
        actor=personas["village_clerk"],
        campaign_id=campaign.pk,
        household_id=submitted_household(personas, 0).pk,
        informed_on=YESTERDAY(),
    )
    with pytest.raises(PermissionDenied):
        services.record_group_discussion(
            actor=personas["city_inspector"], case_id=case.pk, meeting_date=YESTERDAY(), attendance=5, recommended=True
        )
    with pytest.raises(Http404):
        services.record_group_discussion(
            actor=personas["charlie"], case_id=case.pk, meeting_date=YESTERDAY(), attendance=5, recommended=True
        )
    with pytest.raises(PermissionDenied):
        services.confirm(actor=personas["township_reviewer"], case_id=case.pk)


def test_a_home_check_needs_every_item_and_three_signatures(personas, campaign):
    clerk = personas["village_clerk"]
    case = services.apply(
        actor=clerk, campaign_id=campaign.pk, household_id=submitted_household(personas, 0).pk, informed_on=YESTERDAY()
    )
    services.record_group_discussion(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), attendance=15, recommended=True
    )
    services.record_village_appraisal(
        actor=clerk, case_id=case.pk, meeting_date=YESTERDAY(), vote=GOOD_VOTE, comparison_read=True
    )
    with pytest.raises(ServiceError) as unanswered:
        services.record_home_check(
            actor=clerk,
            case_id=case.pk,
            visited_on=YESTERDAY(),
            checklist={"income_verified": True},
            findings="",
            signatures=SIGNATURES,
        )
    with pytest.raises(ServiceError) as unsigned:
        services.record_home_check(
            actor=clerk,
            case_id=case.pk,
            visited_on=YESTERDAY(),
            checklist=CHECKLIST,
            findings="",
            signatures={"head": {"name": "甲", "date": "2026-03-01"}},
        )
    assert (unanswered.value.code, unsigned.value.code) == ("checklist_incomplete", "unsigned")


def _in_first_publicity(personas, campaign, count=2):
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(count)]
    reviewer = personas["township_reviewer"]
    notice = services.create_notice(
        actor=reviewer,
        campaign_id=campaign.pk,
        kind="first_publicity",
        area_code=KONGXING,
        issued_by="孔兴村委会",
        contact="0883-1234567",
    )
    services.post_notice(
        actor=reviewer, notice_id=notice.pk, starts_on=datetime.date(2026, 3, 2), posted_place="村委会公示栏"
    )
    return notice, cases


def test_a_publicity_cannot_end_early_or_with_an_objection_open(personas, campaign):
    notice, cases = _in_first_publicity(personas, campaign)
    reviewer = personas["township_reviewer"]
    objection = services.record_objection(
        actor=personas["village_clerk"],
        notice_id=notice.pk,
        case_id=cases[1].pk,
        raised_by="村民李某",
        received_on=datetime.date(2026, 3, 4),
        channel="in_person",
        content="该户有私家车",
    )

    with pytest.raises(ServiceError) as early:
        services.conclude_notice(actor=reviewer, notice_id=notice.pk, today=datetime.date(2026, 3, 8))
    with pytest.raises(ServiceError) as still_open:
        services.conclude_notice(actor=reviewer, notice_id=notice.pk, today=datetime.date(2026, 3, 9))
    services.resolve_objection(
        actor=reviewer, objection_id=objection.pk, uphold=True, resolution="经核实，该户2025年购置轿车一辆"
    )
    services.conclude_notice(actor=reviewer, notice_id=notice.pk, today=datetime.date(2026, 3, 9))

    assert (early.value.code, still_open.value.code) == ("too_early", "open_objections")
    states = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "state"))
    assert states == {cases[0].pk: "first_publicized", cases[1].pk: "group_discussed"}


def test_a_rejected_objection_keeps_the_case_with_the_reason(personas, campaign):
    notice, cases = _in_first_publicity(personas, campaign, count=1)
    objection = services.record_objection(
        actor=personas["township_reviewer"],
        notice_id=notice.pk,
        case_id=cases[0].pk,
        raised_by="匿名",
        received_on=datetime.date(2026, 3, 4),
        channel="hotline",
        content="收入偏高",
    )
    with pytest.raises(ServiceError) as unverified:
        services.resolve_objection(
            actor=personas["township_reviewer"], objection_id=objection.pk, uphold=False, resolution=" "
        )
    assert (unverified.value.code, unverified.value.field) == ("required", "resolution")
    resolved = services.resolve_objection(
        actor=personas["township_reviewer"],
        objection_id=objection.pk,
        uphold=False,
        resolution="经入户核实，收入低于标准",
    )
    assert resolved.state == "rejected"
    assert Case.objects.get(pk=cases[0].pk).state == "first_publicity"
    with pytest.raises(Conflict) as again:
        services.resolve_objection(
            actor=personas["township_reviewer"], objection_id=objection.pk, uphold=True, resolution="再议"
        )
    assert again.value.code == "resolved"


def test_an_exclusion_blocks_confirmation_until_the_county_records_a_reason(personas, campaign):
    household = submitted_household(personas, 0)
    Household.objects.filter(pk=household.pk).update(excl_private_car=True)
    case = walk_to_home_checked(personas, campaign, household)
    Case.objects.filter(pk=case.pk).update(state="second_publicized")

    with pytest.raises(ServiceError) as blocked:
        services.confirm(actor=personas["county_officer"], case_id=case.pk)
    with pytest.raises(ServiceError) as no_reason:
        services.override_exclusion(actor=personas["county_officer"], case_id=case.pk, reason="")
    assert (no_reason.value.code, no_reason.value.field) == ("reason_required", "reason")
    services.override_exclusion(
        actor=personas["county_officer"], case_id=case.pk, reason="车辆为农用三轮车，经县扶贫办核实不属排除情形"
    )
    services.confirm(actor=personas["county_officer"], case_id=case.pk)

    assert blocked.value.code == "excluded"
    assert "私家车" in blocked.value.message
    assert Case.objects.get(pk=case.pk).state == "county_confirmed"


def test_children_never_sum_above_their_parent(personas, campaign):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as over:
        services.set_quota(actor=officer, campaign_id=campaign.pk, area_code="530921201201", households=31, people=50)
    with pytest.raises(ServiceError) as below_children:
        services.set_quota(actor=officer, campaign_id=campaign.pk, area_code=SHILI_TOWNSHIP, households=5, people=160)
    services.set_quota(actor=officer, campaign_id=campaign.pk, area_code="530921201201", households=30, people=120)
    assert over.value.code == "over_parent"
    assert below_children.value.code == "below_used"


def test_quotas_are_set_only_by_the_level_above(personas, campaign):
    with pytest.raises(PermissionDenied):  # a township reviewer may not set its villages' quotas
        services.set_quota(
            actor=personas["township_reviewer"],
            campaign_id=campaign.pk,
            area_code="530921201201",
            households=1,
            people=4,
        )
    with pytest.raises(PermissionDenied):  # nor may a county officer set the county's own
        services.set_quota(
            actor=personas["county_officer"], campaign_id=campaign.pk, area_code=COUNTY, households=200, people=800
        )


def test_a_village_never_confirms_more_than_its_quota(personas, campaign):
    officer = personas["county_officer"]
    services.set_quota(actor=officer, campaign_id=campaign.pk, area_code=KONGXING, households=1, people=40)
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(2)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="second_publicized")

    result = services.advance_many(actor=officer, case_ids=[c.pk for c in cases], step="confirm")

    assert len(result.succeeded) == 1
    assert list(result.failed) == [cases[1].pk]
    assert Quota.objects.get(campaign=campaign, area_id=KONGXING).used_households == 1


def test_the_people_limit_of_a_quota_binds_on_its_own(personas, campaign):
    # given a quota of 3 households but 5 people, and three cases waiting for the county
    officer = personas["county_officer"]
    services.set_quota(actor=officer, campaign_id=campaign.pk, area_code=KONGXING, households=3, people=5)
    cases = []
    for offset, size in enumerate((4, 2, 1)):
        household = submitted_household(personas, offset)
        Household.objects.filter(pk=household.pk).update(household_size=size)
        case = services.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk,
            informed_on=campaign.opens_on,
        )  # fmt: skip
        cases.append(case)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="second_publicized")
    four, two, one = cases

    # when the county confirms them in turn
    services.confirm(actor=officer, case_id=four.pk)
    with pytest.raises(Conflict) as over:  # 4 + 2 = 6 people of 5, with households to spare (2 of 3)
        services.confirm(actor=officer, case_id=two.pk)
    services.confirm(actor=officer, case_id=one.pk)  # 4 + 1 = 5 people: exactly the limit

    # then
    assert over.value.code == "quota_exhausted"
    states = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "state"))
    assert states == {four.pk: "county_confirmed", two.pk: "second_publicized", one.pk: "county_confirmed"}
    quota = Quota.objects.get(campaign=campaign, area_id=KONGXING)
    assert (quota.used_households, quota.used_people) == (2, 5)


def test_returning_a_case_releases_its_quota_and_needs_a_reason(personas, campaign):
    officer = personas["county_officer"]
    case = walk_to_home_checked(personas, campaign, submitted_household(personas, 0))
    Case.objects.filter(pk=case.pk).update(state="second_publicized")
    services.confirm(actor=officer, case_id=case.pk)
    with pytest.raises(ServiceError) as no_reason:
        services.return_case(actor=officer, case_id=case.pk, to_state="home_checked", reason="")
    assert (no_reason.value.code, no_reason.value.field) == ("reason_required", "reason")
    services.return_case(actor=officer, case_id=case.pk, to_state="home_checked", reason="收入信息需重新核实")
    assert Case.objects.get(pk=case.pk).state == "home_checked"
    assert Quota.objects.get(campaign=campaign, area_id=KONGXING).used_households == 0


def test_the_second_publicity_needs_a_fifth_checked_in_the_field(personas, campaign):
    notice, cases = _in_first_publicity(personas, campaign, count=2)
    reviewer = personas["township_reviewer"]
    services.conclude_notice(actor=reviewer, notice_id=notice.pk, today=datetime.date(2026, 3, 9))
    for case in cases:
        services.record_township_review(actor=reviewer, case_id=case.pk, checked_in_field=False)
    with pytest.raises(ServiceError) as refused:
        services.create_notice(
            actor=reviewer,
            campaign_id=campaign.pk,
            kind="second_publicity",
            area_code=SHILI_TOWNSHIP,
            issued_by="诗礼乡",
            contact="0883-1",
        )
    assert refused.value.code == "field_share"


def _applied_in_state(personas, campaign, count: int, state: str) -> list[Case]:
    """``count`` cases put at ``state`` directly (a factory: the steps before are tested above)."""
    cases = [
        services.apply(
            actor=personas["village_clerk"],
            campaign_id=campaign.pk,
            household_id=submitted_household(personas, n).pk,
            informed_on=campaign.opens_on,
        )  # fmt: skip
        for n in range(count)
    ]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state=state)
    return cases


def test_a_fifth_checked_in_the_field_is_enough_for_the_second_publicity(personas, campaign, settings):
    # given six cases reviewed by the township, one of them in the field
    assert settings.TOWNSHIP_FIELD_CHECK_SHARE == 0.2
    reviewer = personas["township_reviewer"]
    cases = _applied_in_state(personas, campaign, 6, "first_publicized")
    for index, case in enumerate(cases):
        services.record_township_review(actor=reviewer, case_id=case.pk, checked_in_field=index == 0)

    def second_publicity(case_ids=None):
        return services.create_notice(
            actor=reviewer, campaign_id=campaign.pk, kind="second_publicity", area_code=SHILI_TOWNSHIP,
            issued_by="诗礼乡", contact="0883-1", case_ids=case_ids,
        )  # fmt: skip

    # when all six are listed (1 of 6, 16.7 %), then five (1 of 5, exactly 20 %)
    with pytest.raises(ServiceError) as refused:
        second_publicity()
    notice = second_publicity(case_ids=[case.pk for case in cases[:5]])

    # then
    assert refused.value.code == "field_share"
    assert sorted(notice.entries.values_list("case_id", flat=True)) == sorted(case.pk for case in cases[:5])


def test_the_city_sample_is_the_share_rounded_up_and_the_share_at_most_all(personas, campaign):
    _applied_in_state(personas, campaign, 4, "announced")
    inspector = personas["city_inspector"]

    def drawn(share: str) -> int:
        check = services.draw_spot_check(actor=inspector, campaign_id=campaign.pk, share=Decimal(share), seed=1)
        return check.items.count()

    assert [drawn("0.25"), drawn("0.26"), drawn("1")] == [1, 2, 4]  # 1.04 cases to check is 2
    with pytest.raises(ServiceError) as nothing:
        drawn("0")
    with pytest.raises(ServiceError) as more_than_all:
        drawn("1.01")
    assert (nothing.value.code, more_than_all.value.code) == ("bad_share", "bad_share")


def test_the_city_samples_announced_cases_and_a_problem_sends_one_back(personas, campaign):
    cases = [walk_to_home_checked(personas, campaign, submitted_household(personas, n)) for n in range(4)]
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(state="announced")
    inspector = personas["city_inspector"]

    with pytest.raises(PermissionDenied):
        services.draw_spot_check(actor=personas["county_officer"], campaign_id=campaign.pk, share=Decimal("0.5"))
    check = services.draw_spot_check(actor=inspector, campaign_id=campaign.pk, share=Decimal("0.5"), seed=7)
    items = list(check.items.order_by("case_id"))
    services.record_spot_check(
        actor=inspector, item_id=items[0].pk, finding="与实际不符：家中有人在县城工作", has_problem=True
    )
    services.record_spot_check(actor=inspector, item_id=items[1].pk, finding="属实", has_problem=False)

    assert len(items) == 2
    assert Case.objects.get(pk=items[0].case_id).state == "home_checked"
    assert Case.objects.get(pk=items[1].case_id).state == "spot_checked"


def test_a_form_that_was_not_submitted_cannot_apply(personas, campaign):
    from households.services import save_household
    from tests.households.conftest import family_of_four, household_input

    draft = save_household(
        actor=personas["village_clerk"], village_code=KONGXING, fields=household_input(), members=family_of_four()
    ).household
    with pytest.raises(ServiceError) as refused:
        services.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=draft.pk, informed_on=YESTERDAY()
        )
    assert refused.value.code == "form_not_submitted"
