"""On PostgreSQL, TRUNCATE of the audit trail is refused too, and the maintenance switch works
for one transaction only.

TRUNCATE fires no row trigger, so a statement-level BEFORE TRUNCATE trigger refuses it (also
when it arrives through TRUNCATE … CASCADE of another table). The switch must hold the id of
the current transaction (`suggestions.history.history_maintenance()` sets it with
`set_config(…, txid_current()::text, true)`): a session-level `SET` left on a connection never
matches a later transaction, whose id is always newer. The row trigger now also returns the
new row for an UPDATE in maintenance (0005 returned the old one, so the update did nothing).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION suggestions_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.history_maintenance', true) = txid_current()::text THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;  -- NULL for TRUNCATE, a statement trigger whose result is ignored
    END IF;
    RAISE EXCEPTION 'audit events are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

CREATE = (
    FUNCTION
    + """
DROP TRIGGER IF EXISTS suggestions_auditevent_no_truncate ON suggestions_auditevent;
CREATE TRIGGER suggestions_auditevent_no_truncate
    BEFORE TRUNCATE ON suggestions_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION suggestions_auditevent_immutable();
"""
)

# Back to 0005: its function (the 'on' switch) and no TRUNCATE trigger.
DROP = """
DROP TRIGGER IF EXISTS suggestions_auditevent_no_truncate ON suggestions_auditevent;
CREATE OR REPLACE FUNCTION suggestions_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.history_maintenance', true) = 'on' THEN
        RETURN COALESCE(OLD, NEW);
    END IF;
    RAISE EXCEPTION 'audit events are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0006_audit_event_happened_on")]

    operations = [migrations.RunPython(create, drop)]
