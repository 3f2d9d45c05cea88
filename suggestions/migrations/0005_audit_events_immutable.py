"""On PostgreSQL, the database itself refuses to change or delete an audit event.

TRUNCATE is left alone (it is what a restore into an empty database and the test runner's
flush use). A maintainer who must remove history on purpose runs, in one transaction,
`SET LOCAL portal.history_maintenance = 'on'` first: a deliberate, logged act.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION suggestions_auditevent_immutable() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.history_maintenance', true) = 'on' THEN
        RETURN COALESCE(OLD, NEW);
    END IF;
    RAISE EXCEPTION 'audit events are immutable (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS suggestions_auditevent_immutable ON suggestions_auditevent;
CREATE TRIGGER suggestions_auditevent_immutable
    BEFORE UPDATE OR DELETE ON suggestions_auditevent
    FOR EACH ROW EXECUTE FUNCTION suggestions_auditevent_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS suggestions_auditevent_immutable ON suggestions_auditevent;
DROP FUNCTION IF EXISTS suggestions_auditevent_immutable();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0004_reply_attachments")]

    operations = [migrations.RunPython(create, drop)]
