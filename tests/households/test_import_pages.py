"""The import through the browser and through the API: upload, the check's result, the commit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Job
from households import imports
from households.models import Household
from tests.households.test_import_support import (
    KONGXING,
    checked,
    family,
    household,
    upload,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def _valid() -> bytes:
    return workbook_bytes([household("1"), household("2")], family("1") + family("2", offset=1))


def test_import_page_offers_the_template_and_the_upload_form(personas, client_for):
    # when
    response = client_for(personas["village_clerk"]).get(reverse("households:import_upload", args=[KONGXING]))

    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("households:import_template", args=[KONGXING]) in page
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page


def test_upload_check_and_commit_through_the_pages(personas, client_for, django_capture_on_commit_callbacks):
    # given
    client = client_for(personas["village_clerk"])

    # when the workbook is uploaded (the check runs in-process when the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("households:import_upload", args=[KONGXING]), {"file": upload(_valid(), "孔兴村.xlsx")}
        )

    # then the browser goes to the result page, which shows the counts and the commit button
    check = Job.objects.get(kind=imports.CHECK_KIND)
    assert response.status_code == 302
    assert response["Location"] == reverse("households:import_result", args=[check.pk])
    page = client.get(response["Location"]).content.decode()
    assert check.status == "done"
    assert reverse("households:import_commit", args=[check.pk]) in page
    assert "孔兴村.xlsx" in page

    # when the import is confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("households:import_commit", args=[check.pk]))

    # then both households are registered and the page says so
    assert response.status_code == 302
    assert Household.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert reverse("households:import_commit", args=[check.pk]) not in page


def test_result_page_lists_refused_cells_and_offers_the_annotated_workbook(personas, client_for):
    # given a check with a refused cell
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=-5)], family("1")))

    # when
    response = client_for(clerk).get(reverse("households:import_result", args=[check.pk]))

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "工资性收入" in page
    assert reverse("core:job_download", args=[check.pk]) in page
    assert reverse("households:import_commit", args=[check.pk]) not in page


def test_result_page_shows_the_progress_while_checking(personas, client_for):
    # given an upload whose check has not run yet
    clerk = personas["village_clerk"]
    job = imports.start_check(actor=clerk, area_code=KONGXING, upload=upload(_valid()))

    # when
    response = client_for(clerk).get(reverse("households:import_result", args=[job.pk]))

    # then the job's progress is polled
    assert response.status_code == 200
    assert f'hx-get="{reverse("core:job_detail", args=[job.pk])}"' in response.content.decode()


def test_upload_of_a_non_workbook_shows_the_reason_at_the_field(personas, client_for):
    # when
    response = client_for(personas["village_clerk"]).post(
        reverse("households:import_upload", args=[KONGXING]), {"file": upload(b"id,name\n", "list.csv")}
    )

    # then
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Job.objects.exists()


def test_commit_of_a_refused_check_shows_why(personas, client_for):
    # given
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=-5)], family("1")))

    # when
    response = client_for(clerk).post(reverse("households:import_commit", args=[check.pk]))

    # then
    assert response.status_code == 400
    assert Household.objects.count() == 0


def test_api_upload_result_and_commit(personas, api_for, django_capture_on_commit_callbacks):
    # given
    api = api_for(personas["village_clerk"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("api:household-import-upload", args=[KONGXING]), {"file": upload(_valid())}, format="multipart"
        )

    # then the check job is returned, and its result says what the import would do
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["kind"] == imports.CHECK_KIND
    result = api.get(body["result_url"]).json()
    assert result["counts"]["new"] == 2 and result["error_count"] == 0 and result["can_commit"] is True

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:household-import-commit", args=[body["id"]]))

    # then
    assert response.status_code == 202
    assert response.json()["kind"] == imports.COMMIT_KIND
    result = api.get(body["result_url"]).json()
    assert result["committed"]["new"] == 2 and result["can_commit"] is False
    assert Household.objects.count() == 2


def test_api_result_lists_errors_by_sheet_row_and_column(personas, api_for):
    # given
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=-5)], family("1")))

    # when
    result = api_for(clerk).get(reverse("api:household-import-result", args=[check.pk])).json()

    # then
    assert result["error_count"] == 1 and result["annotated_workbook"] is True
    error = result["errors"][0]
    assert (error["sheet"], error["row"], error["column"]) == ("户", 2, "工资性收入")
    assert error["message"]


def test_api_refusals_have_the_error_shape(personas, api_for):
    # given a check with a refused cell
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=-5)], family("1")))
    api = api_for(clerk)

    # when
    commit = api.post(reverse("api:household-import-commit", args=[check.pk]))
    bad_file = api.post(
        reverse("api:household-import-upload", args=[KONGXING]), {"file": upload(b"x", "a.xlsx")}, format="multipart"
    )
    no_file = api.post(reverse("api:household-import-upload", args=[KONGXING]), {}, format="multipart")

    # then
    assert commit.status_code == 400 and commit.json()["error"]["code"] == "refused_rows"
    assert bad_file.status_code == 400 and bad_file.json()["error"]["fields"] == {
        "file": [bad_file.json()["error"]["message"]]
    }
    assert no_file.status_code == 400 and no_file.json()["error"]["code"] == "required"


def test_only_the_uploader_sees_an_import(personas, api_for, client_for):
    # given the clerk's check
    check = checked(personas["village_clerk"], _valid())

    # when the township reviewer (who may capture there) asks for it
    page = client_for(personas["township_reviewer"]).get(reverse("households:import_result", args=[check.pk]))
    api = api_for(personas["township_reviewer"]).get(reverse("api:household-import-result", args=[check.pk]))

    # then it is not found
    assert page.status_code == 404 and api.status_code == 404


def test_result_page_of_a_workbook_that_cannot_be_read_says_why(personas, client_for):
    # given a check that failed: sheet 成员 is missing
    clerk = personas["village_clerk"]

    def drop_members(workbook):
        del workbook["成员"]

    check = checked(clerk, workbook_bytes([household("1")], [], change=drop_members))

    # when
    response = client_for(clerk).get(reverse("households:import_result", args=[check.pk]))

    # then
    assert check.status == "failed"
    page = response.content.decode()
    assert response.status_code == 200
    assert check.error in page
    assert reverse("households:import_upload", args=[KONGXING]) in page


def test_result_page_follows_a_running_commit(personas, client_for):
    # given a commit requested but not yet run by a worker
    clerk = personas["village_clerk"]
    check = checked(clerk, _valid())
    commit = imports.start_commit(actor=clerk, check_id=check.pk)

    # when
    page = client_for(clerk).get(reverse("households:import_result", args=[check.pk])).content.decode()

    # then its progress is polled and the button is gone
    assert f'hx-get="{reverse("core:job_detail", args=[commit.pk])}"' in page
    assert reverse("households:import_commit", args=[check.pk]) not in page
