"""The data-quality worklist services: counts by rule and by area, confirming notes, and the
area-wide check run as a job (eagerly here; test_celery_worker.py runs it in a real worker)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext

from config.celery import app as celery_app
from core.errors import Conflict, ServiceError
from core.models import Job, ObjectChange
from households.models import Household, Member, QualityFinding
from households.quality import RULES
from households.quality_tasks import run_quality_scan
from households.services import save_household
from households.worklist import (
    FindingFilters,
    _write_changes,
    confirm_finding,
    counts_by_child,
    counts_by_rule,
    findings_for,
    rescan_area,
    start_quality_scan,
    worklist_area,
)
from tests.households.conftest import KONGXING, family_of_four, household_input

SHILICUN = "530921201201"
XINHUACUN = "530921202200"
SHILI_TOWNSHIP = "530921201000"
XINHUA_TOWNSHIP = "530921202000"
COUNTY = "530921000000"


# --- helpers shared by the worklist test modules --------------------------------------------------


def household_in(village: str, number: int, head: str = "张三") -> Household:
    """A bare household row (no members): enough for findings counted and listed."""
    return Household.objects.create(
        household_no=f"{village}{number:04d}", village_id=village, survey_year=2024, head_name=head
    )


def finding_of(
    household: Household, rule: str, *, member: int | None = None, field: str = "", resolved=False, note=""
) -> QualityFinding:
    return QualityFinding.objects.create(
        household=household,
        area_code=household.village_id,
        rule=rule,
        severity=RULES[rule].severity,
        field=field,
        member_position=member,
        message=f"{rule} {member or ''}".strip(),
        note=note,
        resolved_at=timezone.now() if resolved else None,
    )


def bulk_households(village: str, count: int, start: int = 1) -> list[Household]:
    """``count`` households with two open findings each (an error and a warning), in few queries."""
    households = Household.objects.bulk_create(
        Household(household_no=f"{village}{n:04d}", village_id=village, survey_year=2024, head_name=f"户主{n}")
        for n in range(start, start + count)
    )
    households = list(Household.objects.filter(household_no__in=[h.household_no for h in households]))
    QualityFinding.objects.bulk_create(
        QualityFinding(
            household=h,
            area_code=village,
            rule=rule,
            severity=RULES[rule].severity,
            field=field,
            member_position=member,
            message=rule,
        )
        for h in households
        for rule, field, member in (
            ("road_distance", "distance_to_main_road_km", None),
            ("family_ages", "birth_date", 2),
        )
    )
    return households


@pytest.fixture
def eager_tasks():
    """Tasks run in-process whatever REDIS_URL says (CI has Redis but no worker for these tests)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def spread(personas):
    """Open and resolved findings in two villages of 诗礼乡 and one of 新华乡.

    孔兴村: A (2 disability warnings, 1 road error), B (1 road error, 1 resolved warning)
    诗礼村: C (1 family-ages warning)
    新华村: D (1 road error)
    """
    a, b = household_in(KONGXING, 1, "杨大山"), household_in(KONGXING, 2, "李四")
    c, d = household_in(SHILICUN, 1, "王五"), household_in(XINHUACUN, 1, "赵六")
    finding_of(a, "disability_certificate", member=1, field="disability_cert_no")
    finding_of(a, "disability_certificate", member=2, field="disability_cert_no")
    finding_of(a, "road_distance", field="distance_to_main_road_km")
    finding_of(b, "road_distance", field="distance_to_main_road_km")
    finding_of(b, "disability_certificate", member=3, field="disability_cert_no", resolved=True)
    finding_of(c, "family_ages", member=2, field="birth_date")
    finding_of(d, "road_distance", field="distance_to_main_road_km")
    return {"a": a, "b": b, "c": c, "d": d}


def _rows(counts) -> list[tuple]:
    return [(c.rule, c.severity, c.findings, c.households) for c in counts]


def _children(counts) -> list[tuple]:
    return [(c.code, c.findings, c.errors, c.warnings, c.households) for c in counts]


# --- counts -------------------------------------------------------------------------------------


def test_counts_by_rule_are_exact_and_leave_resolved_findings_out(personas, spread):
    officer = personas["county_officer"]

    township = counts_by_rule(actor=officer, area=worklist_area(actor=officer, area_code=SHILI_TOWNSHIP))
    county = counts_by_rule(actor=officer, area=worklist_area(actor=officer, area_code=COUNTY))
    village = counts_by_rule(actor=officer, area=worklist_area(actor=officer, area_code=SHILICUN))

    assert _rows(township) == [
        ("road_distance", "error", 2, 2),
        ("disability_certificate", "warning", 2, 1),
        ("family_ages", "warning", 1, 1),
    ]
    assert _rows(county) == [
        ("road_distance", "error", 3, 3),
        ("disability_certificate", "warning", 2, 1),
        ("family_ages", "warning", 1, 1),
    ]
    assert _rows(village) == [("family_ages", "warning", 1, 1)]
    assert township[0].title == str(RULES["road_distance"].title)


def test_counts_by_child_area_are_exact_with_every_child_listed(personas, spread, world):
    officer = personas["county_officer"]
    Household.objects.create(household_no="5309212012020001", village=world["530921201201"], survey_year=2024)

    township = counts_by_child(actor=officer, area=worklist_area(actor=officer, area_code=SHILI_TOWNSHIP))
    county = counts_by_child(actor=officer, area=worklist_area(actor=officer, area_code=COUNTY))
    village = counts_by_child(actor=officer, area=worklist_area(actor=officer, area_code=KONGXING))

    # (code, findings, errors, warnings, households)
    assert _children(township) == [(KONGXING, 4, 2, 2, 2), (SHILICUN, 1, 0, 1, 1)]
    assert _children(county) == [(SHILI_TOWNSHIP, 5, 2, 3, 3), (XINHUA_TOWNSHIP, 1, 1, 0, 1)]
    assert _children(village) == [(KONGXING, 4, 2, 2, 2)]
    assert [c.name for c in county] == ["诗礼乡", "新华彝族苗族乡"]


def test_a_city_or_a_group_has_no_worklist(personas):
    officer = personas["city_inspector"]
    with pytest.raises(Http404):
        worklist_area(actor=officer, area_code="530900000000")
    with pytest.raises(Http404):
        worklist_area(actor=personas["village_clerk"], area_code="530921201200001")


# --- scope and roles ----------------------------------------------------------------------------


def test_charlie_sees_nothing_of_shili_township(personas, spread):
    charlie = personas["charlie"]

    for code in (SHILI_TOWNSHIP, KONGXING, SHILICUN, COUNTY):
        with pytest.raises(Http404):
            worklist_area(actor=charlie, area_code=code)
    with pytest.raises(Http404):
        findings_for(actor=charlie, filters=FindingFilters(area="530921201"))
    with pytest.raises(Http404):
        start_quality_scan(actor=charlie, area_code=SHILI_TOWNSHIP)
    with pytest.raises(Http404):
        confirm_finding(actor=charlie, finding_id=spread["a"].findings.first().pk, note="越权")

    mine = findings_for(actor=charlie, filters=FindingFilters())
    assert [f.household_id for f in mine] == [spread["d"].pk]


def test_a_role_without_capture_review_or_approve_cannot_start_the_check(personas):
    for role in ("auditor", "city_inspector", "province_officer"):
        with pytest.raises(PermissionDenied):
            start_quality_scan(actor=personas[role], area_code=COUNTY)
    assert not Job.objects.exists()
    assert not ObjectChange.objects.filter(content_type__model="job").exists()


def test_each_working_role_may_start_the_check_in_its_area(personas):
    for role, code in (("village_clerk", KONGXING), ("township_reviewer", SHILI_TOWNSHIP), ("county_officer", COUNTY)):
        job = start_quality_scan(actor=personas[role], area_code=code)
        assert (job.kind, job.area_code, job.status) == ("quality_scan", code, "queued")
    assert ObjectChange.objects.filter(content_type__model="job", action="create").count() == 3


def test_a_user_without_a_role_has_no_findings_list(personas):
    with pytest.raises(PermissionDenied):
        findings_for(actor=personas["nobody"], filters=FindingFilters())


# --- confirming a warning -----------------------------------------------------------------------


def test_a_clerk_confirms_a_warning_with_a_note_and_it_is_recorded(personas, spread):
    warning = spread["c"].findings.get()
    clerk_of_shili = personas["township_reviewer"]

    confirm_finding(actor=clerk_of_shili, finding_id=warning.pk, note="  户主再婚，子女为继子女  ")

    warning.refresh_from_db()
    assert warning.note == "户主再婚，子女为继子女"
    change = ObjectChange.objects.get(content_type__model="qualityfinding", object_pk=str(warning.pk))
    assert (change.action, change.area_code, change.actor_username) == ("update", SHILICUN, clerk_of_shili.username)
    assert (change.before["note"], change.after["note"]) == ("", "户主再婚，子女为继子女")


@pytest.mark.parametrize("note", ["", "   ", "\n"])
def test_an_empty_note_is_refused_and_nothing_is_written(personas, spread, note):
    warning = spread["c"].findings.get()
    changes = ObjectChange.objects.count()

    with pytest.raises(ServiceError) as refused:
        confirm_finding(actor=personas["township_reviewer"], finding_id=warning.pk, note=note)

    assert (refused.value.code, refused.value.field) == ("note_required", "note")
    # the message is for people, through gettext (Chinese once the catalogue has it)
    assert refused.value.message == gettext("Write a note that explains why the data is right despite the warning.")
    warning.refresh_from_db()
    assert warning.note == ""
    assert ObjectChange.objects.count() == changes


def test_an_error_is_corrected_not_confirmed_and_a_resolved_finding_is_a_conflict(personas, spread):
    error = spread["a"].findings.get(rule="road_distance")
    resolved = spread["b"].findings.get(resolved_at__isnull=False)
    changes = ObjectChange.objects.count()

    with pytest.raises(ServiceError) as not_a_warning:
        confirm_finding(actor=personas["village_clerk"], finding_id=error.pk, note="无")
    with pytest.raises(Conflict) as gone:
        confirm_finding(actor=personas["village_clerk"], finding_id=resolved.pk, note="无")

    assert (not_a_warning.value.code, gone.value.code) == ("not_a_warning", "resolved")
    assert ObjectChange.objects.count() == changes


def test_confirming_needs_capture_in_the_households_village(personas, spread):
    warning = spread["a"].findings.filter(rule="disability_certificate").first()
    for role in ("county_officer", "auditor", "city_inspector"):
        with pytest.raises(PermissionDenied):
            confirm_finding(actor=personas[role], finding_id=warning.pk, note="核实")
    with pytest.raises(Http404):  # the clerk of 孔兴村 does not see 诗礼村
        confirm_finding(actor=personas["village_clerk"], finding_id=spread["c"].findings.get().pk, note="核实")


# --- the area-wide check ------------------------------------------------------------------------


def _register(clerk, offset: int, **fields) -> Household:
    return save_household(
        actor=clerk, village_code=KONGXING, fields=household_input(**fields), members=family_of_four(offset)
    ).household


@pytest.fixture
def registered(personas):
    """Three households of 孔兴村 saved through the service (so their findings are stored)."""
    clerk = personas["village_clerk"]
    return [
        _register(clerk, 0),
        _register(clerk, 1, distance_to_main_road_km=None),  # a road_distance error
        _register(clerk, 2),
    ]


def test_the_check_resolves_a_finding_fixed_in_the_database_and_finds_a_new_one(
    personas, registered, eager_tasks, django_capture_on_commit_callbacks
):
    fine, missing_road, third = registered
    assert list(missing_road.findings.open().values_list("rule", flat=True)) == ["road_distance"]
    # corrected and broken behind the application's back (a bulk fix, another system)
    Household.objects.filter(pk=missing_road.pk).update(distance_to_main_road_km=Decimal("2.50"))
    Member.objects.filter(household=third, position=2).update(health="04", disability_cert_no="")
    untouched_note = QualityFinding.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        job = start_quality_scan(actor=personas["township_reviewer"], area_code=SHILI_TOWNSHIP)

    job.refresh_from_db()
    assert (job.status, job.progress, job.total, job.attempts) == ("done", 3, 3, 1)
    counts = {k: job.result[k] for k in ("households", "changed", "added", "resolved", "skipped")}
    assert counts == {"households": 3, "changed": 2, "added": 1, "resolved": 1, "skipped": 0}
    road = QualityFinding.objects.get(household=missing_road, rule="road_distance")
    assert road.resolved_at is not None
    new = QualityFinding.objects.get(household=third, resolved_at__isnull=True)
    assert (new.rule, new.severity, new.member_position, new.field, new.area_code) == (
        "disability_certificate",
        "warning",
        2,
        "disability_cert_no",
        KONGXING,
    )
    third.refresh_from_db()
    missing_road.refresh_from_db()
    assert (third.quality_errors, third.quality_warnings) == (0, 1)
    assert (missing_road.quality_errors, missing_road.quality_warnings) == (0, 0)
    assert QualityFinding.objects.count() == untouched_note + 1
    assert not QualityFinding.objects.filter(household=fine).exists()


def test_a_second_check_writes_nothing_and_a_confirming_note_stays(personas, registered):
    third = registered[2]
    Member.objects.filter(household=third, position=2).update(health="04", disability_cert_no="")
    rescan_area(prefix=KONGXING)
    warning = QualityFinding.objects.get(household=third, resolved_at__isnull=True)
    confirm_finding(actor=personas["village_clerk"], finding_id=warning.pk, note="残疾证在补办")
    rows = list(QualityFinding.objects.order_by("pk").values())

    again = rescan_area(prefix=KONGXING)

    assert (again.households, again.changed, again.added, again.resolved) == (3, 0, 0, 0)
    assert list(QualityFinding.objects.order_by("pk").values()) == rows


def test_the_check_stays_inside_its_area(personas, registered):
    other = save_household(
        actor=personas["charlie"], village_code=XINHUACUN, fields=household_input(), members=family_of_four(5)
    ).household
    Household.objects.filter(pk=other.pk).update(distance_to_main_road_km=None)

    result = rescan_area(prefix="530921201")

    assert result.households == 3
    assert not QualityFinding.objects.filter(household=other).exists()


def test_a_delivered_twice_job_runs_once(personas, registered, eager_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start_quality_scan(actor=personas["village_clerk"], area_code=KONGXING)
    finished = Job.objects.get(pk=job.pk)

    run_quality_scan.apply(args=[job.pk])  # the broker hands the message out again

    again = Job.objects.get(pk=job.pk)
    assert (again.status, again.attempts, again.finished_at) == ("done", 1, finished.finished_at)


def test_the_check_reads_households_in_chunks_not_one_query_each(personas):
    clerk = personas["village_clerk"]
    for offset in range(3):
        _register(clerk, offset)

    with CaptureQueriesContext(connection) as few:
        rescan_area(prefix=KONGXING, chunk_size=50)
    for offset in range(3, 15):
        _register(clerk, offset)
    with CaptureQueriesContext(connection) as many:
        result = rescan_area(prefix=KONGXING, chunk_size=50)

    assert result.households == 15
    # count, one chunk (households, members, findings), one poverty-line lookup, the empty next chunk
    assert len(many.captured_queries) == len(few.captured_queries) <= 8
    with CaptureQueriesContext(connection) as chunked:
        assert rescan_area(prefix=KONGXING, chunk_size=4).households == 15
    assert len(chunked.captured_queries) <= 1 + 4 * 3 + 1 + 1 + 1


def test_a_household_saved_while_the_check_ran_is_left_to_that_save(personas, registered):
    stale = Household.objects.get(pk=registered[1].pk)
    Household.objects.filter(pk=stale.pk).update(version=stale.version + 1)  # someone saved meanwhile
    result = rescan_area(prefix=KONGXING, chunk_size=10)  # warm: nothing differs for the others
    assert result.changed == 0

    from households.quality import Finding

    outcome = type(result)()
    _write_changes([(stale, [Finding("main_cause", "error", "x", "main_cause")])], outcome)

    assert (outcome.skipped, outcome.changed) == (1, 0)
    assert not QualityFinding.objects.filter(household=stale, rule="main_cause").exists()


def test_rules_registered_later_are_titled_by_their_code(personas):
    household = household_in(KONGXING, 9)
    QualityFinding.objects.create(
        household=household, area_code=KONGXING, rule="retired_rule", severity="warning", message="旧规则"
    )
    officer = personas["county_officer"]
    counts = counts_by_rule(actor=officer, area=worklist_area(actor=officer, area_code=KONGXING))
    assert [(c.rule, c.title) for c in counts] == [("retired_rule", "retired_rule")]


def test_findings_filters_parse_and_refuse_malformed_values():
    assert FindingFilters.parse({"area": "530921", "severity": "warning", "household": "7", "state": "all"}) == (
        FindingFilters(area="530921", severity="warning", household=7, state="all")
    )
    for params, field in (
        ({"area": "53a"}, "area"),
        ({"severity": "fatal"}, "severity"),
        ({"state": "closed"}, "state"),
        ({"household": "x"}, "household"),
    ):
        with pytest.raises(ServiceError) as refused:
            FindingFilters.parse(params)
        assert (refused.value.code, refused.value.field) == ("invalid_parameter", field)


def test_family_of_four_is_clean_so_scans_start_from_nothing(personas):
    household = _register(personas["village_clerk"], 0)
    assert not household.findings.exists()
