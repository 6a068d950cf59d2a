"""The status procedures of exits/status.py: remove, close, reopen a wrong exit, return to poverty."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from core.errors import ServiceError
from core.models import ObjectChange
from exits import status
from exits.models import FrozenYear, StatusChange
from households.models import Household
from tests.exits.review.conftest import AIHUA_VILLAGE, COUNTY, YEAR, id_campaign, in_status, walk_to_announced

pytestmark = pytest.mark.django_db


def test_a_wrongly_included_household_is_removed_with_its_reason(personas):
    # given
    household = in_status(personas, 1, "registered")

    # when
    change = status.remove_household(
        actor=personas["county_officer"],
        household_id=household.pk,
        reason="家中有财政供养人员",
        documents=["乡镇核查报告"],
    )

    # then
    household.refresh_from_db()
    assert household.status == "removed"
    assert (change.from_status, change.to_status, change.procedure) == ("registered", "removed", "remove")
    assert change.reason == "家中有财政供养人员" and change.documents == ["乡镇核查报告"]
    assert change.actor == personas["county_officer"] and change.year == YEAR
    audit = ObjectChange.objects.filter(object_pk=str(household.pk), action="transition").get()
    assert audit.after["status"] == "removed" and audit.reason == "家中有财政供养人员"


def test_a_wrong_exit_is_reopened_and_its_exit_year_cleared(personas):
    household = in_status(personas, 1, "exited", exit_year=YEAR - 1)

    change = status.reopen_wrong_exit(actor=personas["county_officer"], household_id=household.pk, reason="收入未达标")

    household.refresh_from_db()
    assert (household.status, household.exit_year) == ("registered", None)
    assert (change.from_status, change.to_status) == ("exited", "registered")


def test_a_household_that_is_gone_is_closed(personas):
    household = in_status(personas, 1, "exited", exit_year=YEAR - 1)

    status.close_household(actor=personas["county_officer"], household_id=household.pk, reason="全户迁出")

    assert Household.objects.get(pk=household.pk).status == "closed"


@pytest.mark.parametrize(
    ("procedure", "start", "code"),
    [
        pytest.param(status.remove_household, "applicant", "wrong_status", id="remove_applicant"),
        pytest.param(status.reopen_wrong_exit, "registered", "wrong_status", id="reopen_registered"),
        pytest.param(status.close_household, "closed", "wrong_status", id="close_closed"),
    ],
)
def test_a_procedure_from_the_wrong_status_is_refused(personas, procedure, start, code):
    household = in_status(personas, 1, start)

    with pytest.raises(ServiceError) as refused:
        procedure(actor=personas["county_officer"], household_id=household.pk, reason="理由")

    assert refused.value.code == code
    assert Household.objects.get(pk=household.pk).status == start
    assert not StatusChange.objects.exists()


def test_bad_input_is_refused(personas):
    household = in_status(personas, 1, "registered")
    officer = personas["county_officer"]

    with pytest.raises(ServiceError) as no_reason:
        status.remove_household(actor=officer, household_id=household.pk, reason="  ")
    with pytest.raises(ServiceError) as future:
        status.remove_household(
            actor=officer,
            household_id=household.pk,
            reason="理由",
            effective_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    with pytest.raises(ServiceError) as foreign:
        status.remove_household(actor=officer, household_id=household.pk, reason="理由", attachment_ids=[999])

    assert (no_reason.value.code, future.value.code, foreign.value.code) == (
        "reason_required",
        "future_date",
        "foreign_attachment",
    )
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_wrong_role_is_refused_and_out_of_scope_is_not_found(personas):
    household = in_status(personas, 1, "registered")
    elsewhere = in_status(personas, 2, "registered", village=AIHUA_VILLAGE)

    with pytest.raises(PermissionDenied):
        status.remove_household(actor=personas["township_reviewer"], household_id=household.pk, reason="理由")
    with pytest.raises(Http404):
        status.remove_household(actor=personas["county_officer"], household_id=elsewhere.pk, reason="理由")
    with pytest.raises(Http404):
        status.remove_household(actor=personas["charlie"], household_id=household.pk, reason="理由")

    assert set(Household.objects.values_list("status", flat=True)) == {"registered"}


def test_a_change_dated_in_a_frozen_year_is_refused(personas):
    household = in_status(personas, 1, "registered")
    FrozenYear.objects.create(county_id=COUNTY, year=YEAR - 1, frozen_by=personas["county_officer"])

    with pytest.raises(ServiceError) as refused:
        status.remove_household(
            actor=personas["county_officer"],
            household_id=household.pk,
            reason="理由",
            effective_on=datetime.date(YEAR - 1, 12, 1),
        )

    assert refused.value.code == "frozen_year"
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_the_second_of_two_removals_is_told(personas):
    household = in_status(personas, 1, "registered")
    status.remove_household(actor=personas["county_officer"], household_id=household.pk, reason="第一次")

    with pytest.raises(ServiceError) as refused:
        status.remove_household(actor=personas["superuser"], household_id=household.pk, reason="第二次")

    assert refused.value.code == "wrong_status"
    assert StatusChange.objects.count() == 1


def test_a_returned_household_is_registered_again_by_a_return_campaign(personas):
    # given an exited household, re-identified in a campaign of kind "return"
    household = in_status(personas, 1, "exited", exit_year=YEAR - 1)
    campaign = id_campaign(personas, "return")

    # when its case is announced
    case = walk_to_announced(personas, campaign, household)

    # then the status history shows the return, then the registration
    household.refresh_from_db()
    assert case.state == "announced"
    assert (household.status, household.exit_year) == ("registered", None)
    history = [(c.procedure, c.from_status, c.to_status) for c in status.history_of(household)]
    assert history == [("return", "exited", "returned"), ("re_register", "returned", "registered")]
    assert all(c.case_id == case.pk for c in status.history_of(household))
