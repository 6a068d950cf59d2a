"""Assistance units per village, and the end of a cadre's assignment (assistance/units.py)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assistance import services, units
from assistance.models import AssistanceUnit, Cadre, UnitAssignment
from core.errors import ServiceError
from core.models import ObjectChange

KONGXING = "530921201200"
COUNTY = "530921000000"


def test_a_county_officer_assigns_a_unit_to_a_village_and_it_is_recorded(personas):
    # when
    assignment = units.assign_unit(
        actor=personas["county_officer"],
        village_code=KONGXING,
        unit_name=" 县财政局 ",
        kind="党政机关",
        starts_on=datetime.date(2026, 1, 10),
    )

    # then
    assert (assignment.unit.name, assignment.unit.kind, assignment.unit.county_id) == ("县财政局", "党政机关", COUNTY)
    assert assignment.village_id == KONGXING
    change = ObjectChange.objects.get(object_pk=str(assignment.pk), content_type__model="unitassignment")
    assert (change.area_code, change.after) == (KONGXING, {"unit": "县财政局", "from": "2026-01-10"})


def test_a_unit_is_found_by_name_and_may_assist_several_villages(personas):
    officer = personas["county_officer"]
    first = units.assign_unit(
        actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
    )
    second = units.assign_unit(
        actor=officer, village_code="530921201201", unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
    )
    assert first.unit_id == second.unit_id
    assert AssistanceUnit.objects.count() == 1


def test_the_same_unit_twice_in_a_village_is_an_overlap(personas):
    officer = personas["county_officer"]
    units.assign_unit(actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10))
    with pytest.raises(ServiceError) as refused:
        units.assign_unit(
            actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 6, 1)
        )
    assert (refused.value.code, refused.value.field) == ("overlap", "starts_on")
    assert UnitAssignment.objects.count() == 1


def test_a_unit_assigned_again_after_its_end(personas):
    officer = personas["county_officer"]
    first = units.assign_unit(
        actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2025, 1, 10)
    )
    units.end_unit_assignment(actor=officer, assignment_id=first.pk, ends_on=datetime.date(2025, 12, 31))
    with pytest.raises(ServiceError) as ended:
        units.end_unit_assignment(actor=officer, assignment_id=first.pk, ends_on=datetime.date(2025, 12, 31))

    again = units.assign_unit(
        actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 1, 1)
    )

    assert ended.value.code == "ended"
    assert again.ends_on is None
    assert UnitAssignment.objects.count() == 2


@pytest.mark.parametrize(
    ("role", "refusal"), [("township_reviewer", PermissionDenied), ("charlie", Http404), ("nobody", Http404)]
)
def test_only_the_county_assigns_units(personas, role, refusal):
    with pytest.raises(refusal):
        units.assign_unit(
            actor=personas[role], village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
        )
    assert not UnitAssignment.objects.exists()


def test_a_unit_needs_a_name_and_an_end_after_its_start(personas):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as nameless:
        units.assign_unit(actor=officer, village_code=KONGXING, unit_name="  ", starts_on=datetime.date(2026, 1, 10))
    assignment = units.assign_unit(
        actor=officer, village_code=KONGXING, unit_name="县财政局", starts_on=datetime.date(2026, 1, 10)
    )
    with pytest.raises(ServiceError) as backwards:
        units.end_unit_assignment(actor=officer, assignment_id=assignment.pk, ends_on=datetime.date(2025, 1, 1))
    assert (nameless.value.code, nameless.value.field, backwards.value.code) == ("required", "unit_name", "bad_period")


@pytest.fixture
def cadre(personas):
    return services.create_cadre(
        actor=personas["county_officer"], county_code=COUNTY, name="王帮扶", unit="县农业局",
        starts_on=datetime.date(2026, 1, 1),
    )  # fmt: skip


def test_a_cadre_still_paired_cannot_end_until_the_households_have_another(personas, saved_household, cadre):
    # given
    officer = personas["county_officer"]
    other = services.create_cadre(
        actor=officer, county_code=COUNTY, name="李帮扶", unit="县教育局", starts_on=datetime.date(2026, 1, 1)
    )
    services.assign_cadre(
        actor=officer, household_id=saved_household.pk, cadre_id=cadre.pk, starts_on=datetime.date(2026, 2, 1)
    )

    # when
    with pytest.raises(ServiceError) as refused:
        services.end_cadre(actor=officer, cadre_id=cadre.pk, ends_on=datetime.date(2026, 6, 30))
    services.assign_cadre(
        actor=officer, household_id=saved_household.pk, cadre_id=other.pk, starts_on=datetime.date(2026, 7, 1)
    )
    ended = services.end_cadre(actor=officer, cadre_id=cadre.pk, ends_on=datetime.date(2026, 6, 30))

    # then
    assert (refused.value.code, refused.value.field) == ("has_households", "ends_on")
    assert Cadre.objects.get(pk=ended.pk).ends_on == datetime.date(2026, 6, 30)
    audit = ObjectChange.objects.filter(object_pk=str(cadre.pk), object_repr=str(cadre)).latest("id")
    assert (audit.actor, audit.before, audit.after, audit.area_code) == (
        officer,
        {"ends_on": None},
        {"ends_on": "2026-06-30"},
        COUNTY,
    )
    with pytest.raises(ServiceError) as late:
        services.assign_cadre(
            actor=officer, household_id=saved_household.pk, cadre_id=cadre.pk, starts_on=datetime.date(2026, 8, 1)
        )
    assert (late.value.code, late.value.field) == ("ended", "starts_on")


@pytest.mark.parametrize(
    ("role", "refusal"),
    [("township_reviewer", PermissionDenied), ("village_clerk", PermissionDenied), ("nobody", Http404)],
)
def test_only_the_county_ends_a_cadre(personas, cadre, role, refusal):
    with pytest.raises(refusal):
        services.end_cadre(actor=personas[role], cadre_id=cadre.pk, ends_on=datetime.date(2026, 6, 30))
    assert Cadre.objects.get().ends_on is None


def test_a_county_officer_of_another_county_does_not_see_the_cadre(personas, cadre):
    from tests.conftest import make_user

    yun = make_user("yun_officer", "county_officer", "530922000000")
    with pytest.raises(Http404):
        services.end_cadre(actor=yun, cadre_id=cadre.pk, ends_on=datetime.date(2026, 6, 30))


def test_cadres_are_seen_by_those_who_work_in_their_county(personas, cadre):
    seen = {role: list(units.cadres_visible_to(personas[role])) for role in ("village_clerk", "charlie", "nobody")}
    assert seen == {"village_clerk": [cadre], "charlie": [cadre], "nobody": []}
