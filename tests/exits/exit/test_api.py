"""The exit API: the same services, the one error shape, stale versions and frozen years."""

from __future__ import annotations

import pytest
from django.utils import timezone

from exits import exit_services as s
from exits.exit_choices import ExitState
from exits.models import ExitCase, FrozenYear
from households.models import Household
from tests.exits.exit.conftest import CHECKLIST, KONGXING, YEAR, walk

pytestmark = pytest.mark.django_db

BASE = "/api/v1/exits/exit"


def test_the_list_answers_the_callers_cases_with_status_and_exit_year(personas, api_for, proposed):
    walk(proposed, personas["superuser"], "announced")
    body = api_for(personas["village_clerk"]).get(f"{BASE}/cases/", {"year": YEAR}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["state"], row["household_status"], row["exit_year"]) == ("announced", "exited", YEAR)
    assert api_for(personas["charlie"]).get(f"{BASE}/cases/", {"year": YEAR}).json()["count"] == 0


def test_a_step_with_a_stale_version_answers_409(personas, api_for, proposed):
    client = api_for(personas["village_clerk"])
    vote = {"meeting_date": "2026-01-10", "representatives": 30, "present": 24, "votes_for": 20, "votes_against": 3}
    first = client.post(f"{BASE}/cases/{proposed.pk}/record_village_appraisal/", {**vote, "version": 1}, format="json")
    assert first.status_code == 200
    assert first.json()["state"] == "village_appraised"

    second = client.post(
        f"{BASE}/cases/{proposed.pk}/record_home_verification/",
        {"visited_on": "2026-01-10", "income_per_capita": "5450", "verifiers": "张三", "version": 1}
        | {f"check_{k}": v for k, v in CHECKLIST.items()},
        format="json",
    )
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "stale"


def test_approval_under_the_line_answers_400_with_the_reasons(personas, api_for, proposed):
    case = walk(proposed, personas["superuser"], "township_reviewed")
    Household.objects.filter(pk=case.household_id).update(net_income_per_capita="3999.00")

    response = api_for(personas["county_officer"]).post(
        f"{BASE}/cases/{case.pk}/approve/", {"opinion": "同意"}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "criteria_not_met"
    assert error["details"] == ["人均纯收入3999.00元，未超过扶贫标准4000.00元。"]
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.TOWNSHIP_REVIEWED


def test_bad_input_names_the_field(personas, api_for, proposed):
    response = api_for(personas["village_clerk"]).post(
        f"{BASE}/cases/{proposed.pk}/record_village_appraisal/", {"present": "many"}, format="json"
    )
    assert response.status_code == 400
    assert {"meeting_date", "present"} <= set(response.json()["error"]["fields"])


def test_concluding_early_through_the_api_is_refused(personas, api_for, proposed):

    case = walk(proposed, personas["superuser"], "acknowledged")
    s.post_publicity(
        actor=personas["superuser"],
        village_code=KONGXING,
        year=YEAR,
        starts_on=timezone.localdate(),
        posted_place="栏",
    )
    response = api_for(personas["township_reviewer"]).post(
        f"{BASE}/cases/{case.pk}/conclude_publicity/", {}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_early"


def test_a_frozen_year_refuses_the_api_too(personas, api_for, proposed):
    FrozenYear.objects.create(county_id="530921000000", year=YEAR, frozen_by=personas["superuser"])
    response = api_for(personas["township_reviewer"]).post(
        f"{BASE}/cases/{proposed.pk}/withdraw/", {"reason": "不稳定"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "frozen_year"


def test_the_household_api_shows_status_and_exit_year(personas, api_for, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    body = api_for(personas["village_clerk"]).get(f"/api/v1/households/{case.household_id}/").json()
    assert (body["status"], body["exit_year"]) == ("exited", YEAR)
