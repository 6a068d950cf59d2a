"""API of the yearly review, the status procedures and frozen years: the same services, the one
error shape, 409 on stale versions and a second freeze."""

from __future__ import annotations

import pytest
from django.urls import reverse

from exits.models import FrozenYear, ReviewResult
from households.models import Household
from tests.exits.review.conftest import COUNTY, SIGNED, YEAR, in_status

pytestmark = pytest.mark.django_db


def _form(household, **extra) -> dict:
    return {"household": household.pk, "form": "a", "finding": "wrongly_included", "reason": "核查",
            "signatures": SIGNED, **extra}  # fmt: skip


def test_a_form_goes_through_the_api_and_the_rates_follow(personas, api_for, request):
    household = in_status(personas, 1, "registered")
    campaign = request.getfixturevalue("campaign")
    forms = reverse("api:exits-review-result-list", args=[campaign.pk])

    created = api_for(personas["village_clerk"]).post(forms, _form(household), format="json")
    pk = created.json()["id"]
    township = api_for(personas["township_reviewer"]).post(
        reverse("api:exits-review-result-township", args=[pk]), {"agree": True, "version": 1}, format="json"
    )
    stale = api_for(personas["county_officer"]).post(
        reverse("api:exits-review-result-county", args=[pk]), {"approve": True, "version": 1}, format="json"
    )
    county = api_for(personas["county_officer"]).post(
        reverse("api:exits-review-result-county", args=[pk]), {"approve": True, "version": 2}, format="json"
    )
    report = api_for(personas["auditor"]).get(reverse("api:exits-review-campaign-report", args=[campaign.pk])).json()

    assert created.status_code == 201 and created.json()["signatures"]["deputy"]["name"] == "deputy签字"
    assert township.json()["state"] == "township_checked"
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    assert county.json()["state"] == "applied"
    assert report["wrong_inclusion_rate"] == "100.00" and report["start_people"] == 4
    assert report["findings"]["wrongly_included"] == {"households": 1, "people": 4}


def test_an_unsigned_form_has_the_one_error_shape(personas, api_for, campaign):
    household = in_status(personas, 1, "registered")

    response = api_for(personas["village_clerk"]).post(
        reverse("api:exits-review-result-list", args=[campaign.pk]),
        _form(household, signatures={"head": {"name": "杨"}}),
        format="json",
    )

    error = response.json()["error"]
    assert response.status_code == 400
    assert (error["code"], list(error["fields"])) == ("unsigned", ["signatures"])
    assert error["details"] == {"missing": ["surveyor", "team_leader", "deputy"]}
    assert not ReviewResult.objects.exists()


def test_status_procedures_and_history_through_the_api(personas, api_for):
    household = in_status(personas, 1, "exited", exit_year=YEAR - 1)
    url = reverse("api:exits-household-status", args=[household.pk])

    refused = api_for(personas["township_reviewer"]).post(url, {"procedure": "reopen", "reason": "错退"}, format="json")
    done = api_for(personas["county_officer"]).post(
        url, {"procedure": "reopen", "reason": "错退", "documents": ["核查报告"]}, format="json"
    )
    history = api_for(personas["village_clerk"]).get(url).json()

    assert refused.status_code == 403
    assert done.status_code == 201
    assert [(c["procedure"], c["from_status"], c["to_status"], c["documents"]) for c in history] == [
        ("reopen", "exited", "registered", ["核查报告"])
    ]
    assert Household.objects.get(pk=household.pk).status == "registered"


def test_freezing_through_the_api(personas, api_for, campaign):
    household = in_status(personas, 1, "registered")
    from exits import review

    result = review.record_result(
        actor=personas["village_clerk"], campaign_id=campaign.pk, household_id=household.pk, form="a",
        finding="accurate", reason="核查", signatures=SIGNED,
    )  # fmt: skip
    url = reverse("api:exits-frozen-years", args=[COUNTY])
    api = api_for(personas["county_officer"])

    refused = api.post(url, {"year": YEAR}, format="json")
    review.township_check(actor=personas["township_reviewer"], result_id=result.pk, agree=True)
    review.county_review(actor=personas["county_officer"], result_id=result.pk, approve=True)
    frozen = api.post(url, {"year": YEAR}, format="json")
    again = api.post(url, {"year": YEAR}, format="json")
    listed = api_for(personas["auditor"]).get(url).json()

    assert refused.status_code == 400 and refused.json()["error"]["code"] == "open_items"
    assert refused.json()["error"]["details"]["open"][0]["label"] == household.household_no
    assert frozen.status_code == 201 and frozen.json()["year"] == YEAR
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_frozen"
    assert [row["year"] for row in listed] == [YEAR]
    assert FrozenYear.objects.count() == 1


def test_differences_through_the_api(personas, api_for):
    in_status(personas, 1, "registered")
    url = reverse("api:exits-differences", args=[COUNTY])

    body = api_for(personas["city_inspector"]).get(url, {"year": YEAR}).json()
    bad = api_for(personas["city_inspector"]).get(url, {"year": "abc"})

    assert body["totals"]["new"] == 1 and body["totals"]["members_in"] == 4
    assert body["areas"][0]["name"] == "孔兴村"
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["year"]
