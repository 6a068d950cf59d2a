"""The dates of the review's acts (a form filled, re-checked, decided): given explicitly they carry
into the results and the status procedures they apply; refused in the future, outside the
campaign (before its opening, another year, a form after the deadline) or in a frozen year, on
the service, the page and the API, and nothing is written."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from exits import review
from exits.models import FrozenYear, ReviewResult, ReviewState, StatusChange
from households.models import Household
from tests.exits.review.conftest import COUNTY, SIGNED, in_status

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LAST = TODAY.year - 1


@pytest.fixture
def last_year(personas):
    """Last year's review, opened on 1 November with its deadline at the year's end (replayed now)."""
    return review.open_review(
        actor=personas["county_officer"], county_code=COUNTY, year=LAST, title=f"{LAST}年动态管理",
        opens_on=datetime.date(LAST, 11, 1), deadline=datetime.date(LAST, 12, 31),
    )  # fmt: skip


def _record(personas, campaign, household, finding="wrongly_included", form="a", **extra):
    return review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form=form,
        finding=finding, reason="入户核查", signatures=SIGNED, **extra,
    )  # fmt: skip


def test_last_years_review_carries_its_own_dates_into_the_removal_and_the_reopening(personas, last_year):
    wrong, exited = in_status(personas, 1, "registered"), in_status(personas, 2, "exited", exit_year=LAST)
    decided = []
    for household, form, finding in ((wrong, "a", "wrongly_included"), (exited, "c", "wrongly_exited")):
        result = _record(personas, last_year, household, finding, form, recorded_on=datetime.date(LAST, 11, 20))
        review.township_check(
            actor=personas["township_reviewer"], result_id=result.pk, agree=True, on=datetime.date(LAST, 11, 22)
        )
        decided.append(
            review.county_review(
                actor=personas["county_officer"], result_id=result.pk, approve=True, on=datetime.date(LAST, 11, 24)
            )
        )

    stored = ReviewResult.objects.get(pk=decided[0].pk)
    assert (stored.recorded_on, stored.township_on, stored.county_on) == (
        datetime.date(LAST, 11, 20), datetime.date(LAST, 11, 22), datetime.date(LAST, 11, 24),
    )  # fmt: skip
    changes = StatusChange.objects.filter(review_result__in=decided).order_by("procedure")
    assert [(c.procedure, c.year, c.effective_on) for c in changes] == [
        ("remove", LAST, datetime.date(LAST, 11, 24)),
        ("reopen", LAST, datetime.date(LAST, 11, 24)),
    ]
    assert Household.objects.get(pk=wrong.pk).status == "removed"


def test_without_a_date_the_acts_are_dated_today(personas, campaign):
    household = in_status(personas, 1, "registered")
    result = _record(personas, campaign, household)
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True)

    stored = ReviewResult.objects.get(pk=result.pk)
    assert (stored.recorded_on, stored.township_on, stored.county_on) == (TODAY, TODAY, TODAY)
    assert StatusChange.objects.get(review_result=result).effective_on == TODAY


@pytest.mark.parametrize(
    ("on", "code"),
    [
        pytest.param(TODAY + datetime.timedelta(days=1), "future_date", id="future_case"),
        pytest.param(datetime.date(LAST, 10, 31), "outside_campaign", id="before_opening_case"),
        pytest.param(datetime.date(LAST + 1, 1, 5), "outside_campaign", id="next_year_case"),
    ],
)
def test_a_date_outside_the_campaign_is_refused_at_every_step(personas, last_year, on, code):
    household = in_status(personas, 1, "registered")

    with pytest.raises(ServiceError) as refused_form:
        _record(personas, last_year, household, recorded_on=on)
    result = _record(personas, last_year, household, recorded_on=datetime.date(LAST, 11, 20))
    with pytest.raises(ServiceError) as refused_check:
        review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True, on=on)
    review.township_check(
        actor=personas["township_reviewer"], result_id=result.pk, agree=True, on=datetime.date(LAST, 11, 21)
    )
    with pytest.raises(ServiceError) as refused_decision:
        review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True, on=on)

    assert (refused_form.value.code, refused_form.value.field) == (code, "recorded_on")
    assert (refused_check.value.code, refused_check.value.field) == (code, "on")
    assert (refused_decision.value.code, refused_decision.value.field) == (code, "on")
    assert ReviewResult.objects.get(pk=result.pk).state == ReviewState.TOWNSHIP_CHECKED
    assert Household.objects.get(pk=household.pk).status == "registered"
    assert not StatusChange.objects.exists()


def test_a_form_dated_after_the_deadline_is_refused(personas):
    campaign = review.open_review(
        actor=personas["county_officer"], county_code=COUNTY, year=LAST, title="截止",
        opens_on=datetime.date(LAST, 11, 1), deadline=datetime.date(LAST, 11, 30),
    )  # fmt: skip
    household = in_status(personas, 1, "registered")

    with pytest.raises(ServiceError) as refused:
        _record(personas, campaign, household, recorded_on=datetime.date(LAST, 12, 1))
    accepted = _record(personas, campaign, household, recorded_on=datetime.date(LAST, 11, 30))

    assert refused.value.code == "past_deadline"
    assert ReviewResult.objects.get(pk=accepted.pk).recorded_on == datetime.date(LAST, 11, 30)


def test_a_date_in_a_frozen_year_is_refused(personas, last_year):
    household = in_status(personas, 1, "registered")
    result = _record(personas, last_year, household, recorded_on=datetime.date(LAST, 11, 20))
    # a factory: the freeze itself (and what it refuses while forms are open) is tested in test_frozen.py
    FrozenYear.objects.create(county_id=COUNTY, year=LAST, frozen_by=get_user_model().objects.first())

    with pytest.raises(ServiceError) as refused:
        review.township_check(
            actor=personas["township_reviewer"], result_id=result.pk, agree=True, on=datetime.date(LAST, 11, 22)
        )

    assert refused.value.code == "frozen_year"
    assert ReviewResult.objects.get(pk=result.pk).state == ReviewState.RECORDED


def test_the_page_refuses_a_form_dated_in_the_future_next_to_the_field(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    url = reverse("exits_review:result_add", args=[campaign.pk]) + f"?household={household.pk}"
    data = {"form": "a", "finding": "accurate", "reason": "核查", "head": "杨大山", "surveyor": "张",
            "team_leader": "李", "deputy": "王", "signed_on": TODAY.isoformat()}  # fmt: skip

    refused = client_for(personas["village_clerk"]).post(
        url, {**data, "recorded_on": (TODAY + datetime.timedelta(days=1)).isoformat()}
    )
    saved = client_for(personas["village_clerk"]).post(url, {**data, "recorded_on": TODAY.isoformat()})

    assert refused.status_code == 200
    assert refused.context["form"].errors["recorded_on"] == ["日期不能晚于今天。"]
    assert saved.status_code == 302
    assert ReviewResult.objects.get().recorded_on == TODAY


def test_the_page_refuses_a_county_decision_dated_before_the_review(personas, client_for, campaign):
    household = in_status(personas, 1, "registered")
    result = _record(personas, campaign, household)
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    before = (campaign.opens_on - datetime.timedelta(days=1)).isoformat()

    refused = client_for(personas["county_officer"]).post(
        reverse("exits_review:result_county", args=[result.pk]), {"version": "2", "approve": "1", "on": before},
        follow=True,
    )  # fmt: skip

    assert "日期须在本次动态管理期间" in refused.content.decode()
    assert ReviewResult.objects.get(pk=result.pk).state == ReviewState.TOWNSHIP_CHECKED
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_the_api_refuses_act_dates_with_the_one_error_shape(personas, api_for, last_year):
    household = in_status(personas, 1, "registered")
    forms = reverse("api:exits-review-result-list", args=[last_year.pk])
    body = {
        "household": household.pk,
        "form": "a",
        "finding": "wrongly_included",
        "reason": "核查",
        "signatures": SIGNED,
    }

    future = api_for(personas["village_clerk"]).post(
        forms, {**body, "recorded_on": (TODAY + datetime.timedelta(days=1)).isoformat()}, format="json"
    )
    created = api_for(personas["village_clerk"]).post(forms, {**body, "recorded_on": f"{LAST}-11-20"}, format="json")
    pk = created.json()["id"]
    outside = api_for(personas["township_reviewer"]).post(
        reverse("api:exits-review-result-township", args=[pk]), {"agree": True, "on": f"{LAST}-10-01"}, format="json"
    )
    checked = api_for(personas["township_reviewer"]).post(
        reverse("api:exits-review-result-township", args=[pk]), {"agree": True, "on": f"{LAST}-11-22"}, format="json"
    )
    next_year = api_for(personas["county_officer"]).post(
        reverse("api:exits-review-result-county", args=[pk]),
        {"approve": True, "on": f"{LAST + 1}-01-02"},
        format="json",
    )
    decided = api_for(personas["county_officer"]).post(
        reverse("api:exits-review-result-county", args=[pk]), {"approve": True, "on": f"{LAST}-11-24"}, format="json"
    )

    assert future.status_code == 400
    assert (future.json()["error"]["code"], list(future.json()["error"]["fields"])) == ("future_date", ["recorded_on"])
    assert created.json()["recorded_on"] == f"{LAST}-11-20"
    assert (outside.status_code, outside.json()["error"]["code"]) == (400, "outside_campaign")
    assert checked.json()["township_on"] == f"{LAST}-11-22"
    assert (next_year.status_code, next_year.json()["error"]["code"]) == (400, "outside_campaign")
    assert decided.json()["county_on"] == f"{LAST}-11-24"
    assert StatusChange.objects.get(household=household).effective_on == datetime.date(LAST, 11, 24)
