"""The API twins: request a report, list report jobs, a job's status and its download, scoped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import ChangeAction, Job, ObjectChange
from reporting.sources import open_year

pytestmark = pytest.mark.django_db

URL = reverse("api:report-list")
COUNTY = "530921000000"
TOWNSHIP = "530921201000"


def test_request_poll_and_download_a_report(personas, api_for, report_data, django_capture_on_commit_callbacks):
    client = api_for(personas["township_reviewer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"kind": "causes", "area": TOWNSHIP, "year": open_year()}, format="json")
    assert response.status_code == 202
    job_id = response.json()["id"]
    assert response.json()["kind"] == "report_causes"

    status = client.get(reverse("api:job-detail", kwargs={"pk": job_id})).json()
    assert (status["status"], status["percent"], status["attempts"]) == ("done", 100, 1)
    assert status["file_name"].endswith(".xlsx")

    listed = client.get(URL).json()
    assert [job["id"] for job in listed["results"]] == [job_id]

    download = client.get(reverse("api:job-download", kwargs={"pk": job_id}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    assert ObjectChange.objects.filter(
        action=ChangeAction.EXPORT, object_pk=str(job_id), actor=personas["township_reviewer"]
    ).exists()


def test_the_list_holds_only_report_jobs_of_areas_in_scope(personas, api_for, report_data):
    Job.objects.create(kind="report_registry", area_code=TOWNSHIP, requested_by=personas["county_officer"])
    Job.objects.create(kind="report_registry", area_code="530921202000", requested_by=personas["charlie"])
    Job.objects.create(kind="household_import", area_code=TOWNSHIP, requested_by=personas["county_officer"])
    listed = api_for(personas["township_reviewer"]).get(URL).json()["results"]
    assert [(job["kind"], job["area_code"]) for job in listed] == [("report_registry", TOWNSHIP)]
    assert api_for(personas["nobody"]).get(URL).json()["results"] == []


def test_a_report_out_of_scope_answers_404_with_the_error_shape(personas, api_for, report_data):
    response = api_for(personas["charlie"]).post(URL, {"kind": "registry", "area": TOWNSHIP}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == 404
    assert not Job.objects.exists()


def test_a_role_without_export_gets_403(personas, api_for, report_data):
    response = api_for(personas["village_clerk"]).post(URL, {"kind": "registry", "area": "530921201200"}, format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "nonsense", "area": TOWNSHIP}, "kind"), ({"kind": "registry", "area": TOWNSHIP, "year": 1999}, "year")],
    ids=["unknown_kind", "year_too_early"],
)
def test_bad_input_answers_400_naming_the_field(personas, api_for, report_data, body, field):
    response = api_for(personas["township_reviewer"]).post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Job.objects.exists()


def test_anonymous_callers_get_401(api_for):
    assert api_for(None).get(URL).status_code == 401
