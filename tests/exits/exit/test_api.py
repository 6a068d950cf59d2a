"""The exit API: the same services, the one error shape, stale versions and frozen years."""

from __future__ import annotations

import pytest
from django.utils import timezone

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


def test_the_exit_notice_is_drafted_here_and_concluded_through_the_notices_api(personas, api_for, proposed):
    # given
    case = walk(proposed, personas["superuser"], "acknowledged")
    client = api_for(personas["township_reviewer"])

    # when: drafted through the exit API, posted today through identification's
    drafted = client.post(
        f"{BASE}/publicity/", {"village": KONGXING, "year": YEAR, "contact": "0883-4311001"}, format="json"
    )
    assert drafted.status_code == 201
    notice = drafted.json()["notice"]
    assert (drafted.json()["title"], drafted.json()["cases"]) == (f"孔兴村{YEAR}年拟退出贫困户名单公示", 1)
    posted = client.post(
        f"/api/v1/notices/{notice}/post/", {"starts_on": timezone.localdate().isoformat(), "posted_place": "栏"}
    )
    assert posted.status_code == 200, posted.content

    # then: the case shows the notice, and concluding it early is refused in the one error shape
    detail = client.get(f"{BASE}/cases/{case.pk}/").json()
    assert (detail["state"], [n["id"] for n in detail["notices"]]) == ("in_publicity", [notice])
    early = client.post(f"/api/v1/notices/{notice}/conclude/", {}, format="json")
    assert early.status_code == 400
    assert early.json()["error"]["code"] == "too_early"
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.IN_PUBLICITY


def test_drafting_without_phones_names_the_field(personas, api_for, proposed):
    walk(proposed, personas["superuser"], "acknowledged")
    response = api_for(personas["township_reviewer"]).post(
        f"{BASE}/publicity/", {"village": KONGXING, "year": YEAR}, format="json"
    )
    assert response.status_code == 400
    assert "contact" in response.json()["error"]["fields"]


def test_the_city_and_the_province_file_through_the_api(personas, api_for, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    refused = api_for(personas["county_officer"]).post(
        f"{BASE}/cases/{case.pk}/record_city_filing/", {"filed_on": "2026-01-10"}, format="json"
    )
    assert refused.status_code == 403
    city = api_for(personas["city_inspector"]).post(
        f"{BASE}/cases/{case.pk}/record_city_filing/", {"filed_on": "2026-01-10"}, format="json"
    )
    assert (city.status_code, city.json()["state"]) == (200, "city_filed")
    province = api_for(personas["province_officer"]).post(
        f"{BASE}/cases/{case.pk}/record_province_filing/", {"filed_on": "2026-01-10"}, format="json"
    )
    assert (province.status_code, province.json()["state"]) == (200, "filed")


def test_bulk_filing_answers_per_case(personas, api_for, proposed):
    case = walk(proposed, personas["superuser"], "announced")
    response = api_for(personas["city_inspector"]).post(
        f"{BASE}/cases/bulk/",
        {"step": "record_city_filing", "case_ids": [case.pk, case.pk + 1000], "filed_on": "2026-01-10"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["succeeded"] == [case.pk]
    assert body["failed"] == [{"id": case.pk + 1000, "code": "not_found", "message": body["failed"][0]["message"]}]
    assert ExitCase.objects.get(pk=case.pk).state == ExitState.CITY_FILED


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
