"""The commit of a checked workbook: all rows or none, the same result as the form, idempotent,
refused when the check refused cells or the registry changed since the check."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from core.errors import Conflict, ServiceError
from core.jobs import job_file_path, run_job
from core.models import ChangeAction, Job, ObjectChange
from households import bulk, imports
from households.models import Household, HouseholdCounter, Member, QualityFinding
from households.services import save_household
from tests.households.conftest import family_of_four, household_input
from tests.households.test_import_support import (
    KONGXING,
    SHILI_VILLAGE,
    checked,
    committed,
    family,
    household,
    workbook_bytes,
)

pytestmark = pytest.mark.django_db


def _registry() -> tuple:
    """Everything an import may write, to show that a refusal wrote none of it."""
    return (
        Household.objects.count(),
        Member.objects.count(),
        QualityFinding.objects.count(),
        ObjectChange.objects.filter(action=ChangeAction.IMPORT).count(),
        list(Household.objects.values_list("version", flat=True)),
        HouseholdCounter.objects.aggregate(total=Sum("last_number"))["total"],
    )


def test_commit_writes_every_household_as_the_form_would(personas):
    # given two checked households of 孔兴村 (one with a disabled member: a warning, not an error)
    clerk = personas["village_clerk"]
    members = family("1") + family("2", offset=1)
    members[5] = {**members[5], "health": "04 残疾"}
    check = checked(clerk, workbook_bytes([household("1"), household("2")], members))

    # when
    job = committed(clerk, check)

    # then
    assert job.status == "done", job.error
    assert job.result == {"job": job.pk, "new": 2, "changed": 0, "unchanged": 0}
    first, second = Household.objects.order_by("household_no")
    assert [first.household_no, second.household_no] == [f"{KONGXING}0001", f"{KONGXING}0002"]
    assert first.head_name == "杨大山" and first.household_size == 4
    assert first.status == "applicant" and first.entry_state == "draft" and first.created_by == clerk
    assert [m.position for m in first.members.order_by("position")] == [1, 2, 3, 4]
    assert first.members.get(position=1).gender == "1" and first.members.get(position=2).gender == "2"
    # one audit row per household, action import, with the members
    change = ObjectChange.objects.get(object_pk=str(first.pk), action=ChangeAction.IMPORT)
    assert change.before is None and change.actor == clerk and change.area_code == KONGXING
    assert change.after["main_cause"] == "01" and len(change.after["members"]) == 4
    # the warning is a finding of the household, counted on it
    finding = QualityFinding.objects.get()
    assert (finding.household, finding.rule, finding.member_position) == (second, "disability_certificate", 2)
    assert second.quality_warnings == 1 and second.quality_errors == 0


def test_imported_household_equals_the_one_saved_through_the_form(personas):
    # given the fixture household saved through the form in 孔兴村, and the same one imported in 诗礼村
    reviewer = personas["township_reviewer"]
    form = save_household(
        actor=reviewer, village_code=KONGXING, fields=household_input(), members=family_of_four()
    ).household
    Member.objects.filter(household=form).update(is_active=False)  # free the ID numbers for the import
    content = workbook_bytes([household("1", village=SHILI_VILLAGE)], family("1"))

    # when
    job = committed(reviewer, checked(reviewer, content, area_code="530921201000"))

    # then every figure the services derive is the same
    imported = Household.objects.get(village=SHILI_VILLAGE)
    assert job.status == "done", job.error
    for name in ["head_name", "household_size", "net_income", "net_income_per_capita", "main_cause", "other_causes",
                 "wage_income", "distance_to_main_road_km", "irrigated_land_mu", "quality_warnings"]:  # fmt: skip
        assert getattr(imported, name) == getattr(form, name), name
    fields = ["name", "gender", "id_number", "birth_date", "relation", "education", "school_status", "position"]
    assert list(imported.members.order_by("position").values(*fields)) == list(
        form.members.order_by("position").values(*fields)
    )


def test_importing_the_same_workbook_twice_changes_nothing_the_second_time(personas):
    # given a workbook imported once
    clerk = personas["village_clerk"]
    content = workbook_bytes([household("1"), household("2")], family("1") + family("2", offset=1))
    committed(clerk, checked(clerk, content))
    before = _registry()

    # when it is checked and imported again
    again = checked(clerk, content)
    job = committed(clerk, again)

    # then every household is unchanged and nothing is written
    assert again.result["counts"]["unchanged"] == 2 and again.result["counts"]["new"] == 0
    assert job.result == {"job": job.pk, "new": 0, "changed": 0, "unchanged": 2}
    assert _registry() == before


def test_a_changed_row_updates_the_registered_household(personas, saved_household):
    # given the saved household's workbook row with a higher wage, matched by its head's ID number
    clerk = personas["village_clerk"]
    content = workbook_bytes([household("1", wage_income=9000)], family("1"))
    check = checked(clerk, content)

    # when
    job = committed(clerk, check)

    # then
    assert check.result["counts"]["changed"] == 1
    assert job.result["changed"] == 1, job.error
    saved_household.refresh_from_db()
    assert saved_household.wage_income == Decimal("9000.00") and saved_household.version == 2
    assert saved_household.members.count() == 4
    change = ObjectChange.objects.get(action=ChangeAction.IMPORT)
    assert change.before == {"wage_income": "2400.00"} and change.after == {"wage_income": "9000.00"}
    # the income warning of the form follows the new figures
    assert saved_household.quality_warnings == QualityFinding.objects.filter(resolved_at__isnull=True).count()


def test_a_row_with_its_household_number_updates_that_household(personas, saved_household):
    # given the household number, and a fifth member added
    clerk = personas["village_clerk"]
    members = family("1") + [family("1", offset=3)[3]]
    content = workbook_bytes([household("1", household_no=saved_household.household_no)], members)

    # when
    job = committed(clerk, checked(clerk, content))

    # then
    assert job.result["changed"] == 1, job.error
    saved_household.refresh_from_db()
    assert saved_household.household_size == 5
    assert list(saved_household.members.order_by("position").values_list("position", flat=True)) == [1, 2, 3, 4, 5]


def test_unknown_household_number_and_a_missing_member_are_refused(personas, saved_household):
    # given a number no household has, and the saved household without its daughter
    clerk = personas["village_clerk"]
    content = workbook_bytes(
        [household("1", household_no=f"{KONGXING}9999"), household("2")], family("1", offset=4) + family("2")[:3]
    )

    # when
    check = checked(clerk, content)

    # then
    assert [(e["row"], e["column"], e["code"]) for e in check.result["errors"]] == [
        (2, "户编号", "unknown_household"),
        (3, "户序号", "missing_member"),
    ]
    assert "杨小红" in check.result["errors"][1]["message"]


def test_commit_is_refused_when_the_check_refused_cells(personas):
    # given a check with a negative income
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=-1)], family("1")))
    before = _registry()

    # when / then
    with pytest.raises(ServiceError) as refused:
        imports.start_commit(actor=clerk, check_id=check.pk)
    assert refused.value.code == "refused_rows"
    assert _registry() == before


def test_commit_is_refused_when_a_person_was_registered_since_the_check(personas):
    # given a checked workbook, then one of its people registered through the form
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1"), household("2")], family("1") + family("2", offset=1)))
    reviewer = personas["township_reviewer"]
    save_household(actor=reviewer, village_code=SHILI_VILLAGE, fields=household_input(), members=family_of_four(1))
    before = _registry()

    # when
    job = committed(clerk, check)

    # then nothing of the workbook is written; the refusal names the row, and not where the person
    # is (诗礼村, outside the clerk's village: the county office resolves it)
    assert job.status == "failed"
    assert "第 3 行" in job.error and "该证件号码不能在此登记，由县扶贫办核实处理。" in job.error
    assert "530921" not in job.error and "诗礼" not in job.error
    assert _registry() == before


def test_commit_is_refused_when_a_household_was_edited_since_the_check(personas, saved_household):
    # given a check that changes the saved household, then an edit through the form
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1", wage_income=9000)], family("1")))
    save_household(
        actor=clerk,
        household_id=saved_household.pk,
        expected_version=1,
        fields=household_input(wage_income=Decimal("3000")),
        members=[],
    )
    before = _registry()

    # when
    job = committed(clerk, check)

    # then
    assert job.status == "failed"
    assert saved_household.household_no in job.error
    assert _registry() == before


def test_a_failure_in_the_middle_rolls_everything_back(personas, monkeypatch):
    # given batches of two households, and a database failure while writing the third batch
    clerk = personas["village_clerk"]
    monkeypatch.setattr(imports, "BATCH", 2)
    rows = [household(str(n)) for n in range(1, 7)]
    members = [m for n in range(1, 7) for m in family(str(n), offset=n)]
    check = checked(clerk, workbook_bytes(rows, members))
    before = _registry()
    write = bulk.ImportSession.write
    calls = []

    def failing_write(self, outcomes, **kwargs):
        calls.append(len(outcomes))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return write(self, outcomes, **kwargs)

    monkeypatch.setattr(bulk.ImportSession, "write", failing_write)

    # when
    job = committed(clerk, check)

    # then the two batches written before the failure are gone too
    assert calls == [2, 2, 2]
    assert job.status == "failed"
    assert _registry() == before
    assert "commit" not in Job.objects.get(pk=check.pk).result


def test_the_commit_task_delivered_twice_writes_once(personas):
    # given a commit that finished its transaction, but whose worker died before acknowledging
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1")], family("1")))
    job = committed(clerk, check)
    Job.objects.filter(pk=job.pk).update(status="running")
    before = _registry()

    # when the broker delivers the task again
    again = run_job(job.pk, imports.commit_handler)

    # then it reports the same result and writes nothing
    assert again.status == "done"
    assert again.result == job.result
    assert _registry() == before


def test_a_check_is_committed_once(personas):
    # given a committed check
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1")], family("1")))
    committed(clerk, check)

    # when / then
    with pytest.raises(Conflict) as again:
        imports.start_commit(actor=clerk, check_id=check.pk)
    assert again.value.code == "committed"


def test_commit_removes_the_upload_and_the_staged_rows(personas, django_capture_on_commit_callbacks):
    # given
    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1")], family("1")))
    files = [job_file_path(check.params["upload"]), job_file_path(check.result["staged"])]
    assert all(path.exists() for path in files)
    job = imports.start_commit(actor=clerk, check_id=check.pk)

    # when the commit's transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        run_job(job.pk, imports.commit_handler)

    # then the personal data is kept once, in the registry
    assert Household.objects.count() == 1
    assert not any(path.exists() for path in files)


def test_commit_needs_the_capture_action_still(personas):
    # given a check by the clerk, who is then left with no role
    from areas import services as area_services

    clerk = personas["village_clerk"]
    check = checked(clerk, workbook_bytes([household("1")], family("1")))
    area_services.revoke_role(actor=None, user=clerk, role="village_clerk", area_code=KONGXING)
    clerk = type(clerk).objects.get(pk=clerk.pk)

    # when / then
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        imports.start_commit(actor=clerk, check_id=check.pk)


def test_another_users_check_is_not_found(personas):
    # given the clerk's check
    from django.http import Http404

    check = checked(personas["village_clerk"], workbook_bytes([household("1")], family("1")))

    # when / then the township reviewer of the same township cannot see or commit it
    with pytest.raises(Http404):
        imports.import_status(actor=personas["township_reviewer"], check_id=check.pk)
    with pytest.raises(Http404):
        imports.start_commit(actor=personas["township_reviewer"], check_id=check.pk)


def test_uploads_of_checks_never_imported_are_purged_after_a_week(personas):
    # given a check of eight days ago, never imported, and one of today
    clerk = personas["village_clerk"]
    old = checked(clerk, workbook_bytes([household("1")], family("1")))
    Job.objects.filter(pk=old.pk).update(created_at=old.created_at - datetime.timedelta(days=8))
    recent = checked(clerk, workbook_bytes([household("1")], family("1")))

    # when
    deleted = imports.purge_stale_uploads()

    # then the old one's files are gone, and committing it says to upload again
    assert deleted == 2
    assert not job_file_path(old.params["upload"]).exists()
    assert job_file_path(recent.params["upload"]).exists() and job_file_path(recent.result["staged"]).exists()
    job = committed(clerk, Job.objects.get(pk=old.pk))
    assert job.status == "failed" and job.error
    assert Household.objects.count() == 0
