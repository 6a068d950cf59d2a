"""The audit trail is append-only, in the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from areas.models import Area
from core.audit import record_change
from core.models import ObjectChange


def _a_change():
    area = Area.objects.get(code="530921201200")
    return record_change(
        actor=None,
        obj=area,
        action="update",
        area_code=area.code,
        before={"name": "a", "x": 1},
        after={"name": "b", "x": 1},
    )


def test_only_changed_keys_are_kept(world):
    change = _a_change()
    assert (change.before, change.after, change.actor_username) == ({"name": "a"}, {"name": "b"}, "system")


def test_an_audit_row_cannot_be_updated(world):
    change = _a_change()
    with pytest.raises(DatabaseError), transaction.atomic():
        ObjectChange.objects.filter(pk=change.pk).update(reason="rewritten")
    assert ObjectChange.objects.get(pk=change.pk).reason == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite keeps DELETE for Django's test flush; PostgreSQL refuses it"
)
def test_an_audit_row_cannot_be_deleted_on_postgresql(world):
    change = _a_change()
    with pytest.raises(DatabaseError), transaction.atomic():
        ObjectChange.objects.filter(pk=change.pk).delete()
    assert ObjectChange.objects.filter(pk=change.pk).exists()


def test_changes_carry_the_request_id_of_the_page_that_made_them(personas, client_for):
    response = client_for(personas["county_officer"]).post(
        reverse("areas:area_add", kwargs={"code": "530921201000"}), {"code": "530921201280", "name": "新村"}
    )
    change = ObjectChange.objects.get(object_pk="530921201280")
    assert str(change.request_id) == response["X-Request-ID"]


def test_auditors_see_the_history_of_areas_in_their_county_only(personas, client_for):
    _a_change()
    auditor = client_for(personas["auditor"])
    page = auditor.get(reverse("areas:area_history", kwargs={"code": "530921201200"}))
    listing = auditor.get(reverse("core:change_list"))
    assert page.status_code == 200
    assert [c.action for c in page.context["page"]] == ["update", "grant"]  # newest first
    assert {c.area_code[:6] for c in listing.context["page"]} == {"530921"}
