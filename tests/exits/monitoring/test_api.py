"""Monitoring API: the same services and scopes as the pages, the one error shape."""

from __future__ import annotations

import pytest

from exits.models import AttentionFlag, MonitoringCase, MonitoringLine
from tests.exits.monitoring.conftest import make_household

pytestmark = pytest.mark.django_db

CASES = "/api/v1/exits/monitoring/cases/"


def _error(response) -> dict:
    body = response.json()["error"]
    assert set(body) >= {"status", "code", "message", "fields"}
    return body


def test_an_alert_then_a_step_and_the_detail(personas, api_for):
    household = make_household(personas, 1, status="exited")
    clerk = api_for(personas["village_clerk"])

    created = clerk.post(
        CASES, {"household": household.pk, "kind": "unstable_exited", "channel": "complaint", "note": "邻居反映"},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201
    case_id = created.json()["id"]
    step = clerk.post(
        f"{CASES}{case_id}/steps/", {"step": "record_home_check", "note": "属实", "version": 1}, format="json"
    )
    assert step.status_code == 200
    body = step.json()
    assert (body["state"], body["version"], body["household_status"]) == ("home_checked", 2, "exited")
    assert [e["to_state"] for e in body["events"]] == ["alerted", "home_checked"]

    listed = api_for(personas["county_officer"]).get(CASES, {"state": "home_checked"}).json()
    assert [row["id"] for row in listed["results"]] == [case_id]
    assert api_for(personas["charlie"]).get(f"{CASES}{case_id}/").status_code == 404


def test_refusals_have_the_one_error_shape(personas, api_for):
    household = make_household(personas, 1, status="registered")
    clerk = api_for(personas["village_clerk"])

    bad_kind = clerk.post(
        CASES, {"household": household.pk, "kind": "x", "channel": "complaint", "note": "n"}, format="json"
    )
    assert bad_kind.status_code == 400 and "kind" in _error(bad_kind)["fields"]
    not_monitorable = clerk.post(
        CASES, {"household": household.pk, "kind": "marginal", "channel": "complaint", "note": "n"}, format="json"
    )
    assert _error(not_monitorable)["code"] == "not_monitorable"
    forbidden = api_for(personas["county_officer"]).post(
        CASES, {"household": household.pk, "kind": "marginal", "channel": "complaint", "note": "n"}, format="json"
    )
    assert forbidden.status_code == 403 and _error(forbidden)["code"] == "permission_denied"
    assert api_for(None).get(CASES).status_code == 401
    assert not MonitoringCase.objects.exists()


def test_a_stale_step_is_409(personas, api_for):
    household = make_household(personas, 1, status="exited")
    clerk = api_for(personas["village_clerk"])
    case_id = clerk.post(
        CASES,
        {"household": household.pk, "kind": "unstable_exited", "channel": "complaint", "note": "n"},
        format="json",
    ).json()["id"]
    clerk.post(f"{CASES}{case_id}/steps/", {"step": "record_home_check", "note": "属实", "version": 1}, format="json")

    again = clerk.post(
        f"{CASES}{case_id}/steps/", {"step": "record_commitment", "note": "x", "on": "2026-01-02", "version": 1},
        format="json",
    )  # fmt: skip

    assert again.status_code == 409 and _error(again)["code"] == "stale"


def test_lines_read_by_all_set_by_the_province(personas, api_for):
    url = "/api/v1/exits/monitoring/lines/"
    saved = api_for(personas["province_officer"]).post(
        url, {"province": "530000000000", "year": 2026, "amount": "6000"}, format="json"
    )
    assert saved.status_code == 200 and saved.json()["amount"] == "6000.00"
    assert api_for(personas["village_clerk"]).get(url).json()[0]["province"] == "530000000000"
    refused = api_for(personas["city_inspector"]).post(
        url, {"province": "530000000000", "year": 2026, "amount": "1"}, format="json"
    )
    assert refused.status_code == 404
    assert MonitoringLine.objects.get().amount == 6000


def test_flags_refresh_list_and_start(personas, api_for, poverty_line):
    household = make_household(personas, 1, status="exited", housing_safety="03")
    reviewer = api_for(personas["township_reviewer"])

    refreshed = reviewer.post("/api/v1/exits/monitoring/flags/refresh/", {"area": "530921201000"}, format="json")
    assert refreshed.status_code == 200
    assert refreshed.json()["raised"] == {"low_income": 1, "income_fall": 0, "new_illness": 0, "dangerous_house": 1}
    listed = reviewer.get("/api/v1/exits/monitoring/flags/", {"kind": "dangerous_house"}).json()["results"]
    assert [(row["household"], row["kind"]) for row in listed] == [(household.pk, "dangerous_house")]

    flag = AttentionFlag.objects.get(kind="dangerous_house")
    started = api_for(personas["village_clerk"]).post(
        f"/api/v1/exits/monitoring/flags/{flag.pk}/start/", {}, format="json"
    )
    assert started.status_code == 201 and started.json()["channel"] == "data_analysis"
    assert (
        api_for(personas["village_clerk"])
        .post("/api/v1/exits/monitoring/flags/refresh/", {"area": "530921201200"}, format="json")
        .status_code
        == 403
    )


def test_a_frozen_year_is_refused_through_the_api_too(personas, api_for):
    from django.utils import timezone

    from exits.models import FrozenYear

    household = make_household(personas, 1, status="exited")
    clerk = api_for(personas["village_clerk"])
    case_id = clerk.post(
        CASES,
        {"household": household.pk, "kind": "unstable_exited", "channel": "complaint", "note": "n"},
        format="json",
    ).json()["id"]
    FrozenYear.objects.create(
        county_id="530921000000", year=timezone.localdate().year, frozen_by=personas["county_officer"]
    )

    refused = clerk.post(f"{CASES}{case_id}/steps/", {"step": "record_home_check", "note": "属实"}, format="json")

    assert refused.status_code == 400 and _error(refused)["code"] == "frozen_year"
    assert MonitoringCase.objects.get().state == "alerted"
