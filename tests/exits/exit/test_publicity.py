"""The exit publicity on identification's notices and objections (exits/exit_publicity.py), and the
filing with the city and then the province."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from areas.choices import Role
from core.errors import ServiceError
from exits import exit_services as s
from exits.exit_choices import ExitState
from exits.models import ExitCase, ExitEvent, FrozenYear
from households.models import Household
from identification import services as identification
from identification.choices import CampaignKind, CaseState, NoticeKind, NoticeState, ObjectionState
from identification.models import Case, Notice, Objection
from tests.conftest import make_user
from tests.exits.exit.conftest import (
    CHECKLIST,
    DAY,
    YEAR,
    case_notice,
    conclude_notice,
    draft_notice,
    post_notice,
    walk,
)

pytestmark = pytest.mark.django_db


def _object(reviewer, case, notice, *, content="收入不实"):
    return identification.record_objection(
        actor=reviewer, notice_id=notice.pk, case_id=case.publicity_case_id, raised_by="村民王五",
        received_on=DAY, channel="in_person", content=content,
    )  # fmt: skip


def test_the_acknowledgement_readies_the_household_for_the_villages_exit_notice(personas, proposed, settings):
    # given
    settings.EXIT_PUBLICITY_DAYS = 9

    # when
    case = walk(proposed, personas["superuser"], "acknowledged")

    # then: a proxy at "home checked" in the county's exit campaign of the year
    proxy = case.publicity_case
    assert (proxy.state, proxy.household_id, proxy.area_code) == (
        CaseState.HOME_CHECKED,
        case.household_id,
        case.area_code,
    )
    campaign = proxy.campaign
    assert (campaign.kind, campaign.county_id, campaign.year, campaign.publicity_days) == (
        CampaignKind.EXIT, "530921000000", YEAR, 9,
    )  # fmt: skip

    # and the village's notice lists it under an exit title, for at least EXIT_PUBLICITY_DAYS
    notice = draft_notice(personas["township_reviewer"], case)
    assert (notice.kind, notice.campaign_id, notice.area_id) == (
        NoticeKind.FIRST_PUBLICITY,
        campaign.pk,
        case.area_code,
    )
    assert notice.title.endswith("2026年拟退出贫困户名单公示")
    assert list(notice.entries.values_list("case_id", flat=True)) == [proxy.pk]
    identification.post_notice(
        actor=personas["township_reviewer"], notice_id=notice.pk, starts_on=DAY, posted_place="村委会公示栏"
    )
    assert Notice.objects.get(pk=notice.pk).ends_on == DAY + datetime.timedelta(days=8)


def test_posting_and_concluding_the_notice_move_the_exit_case(personas, proposed):
    # given
    reviewer = personas["township_reviewer"]
    case = walk(proposed, personas["superuser"], "acknowledged")

    # when posted
    case = post_notice(reviewer, case)

    # then
    assert case.state == ExitState.IN_PUBLICITY
    notice = case_notice(case)
    posted = ExitEvent.objects.get(case=case, transition="post_publicity")
    assert (posted.actor, posted.record) == (
        reviewer,
        {"notice": notice.pk, "starts_on": "2026-01-10", "ends_on": "2026-01-16", "place": "村委会公示栏"},
    )

    # when concluded the day after the period
    case = conclude_notice(reviewer, case)

    # then
    assert case.state == ExitState.PUBLICIZED
    assert ExitEvent.objects.get(case=case, transition="conclude_publicity").record == {
        "notice": notice.pk, "concluded_on": "2026-01-17",
    }  # fmt: skip
    assert case.publicity_case.state == CaseState.FIRST_PUBLICIZED


def test_a_rejected_objection_keeps_the_household_on_and_its_reason(personas, proposed):
    # given
    reviewer = personas["township_reviewer"]
    case = walk(proposed, personas["superuser"], "in_publicity")
    notice = case_notice(case)
    objection = _object(reviewer, case, notice)

    # when
    identification.resolve_objection(actor=reviewer, objection_id=objection.pk, uphold=False, resolution="收入核实无误")
    case = conclude_notice(reviewer, case)

    # then
    assert case.state == ExitState.PUBLICIZED
    kept = Objection.objects.get(pk=objection.pk)
    assert (kept.state, kept.resolution) == (ObjectionState.REJECTED, "收入核实无误")
    assert (
        s.record_township_review(actor=reviewer, case_id=case.pk, reviewed_on=DAY, opinion="同意退出").state
        == ExitState.TOWNSHIP_REVIEWED
    )


def test_after_an_upheld_objection_a_new_verification_readies_a_new_notice(personas, proposed):
    # given: an objection upheld on the first notice, which is then concluded
    reviewer, clerk = personas["township_reviewer"], personas["village_clerk"]
    case = walk(proposed, personas["superuser"], "in_publicity")
    first = case_notice(case)
    objection = _object(reviewer, case, first)
    identification.resolve_objection(actor=reviewer, objection_id=objection.pk, uphold=True, resolution="核实属实")
    identification.conclude_notice(actor=reviewer, notice_id=first.pk, today=DAY + datetime.timedelta(days=7))
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.VILLAGE_APPRAISED

    # when: verified and acknowledged again, then a second notice runs its course
    s.record_home_verification(
        actor=clerk, case_id=case.pk, visited_on=DAY, checklist=CHECKLIST, income_per_capita=Decimal("5450"),
        verifiers="村委会",
    )  # fmt: skip
    case = s.record_acknowledgement(actor=clerk, case_id=case.pk, signed_by="杨大山", signed_on=DAY)
    assert case.publicity_case.state == CaseState.HOME_CHECKED
    case = post_notice(reviewer, case)
    second = case_notice(case)
    case = conclude_notice(reviewer, case)

    # then: the same proxy, on two notices; the township review takes the clean second one
    assert second.pk != first.pk
    assert Case.objects.filter(campaign__kind=CampaignKind.EXIT).count() == 1
    reviewed = s.record_township_review(actor=reviewer, case_id=case.pk, reviewed_on=DAY, opinion="同意退出")
    assert reviewed.state == ExitState.TOWNSHIP_REVIEWED


def test_the_township_review_is_refused_without_a_concluded_notice(personas, proposed):
    # given: a case marked publicized while its notice still runs (the states out of step)
    case = walk(proposed, personas["superuser"], "in_publicity")
    ExitCase.objects.filter(pk=case.pk).update(state=ExitState.PUBLICIZED)

    # when
    with pytest.raises(ServiceError) as refused:
        s.record_township_review(actor=personas["township_reviewer"], case_id=case.pk, reviewed_on=DAY, opinion="同意")

    # then
    assert refused.value.code == "publicity_not_concluded"
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.PUBLICIZED


def test_a_household_that_fell_under_the_line_cannot_be_posted_and_nothing_is_half_posted(personas, proposed):
    # given: drafted, then the register shows the income under the line
    reviewer = personas["township_reviewer"]
    case = walk(proposed, personas["superuser"], "acknowledged")
    notice = draft_notice(reviewer, case)
    Household.objects.filter(pk=case.household_id).update(net_income_per_capita=Decimal("3000"))

    # when
    with pytest.raises(ServiceError) as refused:
        identification.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=DAY, posted_place="村委会公示栏")

    # then
    assert refused.value.code == "criteria_not_met"
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DRAFT
    case.refresh_from_db()
    assert (case.state, case.publicity_case.state) == (ExitState.ACKNOWLEDGED, CaseState.HOME_CHECKED)


def test_posting_in_a_frozen_year_is_refused_as_a_whole(personas, proposed):
    reviewer = personas["township_reviewer"]
    case = walk(proposed, personas["superuser"], "acknowledged")
    notice = draft_notice(reviewer, case)
    FrozenYear.objects.create(county_id="530921000000", year=YEAR, frozen_by=personas["superuser"])

    with pytest.raises(ServiceError) as refused:
        identification.post_notice(actor=reviewer, notice_id=notice.pk, starts_on=DAY, posted_place="村委会公示栏")

    assert refused.value.code == "frozen_year"
    assert Notice.objects.get(pk=notice.pk).state == NoticeState.DRAFT
    assert Case.objects.get(pk=case.publicity_case_id).state == CaseState.HOME_CHECKED


def test_a_withdrawn_case_leaves_the_draft_notice(personas, proposed):
    # given
    reviewer = personas["township_reviewer"]
    case = walk(proposed, personas["superuser"], "acknowledged")
    notice = draft_notice(reviewer, case)

    # when
    s.withdraw(actor=reviewer, case_id=case.pk, reason="务工收入不稳定")

    # then: the proxy is closed and the notice, left empty, is gone
    assert Case.objects.get(pk=case.publicity_case_id).state == CaseState.REJECTED
    assert not Notice.objects.filter(pk=notice.pk).exists()


def test_an_exit_campaign_takes_no_application_and_no_other_step(personas, proposed):
    case = walk(proposed, personas["superuser"], "acknowledged")
    campaign = case.publicity_case.campaign

    with pytest.raises(ServiceError) as applying:
        identification.apply(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=case.household_id, informed_on=DAY
        )
    with pytest.raises(ServiceError) as second:
        identification.create_notice(
            actor=personas["township_reviewer"], campaign_id=campaign.pk, kind=NoticeKind.SECOND_PUBLICITY,
            area_code="530921201000", issued_by="诗礼乡", contact="0883",
        )  # fmt: skip

    assert applying.value.code == "exit"
    assert (second.value.code, second.value.field) == ("wrong_kind", "kind")


def test_only_the_township_drafts_the_exit_notice_in_its_villages(personas, proposed):
    case = walk(proposed, personas["superuser"], "acknowledged")
    with pytest.raises(Http404):
        draft_notice(personas["charlie"], case)
    with pytest.raises(PermissionDenied):
        draft_notice(personas["village_clerk"], case)
    assert not Notice.objects.exists()


# --- filing with the city, then the province ----------------------------------------------------


def test_the_city_files_then_the_province(personas, proposed):
    # given
    case = walk(proposed, personas["superuser"], "announced")

    # when
    case = s.record_city_filing(actor=personas[Role.CITY_INSPECTOR], case_id=case.pk, filed_on=DAY)
    assert case.state == ExitState.CITY_FILED
    case = s.record_province_filing(actor=personas[Role.PROVINCE_OFFICER], case_id=case.pk, filed_on=DAY)

    # then
    assert case.state == ExitState.FILED
    records = dict(ExitEvent.objects.filter(case=case).values_list("transition", "record"))
    assert records["record_city_filing"] == {"city_filed_on": "2026-01-10"}
    assert records["record_province_filing"] == {"province_filed_on": "2026-01-10"}


def test_the_province_cannot_file_before_the_city(personas, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    with pytest.raises(ServiceError) as refused:
        s.record_province_filing(actor=personas[Role.PROVINCE_OFFICER], case_id=case.pk, filed_on=DAY)
    assert refused.value.code == "wrong_step"
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.ANNOUNCED


@pytest.mark.parametrize("role", [Role.COUNTY_OFFICER, Role.TOWNSHIP_REVIEWER, Role.PROVINCE_OFFICER, Role.AUDITOR])
def test_only_a_city_inspector_records_the_city_filing(personas, proposed, role):
    case = walk(proposed, personas["superuser"], "announced")
    with pytest.raises(PermissionDenied):
        s.record_city_filing(actor=personas[role], case_id=case.pk, filed_on=DAY)
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.ANNOUNCED


@pytest.mark.parametrize("role", [Role.COUNTY_OFFICER, Role.CITY_INSPECTOR, Role.AUDITOR])
def test_only_a_province_officer_records_the_province_filing(personas, proposed, role):
    case = walk(proposed, personas["superuser"], "city_filed")
    with pytest.raises(PermissionDenied):
        s.record_province_filing(actor=personas[role], case_id=case.pk, filed_on=DAY)
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.CITY_FILED


def test_filing_outside_ones_city_or_province_is_not_found(personas, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    other_city = make_user("inspector_elsewhere", Role.CITY_INSPECTOR, "530800000000")
    other_province = make_user("province_elsewhere", Role.PROVINCE_OFFICER, "520000000000")
    with pytest.raises(Http404):
        s.record_city_filing(actor=other_city, case_id=case.pk, filed_on=DAY)
    case = s.record_city_filing(actor=personas[Role.CITY_INSPECTOR], case_id=case.pk, filed_on=DAY)
    with pytest.raises(Http404):
        s.record_province_filing(actor=other_province, case_id=case.pk, filed_on=DAY)
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.CITY_FILED


def test_a_filing_date_in_the_future_is_refused(personas, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    with pytest.raises(ServiceError) as refused:
        s.record_city_filing(
            actor=personas[Role.CITY_INSPECTOR], case_id=case.pk, filed_on=timezone.localdate() + datetime.timedelta(2)
        )
    assert (refused.value.code, refused.value.field) == ("future_date", "filed_on")
