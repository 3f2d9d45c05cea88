"""Trigram GIN indexes for the list's search in title and content (PostgreSQL only).

Django's `icontains` becomes `UPPER(col::text) LIKE UPPER('%…%')`; pg_trgm indexes on the same
UPPER() expression serve it for Chinese substrings of three or more characters (shorter ones
still work, by scanning). SQLite has no such index and scans.
"""

from django.db import migrations

INDEXES = {
    "suggestion_title_trgm": "UPPER(title)",
    "suggestion_content_trgm": "UPPER(content)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON suggestions_suggestion "
            f"USING gin ({expression} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0002_seed_reference_data")]

    operations = [migrations.RunPython(create, drop)]
