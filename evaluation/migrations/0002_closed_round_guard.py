"""A closed round is immutable in the database too: triggers refuse new or changed ballots,
participations and vote counts of a closed round, and any change to the closed round row.
(The workflow refuses first with a Chinese message; this guards raw SQL and the admin.)
Deletes are not guarded: SQLite's test flush empties tables with DELETE."""

from django.db import migrations

CHILDREN = ("evaluation_ballot", "evaluation_participation", "evaluation_votecount")

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION evaluation_refuse_closed_child() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM evaluation_evaluationround WHERE id = NEW.round_id AND state = 'closed')
  THEN RAISE EXCEPTION 'evaluation round % is closed', NEW.round_id
    USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION evaluation_refuse_closed_round() RETURNS trigger AS $$
BEGIN
  IF OLD.state = 'closed' THEN RAISE EXCEPTION 'evaluation round % is closed', OLD.id
    USING ERRCODE = 'integrity_constraint_violation'; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS, params=None)
        for table in CHILDREN:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_closed BEFORE INSERT OR UPDATE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION evaluation_refuse_closed_child()"
            )
        schema_editor.execute(
            "CREATE TRIGGER evaluation_round_closed BEFORE UPDATE ON evaluation_evaluationround "
            "FOR EACH ROW EXECUTE FUNCTION evaluation_refuse_closed_round()"
        )
    elif vendor == "sqlite":
        for table in CHILDREN:
            for op in ("INSERT", "UPDATE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_closed_{op.lower()} BEFORE {op} ON {table} "
                    "WHEN EXISTS (SELECT 1 FROM evaluation_evaluationround "
                    "WHERE id = NEW.round_id AND state = 'closed') "
                    "BEGIN SELECT RAISE(ABORT, 'evaluation round is closed'); END"
                )
        schema_editor.execute(
            "CREATE TRIGGER evaluation_round_closed BEFORE UPDATE ON evaluation_evaluationround "
            "WHEN OLD.state = 'closed' "
            "BEGIN SELECT RAISE(ABORT, 'evaluation round is closed'); END"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in CHILDREN:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_closed ON {table}")
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS evaluation_round_closed ON evaluation_evaluationround"
        )
        schema_editor.execute("DROP FUNCTION IF EXISTS evaluation_refuse_closed_child()")
        schema_editor.execute("DROP FUNCTION IF EXISTS evaluation_refuse_closed_round()")
    elif vendor == "sqlite":
        for table in CHILDREN:
            for op in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_closed_{op}")
        schema_editor.execute("DROP TRIGGER IF EXISTS evaluation_round_closed")


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_evaluation_rounds")]

    operations = [migrations.RunPython(forwards, backwards)]
