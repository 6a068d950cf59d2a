"""The yearly review: forms, township re-check, county review, the results applied, and the rates
of DOMAIN.md section 9 computed from a known small data set."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core.errors import Conflict, ServiceError
from exits import review
from exits.models import ReviewResult, StatusChange
from households.models import Household
from households.services import save_household
from tests.exits.review.conftest import COUNTY, SIGNED, YEAR, id_campaign, in_status
from tests.households.conftest import person

pytestmark = pytest.mark.django_db


def _sized(personas, offset: int, status: str, size: int, **extra) -> Household:
    household = in_status(personas, offset, status, **extra)
    Household.objects.filter(pk=household.pk).update(household_size=size)
    household.refresh_from_db()
    return household


def _open(personas, **overrides):
    today = timezone.localdate()
    values = {
        "actor": personas["county_officer"],
        "county_code": COUNTY,
        "year": YEAR,
        "title": "动态管理",
        "opens_on": today - datetime.timedelta(days=10),
        "deadline": today + datetime.timedelta(days=10),
    }
    return review.open_review(**{**values, **overrides})


def _through(personas, campaign, household, form: str, finding: str, *, approve: bool = True) -> ReviewResult:
    result = review.record_result(
        actor=personas["village_clerk"],
        campaign_id=campaign.pk,
        household_id=household.pk,
        form=form,
        finding=finding,
        reason="入户核查",
        signatures=SIGNED,
    )
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    return review.county_review(
        actor=personas["county_officer"], result_id=result.pk, approve=approve, note="" if approve else "证据不足"
    )


def test_the_rates_come_out_as_section_9_defines_them(personas):
    # given five registered households (20 people at the start), three exited, two not registered
    a = _sized(personas, 1, "registered", 3)
    b = _sized(personas, 2, "registered", 5)
    _sized(personas, 3, "registered", 4)
    _sized(personas, 4, "registered", 4)
    j = _sized(personas, 5, "registered", 4)
    e = _sized(personas, 6, "exited", 2, exit_year=YEAR - 1)
    f = _sized(personas, 7, "exited", 6, exit_year=YEAR - 1)
    g = _sized(personas, 8, "exited", 4, exit_year=YEAR - 1)
    h = _sized(personas, 9, "applicant", 5)
    i = _sized(personas, 10, "applicant", 4)
    campaign = _open(personas)

    # when the review finds: A wrongly included (3), B accurate, J alleged but rejected by the county;
    # E wrongly exited (2), F exit confirmed (6), G returned (4); H missed (5), I not poor (4)
    _through(personas, campaign, a, "a", "wrongly_included")
    _through(personas, campaign, b, "a", "accurate")
    _through(personas, campaign, j, "a", "wrongly_included", approve=False)
    _through(personas, campaign, e, "c", "wrongly_exited")
    _through(personas, campaign, f, "c", "exit_confirmed")
    _through(personas, campaign, g, "c", "returned")
    _through(personas, campaign, h, "b", "missed")
    _through(personas, campaign, i, "b", "not_poor")
    report = review.report(campaign)

    # then 错评率 = 3 / 20; 错退率 = 2 / (2 + 6 + 4); 漏评率 = 5 / (20 − 3 + 5 + 2 + 4)
    assert (campaign.start_households, campaign.start_people) == (5, 20)
    assert report.findings["wrongly_included"] == {"households": 1, "people": 3}
    assert report.findings["missed"] == {"households": 1, "people": 5}
    assert report.findings["wrongly_exited"] == {"households": 1, "people": 2}
    assert report.findings["returned"] == {"households": 1, "people": 4}
    assert report.exited_rechecked == {"households": 3, "people": 12}
    assert report.after_people == 28
    assert report.wrong_inclusion_rate == Decimal("15.00")
    assert report.wrong_exit_rate == Decimal("16.67")
    assert report.missed_rate == Decimal("17.86")
    # and the confirmed findings were applied through the procedures
    assert Household.objects.get(pk=a.pk).status == "removed"
    assert Household.objects.get(pk=j.pk).status == "registered"
    assert Household.objects.get(pk=e.pk).status == "registered"
    assert set(StatusChange.objects.values_list("review_result__household_id", flat=True)) == {a.pk, e.pk}
    assert ReviewResult.objects.get(household=h).state == "approved"  # waits for its identification case


def test_natural_changes_are_counted_from_the_members(personas):
    household = in_status(personas, 1, "registered")
    campaign = _open(personas)
    members = list(household.members.order_by("position"))
    newborn = person("杨小宝", "07", timezone.localdate() - datetime.timedelta(days=20), 99)
    save_household(
        actor=personas["village_clerk"],
        household_id=household.pk,
        expected_version=household.version,
        fields={},
        members=[{"id": members[0].pk, "remove": True, "change_reason": "01"}, {**newborn, "change_reason": "06"}],
    )

    natural = review.report(campaign).natural

    assert (natural["births"], natural["deaths"], natural["married_in"], natural["married_out"]) == (1, 1, 0, 0)


def test_a_missed_household_applies_in_an_identification_campaign(personas):
    household = in_status(personas, 1, "applicant")
    campaign = _open(personas)
    result = _through(personas, campaign, household, "b", "missed")
    wrong_kind = id_campaign(personas, "return")
    right_kind = id_campaign(personas, "new_poverty")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(ServiceError) as refused:
        review.file_identification(
            actor=personas["village_clerk"], result_id=result.pk, campaign_id=wrong_kind.pk, informed_on=yesterday
        )
    filed = review.file_identification(
        actor=personas["village_clerk"], result_id=result.pk, campaign_id=right_kind.pk, informed_on=yesterday
    )

    assert refused.value.code == "wrong_kind"
    assert filed.state == "applied"
    assert filed.case.campaign_id == right_kind.pk and filed.case.state == "applied"


def test_a_form_must_be_signed_by_all_four(personas):
    household = in_status(personas, 1, "registered")
    campaign = _open(personas)
    unsigned = {k: v for k, v in SIGNED.items() if k != "deputy"}

    with pytest.raises(ServiceError) as refused:
        review.record_result(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form="a",
            finding="accurate", reason="核查", signatures=unsigned,
        )  # fmt: skip

    assert refused.value.code == "unsigned" and refused.value.details == {"missing": ["deputy"]}
    assert not ReviewResult.objects.exists()


@pytest.mark.parametrize(
    ("status", "form", "finding", "code"),
    [
        pytest.param("exited", "a", "accurate", "wrong_status", id="form_a_for_exited"),
        pytest.param("registered", "c", "wrongly_exited", "wrong_status", id="form_c_for_registered"),
        pytest.param("registered", "a", "missed", "bad_finding", id="finding_of_another_form"),
        pytest.param("registered", "z", "accurate", "bad_form", id="unknown_form"),
    ],
)
def test_a_form_that_does_not_fit_the_household_is_refused(personas, status, form, finding, code):
    household = in_status(personas, 1, status)
    campaign = _open(personas)

    with pytest.raises(ServiceError) as refused:
        review.record_result(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form=form,
            finding=finding, reason="核查", signatures=SIGNED,
        )  # fmt: skip

    assert refused.value.code == code
    assert not ReviewResult.objects.exists()


def test_after_the_deadline_no_form_is_recorded(personas):
    household = in_status(personas, 1, "registered")
    today = timezone.localdate()
    campaign = _open(personas, opens_on=today - datetime.timedelta(days=20), deadline=today - datetime.timedelta(1))

    with pytest.raises(ServiceError) as refused:
        review.record_result(
            actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form="a",
            finding="accurate", reason="核查", signatures=SIGNED,
        )  # fmt: skip

    assert refused.value.code == "past_deadline"


def test_one_review_a_year_and_only_county_officers_open_it(personas):
    _open(personas)

    with pytest.raises(Conflict) as again:
        _open(personas)
    assert again.value.code == "duplicate"
    with pytest.raises(PermissionDenied):
        _open(personas, actor=personas["auditor"], year=YEAR + 1)
    with pytest.raises(Http404):
        _open(personas, actor=personas["county_officer"], county_code="530922000000", year=YEAR + 1)


def test_steps_check_role_scope_order_and_version(personas):
    household = in_status(personas, 1, "registered")
    campaign = _open(personas)
    result = review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form="a",
        finding="wrongly_included", reason="核查", signatures=SIGNED,
    )  # fmt: skip

    with pytest.raises(PermissionDenied):
        review.township_check(actor=personas["village_clerk"], result_id=result.pk, agree=True)
    with pytest.raises(Http404):
        review.township_check(actor=personas["charlie"], result_id=result.pk, agree=True)
    with pytest.raises(ServiceError) as early:
        review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True)
    with pytest.raises(ServiceError) as no_reason:
        review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=False)
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True, version=1)
    with pytest.raises(Conflict) as stale:
        review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True, version=1)
    assert stale.value.code == "stale"
    with pytest.raises(ServiceError) as reject_without_reason:
        review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=False)

    assert (early.value.code, no_reason.value.code, reject_without_reason.value.code) == (
        "wrong_step",
        "reason_required",
        "reason_required",
    )
    assert ReviewResult.objects.get(pk=result.pk).state == "township_checked"
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_progress_per_village(personas):
    in_status(personas, 1, "registered")
    second = in_status(personas, 2, "exited", exit_year=YEAR - 1)
    campaign = _open(personas)
    review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=second.pk, form="c",
        finding="exit_confirmed", reason="核查", signatures=SIGNED,
    )  # fmt: skip

    rows = {row.code: row for row in review.progress(campaign)}

    kongxing = rows["530921201200"]
    assert (kongxing.to_check, kongxing.recorded, kongxing.township_checked, kongxing.percent) == (2, 1, 0, 50)
    assert rows["530921202200"].to_check == 0


def test_a_form_sent_back_by_the_township_is_filled_again(personas):
    household = in_status(personas, 1, "registered")
    campaign = _open(personas)
    values = {"actor": personas["village_clerk"], "campaign_id": campaign.pk, "household_id": household.pk,
              "form": "a", "signatures": SIGNED}  # fmt: skip
    first = review.record_result(**values, finding="wrongly_included", reason="听说有车")
    review.township_check(actor=personas["township_reviewer"], result_id=first.pk, agree=False, note="证据不足，请核实")

    again = review.record_result(**values, finding="accurate", reason="核实无车")
    with pytest.raises(Conflict) as twice:
        review.record_result(**values, finding="accurate", reason="再次")
    assert twice.value.code == "duplicate"

    assert again.pk == first.pk
    stored = ReviewResult.objects.get(pk=first.pk)
    assert (stored.finding, stored.reason, stored.township_note, stored.version) == ("accurate", "核实无车", "", 3)
