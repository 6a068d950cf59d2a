"""Mask the personal numbers the audit trail already holds.

Until now member snapshots in household changes carried full ID numbers (and disability
certificate numbers, which contain them), household snapshots full bank accounts and phones, and
auditors read them at /audit/ and /api/v1/changes/ without a reveal right. core.audit masks every
new row; this rewrites the old ones with the same masks, so no full number is left in the trail.

The trail is append-only in the database (migration 0002): a trigger refuses UPDATE. This one
rewrite is the single, deliberate exception: the trigger is switched off for it and switched on
again in the same transaction. On PostgreSQL ``ALTER TABLE … DISABLE TRIGGER`` takes an exclusive
lock on the table, so no other session can write or slip an update past the trigger meanwhile, and
a failure rolls the whole migration back with the trigger still on. SQLite cannot disable a
trigger, so it is dropped and created again (SQLite runs the migration in one transaction too).

The masking cannot be undone: the backward migration changes nothing.
"""

from django.db import migrations

from core.masking import mask_personal_data, mask_personal_text

POSTGRES_OFF = "ALTER TABLE core_objectchange DISABLE TRIGGER core_objectchange_append_only;"
POSTGRES_ON = "ALTER TABLE core_objectchange ENABLE TRIGGER core_objectchange_append_only;"
SQLITE_OFF = "DROP TRIGGER IF EXISTS core_objectchange_no_update;"
SQLITE_ON = """
CREATE TRIGGER core_objectchange_no_update BEFORE UPDATE ON core_objectchange
BEGIN
    SELECT RAISE(ABORT, 'core_objectchange is append-only: UPDATE refused');
END;
"""
CHUNK = 2000


def _masked_rows(ObjectChange):
    """The rows whose masked form differs from what is stored, as unsaved instances to update.
    Read by key in chunks, so a long trail is never loaded whole."""
    last = 0
    while True:
        chunk = list(
            ObjectChange.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "before", "after", "reason", "object_repr")[:CHUNK]
        )
        if not chunk:
            return
        changed = []
        for pk, before, after, reason, object_repr in chunk:
            masked = (
                mask_personal_data(before),
                mask_personal_data(after),
                mask_personal_text(reason or ""),
                mask_personal_text(object_repr or ""),
            )
            if masked != (before, after, reason or "", object_repr or ""):
                changed.append(
                    ObjectChange(pk=pk, before=masked[0], after=masked[1], reason=masked[2], object_repr=masked[3])
                )
        yield changed
        last = chunk[-1][0]


def forward(apps, schema_editor):
    ObjectChange = apps.get_model("core", "ObjectChange")
    vendor = schema_editor.connection.vendor
    off, on = {"postgresql": (POSTGRES_OFF, POSTGRES_ON), "sqlite": (SQLITE_OFF, SQLITE_ON)}.get(vendor, (None, None))
    if off:
        schema_editor.execute(off)
    for rows in _masked_rows(ObjectChange):
        if rows:
            ObjectChange.objects.bulk_update(rows, ["before", "after", "reason", "object_repr"])
    if on:
        schema_editor.execute(on)


class Migration(migrations.Migration):
    # RunPython in a transaction (the default): the trigger is never left off
    dependencies = [("core", "0003_job")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
