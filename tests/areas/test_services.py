"""Adding, renaming and revoking villages and groups: who may, what is refused, what is recorded."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from areas import services
from areas.models import Area
from core.errors import ServiceError
from core.models import ObjectChange


def test_a_county_officer_adds_a_village_and_the_change_is_recorded(personas):
    officer = personas["county_officer"]

    village = services.create_area(actor=officer, parent_code="530921201000", code="530921201215", name=" 新建村 ")

    assert (village.code, village.name, village.level, village.parent_id) == (
        "530921201215",
        "新建村",
        "village",
        "530921201000",
    )
    change = ObjectChange.objects.get(object_pk="530921201215")
    assert (change.action, change.actor_username, change.area_code) == ("create", officer.username, "530921201215")
    assert change.after["name"] == "新建村"


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        pytest.param("53092120121", "bad_code", id="eleven_digits_case"),
        pytest.param("5309212012151", "bad_code", id="thirteen_digits_case"),
        pytest.param("53092120121A", "bad_code", id="letter_case"),
        pytest.param("530921202215", "bad_code", id="other_township_case"),
        pytest.param("530921201000", "bad_code", id="zero_segment_case"),
        pytest.param("530921201200", "duplicate", id="existing_code_case"),
    ],
)
def test_a_malformed_or_taken_code_is_refused_and_nothing_is_written(personas, code, error_code):
    before = (Area.objects.count(), ObjectChange.objects.count())

    with pytest.raises(ServiceError) as refused:
        services.create_area(actor=personas["county_officer"], parent_code="530921201000", code=code, name="新村")

    assert refused.value.code == error_code
    assert refused.value.field == "code"
    assert (Area.objects.count(), ObjectChange.objects.count()) == before


def test_a_revoked_code_is_never_reused(personas):
    officer = personas["county_officer"]
    services.revoke_area(actor=officer, code="530921201201", successor_code="530921201200", reason="并村")

    with pytest.raises(ServiceError) as refused:
        services.create_area(actor=officer, parent_code="530921201000", code="530921201201", name="诗礼村")

    assert refused.value.code == "duplicate"


def test_a_parent_outside_the_officers_county_is_not_found(personas):
    with pytest.raises(Http404):
        services.create_area(
            actor=personas["county_officer"], parent_code="530922100000", code="530922100201", name="x"
        )


def test_a_parent_that_does_not_exist_is_not_found(personas):
    with pytest.raises(Http404):
        services.create_area(
            actor=personas["county_officer"], parent_code="530921299000", code="530921299201", name="x"
        )


def test_a_township_reviewer_may_not_add_villages(personas):
    with pytest.raises(PermissionDenied):
        services.create_area(
            actor=personas["township_reviewer"], parent_code="530921201000", code="530921201230", name="x"
        )
    assert not Area.objects.filter(code="530921201230").exists()


def test_groups_go_under_villages_and_nothing_goes_under_a_group(personas):
    officer = personas["county_officer"]
    group = services.create_area(actor=officer, parent_code="530921201200", code="530921201200002", name="二组")
    assert group.level == "group"

    with pytest.raises(ServiceError) as refused:
        services.create_area(actor=officer, parent_code="530921201200002", code="530921201200002001", name="x")
    assert (refused.value.code, refused.value.field) == ("bad_code", "code")


def test_a_name_is_required(personas):
    with pytest.raises(ServiceError) as refused:
        services.create_area(
            actor=personas["county_officer"], parent_code="530921201000", code="530921201230", name="  "
        )
    assert (refused.value.code, refused.value.field) == ("required", "name")


def test_revoking_needs_a_reason_and_names_a_successor_of_the_same_level(personas):
    officer = personas["county_officer"]
    with pytest.raises(ServiceError) as no_reason:
        services.revoke_area(actor=officer, code="530921201201", successor_code=None, reason="")
    assert (no_reason.value.code, no_reason.value.field) == ("required", "reason")
    with pytest.raises(ServiceError) as refused:
        services.revoke_area(actor=officer, code="530921201201", successor_code="530921201000", reason="并村")
    assert (refused.value.code, refused.value.field) == ("bad_successor", "successor")
    with pytest.raises(ServiceError) as foreign:  # the successor must be in the officer's county
        services.revoke_area(actor=officer, code="530921201201", successor_code="530922100200", reason="并村")
    assert (foreign.value.code, foreign.value.field) == ("bad_successor", "successor")

    village = services.revoke_area(actor=officer, code="530921201201", successor_code="530921201200", reason="并村")

    assert village.is_revoked
    assert village.successor_id == "530921201200"
    assert village.revoked_on is not None
    assert Area.objects.filter(code="530921201201").exists()  # kept, never deleted
    with pytest.raises(ServiceError) as again:
        services.revoke_area(actor=officer, code="530921201201", successor_code=None, reason="again")
    assert again.value.code == "already_revoked"


def test_national_codes_are_not_renamed_or_revoked_here(personas):
    with pytest.raises(ServiceError) as renamed:
        services.rename_area(actor=personas["county_officer"], code="530921201000", name="x")
    with pytest.raises(ServiceError) as revoked:
        services.revoke_area(actor=personas["county_officer"], code="530921201000", successor_code=None, reason="x")
    assert (renamed.value.code, revoked.value.code) == ("national_code", "national_code")


def test_renaming_records_before_and_after(personas):
    services.rename_area(actor=personas["county_officer"], code="530921201200", name="孔兴社区", reason="村改社区")

    change = ObjectChange.objects.filter(object_pk="530921201200", action="update").get()
    assert (change.before, change.after, change.reason) == ({"name": "孔兴村"}, {"name": "孔兴社区"}, "村改社区")
