"""Each audit event takes its suggestion's congress, in batches by id, one transaction each.

The audit trail is immutable (0005, 0007): each batch opens the maintenance switch for its own
transaction only, as `suggestions.history.history_maintenance` does. Only rows whose congress
differs are written, so a database of one congress writes none, and a run cut short resumes
where it stopped. Non-atomic: a province's tens of millions of events never sit in one
transaction.
"""

from django.db import migrations, transaction

BATCH = 50_000
SWITCH = "portal.history_maintenance"


def backfill(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM suggestions_auditevent")
        low, high = cursor.fetchone()
    if low is None:
        return
    for start in range(low, high + 1, BATCH):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, txid_current()::text, true)", [SWITCH])
            cursor.execute(
                "UPDATE suggestions_auditevent SET congress_id = (SELECT s.congress_id FROM"
                " suggestions_suggestion s WHERE s.id = suggestions_auditevent.suggestion_id)"
                " WHERE id >= %s AND id < %s AND congress_id <> (SELECT s.congress_id FROM"
                " suggestions_suggestion s WHERE s.id = suggestions_auditevent.suggestion_id)",
                [start, start + BATCH],
            )
            if connection.vendor == "postgresql":
                cursor.execute("SELECT set_config(%s, '', true)", [SWITCH])


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("suggestions", "0026_auditevent_congress")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
