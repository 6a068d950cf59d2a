"""The audit trail refuses UPDATE and DELETE in the database itself, whoever connects.

PostgreSQL: a trigger refuses both (TRUNCATE, used only by test teardown, is a statement the
row trigger does not see). SQLite: UPDATE is refused; DELETE stays possible because Django's test
flush empties tables with DELETE there, and SQLite is only the zero-setup development database.
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION core_objectchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_objectchange is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_objectchange_append_only
    BEFORE UPDATE OR DELETE ON core_objectchange
    FOR EACH ROW EXECUTE FUNCTION core_objectchange_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS core_objectchange_append_only ON core_objectchange;
DROP FUNCTION IF EXISTS core_objectchange_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_objectchange_no_update BEFORE UPDATE ON core_objectchange
BEGIN
    SELECT RAISE(ABORT, 'core_objectchange is append-only: UPDATE refused');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_objectchange_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
