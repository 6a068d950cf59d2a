"""The audit trail never holds a full ID number, bank account or phone: rows are masked when they
are written, whoever writes them, and the rows written before that are masked by a migration.
Auditors, who have no reveal right, read the trail at /audit/ and /api/v1/changes/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from areas.models import Area
from core.audit import record_change
from core.masking import mask_personal_data, mask_personal_text
from core.models import ObjectChange
from households.models import Household
from households.services import save_household
from tests.households.conftest import KONGXING, family_of_four, household_input
from tests.households.test_import_support import checked, committed, family, household, workbook_bytes

#: a full ID number (or a disability certificate, which begins with one) anywhere in a text
FULL_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9X]")
PHONE = "13912345678"
ACCOUNT = "6222021234567890123"


def _strings(value):
    """Every string inside a JSON value, keys and values."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif value is not None:
        yield str(value)


def _personal_numbers_in(change: ObjectChange) -> list[str]:
    texts = [*_strings(change.before), *_strings(change.after), change.reason, change.object_repr]
    found = [m.group(0) for text in texts for m in FULL_ID.finditer(text)]
    return found + [text for text in texts if PHONE in text or ACCOUNT in text]


def _corrected_household(personas) -> tuple[Household, list[str]]:
    """A household registered with a phone, a bank account and a disabled member's certificate,
    then corrected: a member's ID number replaced and the phone and account changed."""
    clerk = personas["village_clerk"]
    members = family_of_four()
    members[1] = {**members[1], "health": "04", "disability_cert_no": members[1]["id_number"] + "41"}
    fields = household_input(phone="13800001111", bank_name="农村信用社", bank_account="6222020000000000111")
    saved = save_household(actor=clerk, village_code=KONGXING, fields=fields, members=members).household
    stored = list(saved.members.order_by("position"))
    replaced = family_of_four(offset=5)[2]["id_number"]
    rows = [{"id": stored[2].pk, **family_of_four()[2], "id_number": replaced}]
    save_household(
        actor=clerk,
        household_id=saved.pk,
        expected_version=1,
        fields={"phone": PHONE, "bank_account": ACCOUNT},
        members=rows,
    )
    numbers = [m["id_number"] for m in members] + [replaced, members[1]["disability_cert_no"]]
    return saved, numbers


def test_the_audit_rows_of_household_saves_hold_no_full_personal_number(personas):
    # given / when: a household registered and corrected
    saved, numbers = _corrected_household(personas)

    # then: its rows say what changed, with every number masked
    changes = list(ObjectChange.objects.filter(object_pk=str(saved.pk)).order_by("id"))
    assert [c.action for c in changes] == ["create", "update"]
    assert all(_personal_numbers_in(change) == [] for change in changes)
    created, updated = changes
    first = created.after["members"][0]
    assert first["id_number"] == numbers[0][:6] + "********" + numbers[0][-4:]
    assert created.after["members"][1]["disability_cert_no"] == numbers[-1][:6] + "**********" + numbers[-1][-4:]
    assert (updated.before["phone"], updated.after["phone"]) == ("138****1111", "139****5678")
    assert (updated.before["bank_account"], updated.after["bank_account"]) == ("*" * 15 + "0111", "*" * 15 + "0123")
    assert "members" in updated.after  # the replaced number still shows as a change


def test_auditors_read_no_full_personal_number_on_the_audit_page_or_the_api(personas, client_for, api_for):
    saved, numbers = _corrected_household(personas)
    auditor = personas["auditor"]

    page = client_for(auditor).get(reverse("core:change_list"))
    api = api_for(auditor).get("/api/v1/changes/")

    assert page.status_code == 200 and api.status_code == 200
    assert {c.object_pk for c in page.context["page"]} >= {str(saved.pk)}
    for body in (page.content.decode(), api.content.decode()):
        assert not [number for number in numbers if number in body]
        assert PHONE not in body and ACCOUNT not in body
        assert not FULL_ID.search(body)


def test_an_import_writes_its_audit_rows_masked(personas):
    clerk = personas["village_clerk"]
    members = family("1")
    job = committed(clerk, checked(clerk, workbook_bytes([household("1")], members)))

    assert job.status == "done", job.error
    change = ObjectChange.objects.get(action="import")
    assert len(change.after["members"]) == 4
    assert _personal_numbers_in(change) == []


def test_numbers_in_free_text_are_masked_and_codes_are_not(world):
    area = Area.objects.get(code=KONGXING)
    reason = f"核对 11010519491231002X 的电话 {PHONE}，户编号 5309212012000001，组 530921201200001"

    change = record_change(
        actor=None, obj=area, action="export", area_code=area.code, after={"filters": {"q": "440524188001010014"}},
        reason=reason,
    )  # fmt: skip

    assert change.after == {"filters": {"q": "440524********0014"}}
    assert change.reason == "核对 110105********002X 的电话 139****5678，户编号 5309212012000001，组 530921201200001"


def test_masking_a_masked_value_changes_nothing():
    data = {"phone": PHONE, "members": [{"id_number": "11010519491231002X", "name": "张三"}], "n": 3}
    once = mask_personal_data(data)
    assert mask_personal_data(once) == once
    assert mask_personal_text(mask_personal_text(f"x {ACCOUNT}")) == mask_personal_text(f"x {ACCOUNT}")


def test_only_core_audit_builds_audit_rows():
    """Rows built anywhere else would skip the masking: every writer goes through core.audit."""
    root = Path(settings.BASE_DIR)
    pattern = re.compile(r"(?<!class )ObjectChange\(|ObjectChange\.objects\.(create|get_or_create|update_or_create)\(")
    sources = [
        path
        for folder in root.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and folder.name not in ("tests", "bench", "var")
        for path in folder.rglob("*.py")
        if "migrations" not in path.parts
    ]
    assert Path(root, "households", "bulk.py") in sources
    offenders = [
        str(path.relative_to(root))
        for path in sources
        if path != Path(root, "core", "audit.py") and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# -- the migration that masks the rows written before ---------------------------------------------

BEFORE = [("core", "0003_job")]
AFTER = [("core", "0004_mask_personal_numbers_in_audit")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_masks_the_rows_written_before_and_keeps_the_trail_append_only(world):
    area_type = ContentType.objects.get_for_model(Area)
    try:
        # given: a row as the trail held them before, written through the old schema's model
        old = _migrate(BEFORE)
        OldChange = old.get_model("core", "ObjectChange")
        full = "11010519491231002X"
        row = OldChange.objects.create(
            actor_username="village_clerk", action="update", content_type_id=area_type.pk, object_pk="1",
            object_repr="5309212012000001 杨大山", area_code=KONGXING,
            before={"phone": "", "members": [{"id": 1, "id_number": "440524188001010014", "name": "杨大山"}]},
            after={"phone": PHONE, "bank_account": ACCOUNT, "members": [{"id": 1, "id_number": full}]},
            reason=f"身份证 {full}",
        )  # fmt: skip
        untouched = OldChange.objects.create(
            actor_username="system", action="create", content_type_id=area_type.pk, object_pk="2",
            object_repr="孔兴村", area_code=KONGXING, after={"name": "孔兴村"},
        )  # fmt: skip

        # when
        _migrate(AFTER)
    finally:
        _migrate(AFTER)

    # then: the numbers are masked, everything else is as it was
    masked = ObjectChange.objects.get(pk=row.pk)
    assert masked.before == {"phone": "", "members": [{"id": 1, "id_number": "440524********0014", "name": "杨大山"}]}
    assert masked.after == {
        "phone": "139****5678",
        "bank_account": "*" * 15 + "0123",
        "members": [{"id": 1, "id_number": "110105********002X"}],
    }
    assert (masked.reason, masked.object_repr) == ("身份证 110105********002X", "5309212012000001 杨大山")
    assert ObjectChange.objects.get(pk=untouched.pk).after == {"name": "孔兴村"}
    # and the trail refuses updates again
    with pytest.raises(DatabaseError), transaction.atomic():
        ObjectChange.objects.filter(pk=row.pk).update(reason="rewritten")
