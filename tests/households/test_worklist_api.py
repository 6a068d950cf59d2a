"""Worklist API under /api/v1/quality/: list filters, counts, confirming notes, starting the check."""

from __future__ import annotations

from django.urls import reverse

from core.models import Job
from households.models import QualityFinding
from tests.households.conftest import KONGXING
from tests.households.test_worklist import (
    SHILI_TOWNSHIP,
    SHILICUN,
    spread,  # noqa: F401 - a fixture
)

LIST = "api:quality-finding-list"


def _list(client, **params) -> list[tuple[str, str]]:
    response = client.get(reverse(LIST), params)
    assert response.status_code == 200, response.json()
    return [(row["household_no"], row["rule"]) for row in response.json()["results"]]


def test_the_list_filters_by_area_rule_severity_household_and_state(personas, api_for, spread):  # noqa: F811
    client = api_for(personas["county_officer"])
    a, b, c, d = (spread[k].household_no for k in "abcd")

    assert _list(client) == [
        (a, "disability_certificate"),
        (a, "disability_certificate"),
        (a, "road_distance"),
        (b, "road_distance"),
        (c, "family_ages"),
        (d, "road_distance"),
    ]
    assert _list(client, area="530921201201") == [(c, "family_ages")]
    assert _list(client, area="530921202") == [(d, "road_distance")]
    assert _list(client, rule="road_distance", area="530921201") == [(a, "road_distance"), (b, "road_distance")]
    assert _list(client, severity="warning", area=KONGXING) == [(a, "disability_certificate")] * 2
    assert _list(client, household=spread["b"].pk) == [(b, "road_distance")]
    assert _list(client, household=spread["b"].pk, state="resolved") == [(b, "disability_certificate")]
    assert len(_list(client, state="all")) == 7


def test_a_row_names_household_head_member_field_message_and_note(personas, api_for, spread):  # noqa: F811
    QualityFinding.objects.filter(area_code=SHILICUN).update(note="继子女，已核实")

    row = api_for(personas["township_reviewer"]).get(reverse(LIST), {"area": SHILICUN}).json()["results"][0]

    assert {k: row[k] for k in ("household_no", "head_name", "member_position", "field", "severity", "note")} == {
        "household_no": "5309212012010001",
        "head_name": "王五",
        "member_position": 2,
        "field": "birth_date",
        "severity": "warning",
        "note": "继子女，已核实",
    }
    assert row["rule_title"] and row["message"] == "family_ages 2"


def test_the_list_is_scoped_charlie_sees_only_xinhua_and_404_for_shili(personas, api_for, spread):  # noqa: F811
    charlie = api_for(personas["charlie"])

    assert _list(charlie) == [(spread["d"].household_no, "road_distance")]
    assert _list(charlie, household=spread["a"].pk) == []
    refused = charlie.get(reverse(LIST), {"area": "530921201"})
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
    assert api_for(personas["nobody"]).get(reverse(LIST)).status_code == 403
    assert api_for(None).get(reverse(LIST)).status_code == 401


def test_malformed_filters_answer_400_in_the_error_shape(personas, api_for):
    client = api_for(personas["county_officer"])
    for params, field in (({"severity": "fatal"}, "severity"), ({"state": "x"}, "state"), ({"area": "53-"}, "area")):
        response = client.get(reverse(LIST), params)
        assert response.status_code == 400
        error = response.json()["error"]
        assert (error["status"], error["code"], list(error["fields"])) == (400, "invalid_parameter", [field])


def test_counts_by_rule_and_by_village_for_a_township(personas, api_for, spread):  # noqa: F811
    response = api_for(personas["township_reviewer"]).get(
        reverse("api:quality-counts", kwargs={"code": SHILI_TOWNSHIP})
    )

    assert response.status_code == 200
    data = response.json()
    assert data["totals"] == {"findings": 5, "errors": 2, "warnings": 3, "households": 3}
    assert [(r["rule"], r["severity"], r["findings"], r["households"]) for r in data["by_rule"]] == [
        ("road_distance", "error", 2, 2),
        ("disability_certificate", "warning", 2, 1),
        ("family_ages", "warning", 1, 1),
    ]
    assert [(r["code"], r["name"], r["errors"], r["warnings"], r["households"]) for r in data["by_child"]] == [
        (KONGXING, "孔兴村", 2, 2, 2),
        (SHILICUN, "诗礼村", 0, 1, 1),
    ]
    assert (
        api_for(personas["charlie"]).get(reverse("api:quality-counts", kwargs={"code": SHILI_TOWNSHIP})).status_code
        == 404
    )


def test_confirming_through_the_api(personas, api_for, spread):  # noqa: F811
    warning = QualityFinding.objects.get(area_code=SHILICUN)
    url = reverse("api:quality-finding-confirm", kwargs={"pk": warning.pk})
    client = api_for(personas["township_reviewer"])

    empty = client.post(url, {"note": "  "}, format="json")
    not_text = client.post(url, {"note": ["a"]}, format="json")
    done = client.post(url, {"note": "户主再婚，已核实"}, format="json")

    assert empty.status_code == 400
    assert empty.json()["error"]["code"] == "note_required"
    assert list(empty.json()["error"]["fields"]) == ["note"]
    assert not_text.status_code == 400
    assert done.status_code == 200 and done.json()["note"] == "户主再婚，已核实"
    assert api_for(personas["county_officer"]).post(url, {"note": "x"}, format="json").status_code == 403
    assert api_for(personas["charlie"]).post(url, {"note": "x"}, format="json").status_code == 404


def test_starting_the_check_answers_202_with_the_job_to_poll(personas, api_for):
    client = api_for(personas["village_clerk"])

    response = client.post(reverse("api:quality-scan", kwargs={"code": KONGXING}))

    assert response.status_code == 202
    job = Job.objects.get()
    assert (response.json()["id"], response.json()["kind"], response.json()["status"]) == (
        job.pk,
        "quality_scan",
        "queued",
    )
    assert client.get(reverse("api:job-detail", kwargs={"pk": job.pk})).status_code == 200
    auditor = api_for(personas["auditor"]).post(reverse("api:quality-scan", kwargs={"code": KONGXING}))
    assert auditor.status_code == 403 and auditor.json()["error"]["code"] == "permission_denied"


def test_the_schema_describes_the_worklist_endpoints(world, api_for):
    paths = api_for(None).get(reverse("schema"), {"format": "json"}).json()["paths"]
    assert {
        "/api/v1/quality/findings/",
        "/api/v1/quality/findings/{id}/confirm/",
        "/api/v1/quality/areas/{code}/counts/",
        "/api/v1/quality/areas/{code}/scan/",
    } <= set(paths)
