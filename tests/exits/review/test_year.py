"""A whole year of a small county (凤庆县, 孔兴村): households exit, one returns, two are found
missed and one wrongly included in the review; the rates come out as the definitions give; the
year is frozen; later edits are refused; next year's differences show against the frozen year.
(The exit procedure belongs to another part: exits are put in place by factory.)"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.errors import ServiceError
from exits import frozen, review, status
from exits.models import ReviewResult
from households.models import Household, HouseholdYear, Member
from households.services import save_household
from tests.exits.review.conftest import COUNTY, SIGNED, YEAR, announce, id_campaign, in_status

pytestmark = pytest.mark.django_db


def _form(personas, campaign, household, form: str, finding: str) -> ReviewResult:
    result = review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form=form,
        finding=finding, reason="入户核查", signatures=SIGNED,
    )  # fmt: skip
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    return review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True)


def test_a_whole_year_of_a_small_county(personas):
    clerk, officer = personas["village_clerk"], personas["county_officer"]
    today = timezone.localdate()
    # given: six registered households (24 people), two exited last year, two never registered
    wrongly_included = in_status(personas, 1, "registered")
    accurate = in_status(personas, 2, "registered")
    leaving = [in_status(personas, n, "registered") for n in (3, 4)]
    in_status(personas, 5, "registered")
    in_status(personas, 6, "registered")
    returning = in_status(personas, 7, "exited", exit_year=YEAR - 1)
    stable = in_status(personas, 8, "exited", exit_year=YEAR - 1)
    missed = [in_status(personas, n, "applicant") for n in (9, 10)]
    campaign = review.open_review(
        actor=officer, county_code=COUNTY, year=YEAR, title=f"{YEAR}年动态管理",
        opens_on=today - datetime.timedelta(days=20), deadline=today + datetime.timedelta(days=20),
    )  # fmt: skip

    # when: the village fills the three forms; the township and the county confirm them
    _form(personas, campaign, wrongly_included, "a", "wrongly_included")
    _form(personas, campaign, accurate, "a", "accurate")
    found = [_form(personas, campaign, household, "b", "missed") for household in missed]
    came_back = _form(personas, campaign, returning, "c", "returned")
    _form(personas, campaign, stable, "c", "exit_confirmed")
    # the missed households go through identification, the returned one through a return campaign
    new_poverty, returns = id_campaign(personas, "new_poverty"), id_campaign(personas, "return")
    cases = [
        review.file_identification(actor=clerk, result_id=r.pk, campaign_id=new_poverty.pk, informed_on=today).case
        for r in found
    ]
    announce(personas, new_poverty, cases)
    return_case = review.file_identification(
        actor=clerk, result_id=came_back.pk, campaign_id=returns.pk, informed_on=today
    ).case
    announce(personas, returns, [return_case])
    # and two households exit this year (the exit procedure's own result)
    Household.objects.filter(pk__in=[h.pk for h in leaving]).update(status="exited", exit_year=YEAR)

    # then the statuses follow the procedures
    statuses = dict(Household.objects.values_list("pk", "status"))
    assert statuses[wrongly_included.pk] == "removed"
    assert [statuses[h.pk] for h in missed] == ["registered", "registered"]
    assert statuses[returning.pk] == "registered"
    assert [c.procedure for c in status.history_of(returning)] == ["return", "re_register"]
    # and the rates are those of section 9: 错评率 4/24, 错退率 0/8, 漏评率 8/(24 − 4 + 8 + 0 + 4)
    report = review.report(campaign)
    assert (campaign.start_households, campaign.start_people) == (6, 24)
    assert (str(report.wrong_inclusion_rate), str(report.wrong_exit_rate), str(report.missed_rate)) == (
        "16.67",
        "0.00",
        "25.00",
    )
    assert report.findings["returned"] == {"households": 1, "people": 4}
    kongxing = next(row for row in review.progress(campaign) if row.code == "530921201200")
    assert (kongxing.to_check, kongxing.recorded, kongxing.decided) == (10, 6, 6)

    # when the county freezes the year
    year = frozen.freeze_year(actor=officer, county_code=COUNTY, year=YEAR)

    # then every household of the year is kept, and a later edit of the year is refused
    assert year.counts["households"] == 10
    campaign.refresh_from_db()
    assert campaign.is_closed
    kept = dict(HouseholdYear.objects.filter(year=YEAR).values_list("household_id", "status"))
    assert (kept[wrongly_included.pk], kept[leaving[0].pk], kept[returning.pk]) == ("removed", "exited", "registered")
    with pytest.raises(ServiceError) as refused:
        save_household(actor=clerk, household_id=accurate.pk, expected_version=accurate.version, fields={}, members=[])
    assert refused.value.code == "frozen_year"

    # when next year one household exits and one gains a newborn and loses a member (by factory:
    # the calendar is still in the frozen year)
    Household.objects.filter(pk=accurate.pk).update(status="exited", exit_year=YEAR + 1)
    head = Member.objects.filter(household=missed[0]).order_by("position").first()
    Member.objects.filter(pk=head.pk).update(is_active=False, change_reason="01")
    Member.objects.create(
        household=missed[0], area_code=head.area_code, name="杨小宝", gender="1", id_number="53092120270101001X",
        relation="07", change_reason="06",
    )  # fmt: skip
    differences = frozen.differences(actor=officer, area_code=COUNTY, year=YEAR + 1)

    # then next year's differences show against the frozen year
    assert differences.base_frozen and not differences.frozen
    assert differences.totals == {
        "new": 0, "exited": 1, "returned": 0, "removed": 0, "closed": 0, "members_in": 1, "members_out": 1,
    }  # fmt: skip
