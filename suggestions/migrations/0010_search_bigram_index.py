"""A bigram GIN index for 2-character searches in title and content (PostgreSQL only).

pg_trgm cannot serve `LIKE '%公交%'`: a 2-character term has no trigram, so the trigram
indexes of 0003 are skipped and the table is scanned. pg_bigm would serve it but is not
packaged in Debian. Instead `portal_bigrams(text)` returns the distinct 2-character
substrings of a text, and one GIN index holds those of UPPER(title) and UPPER(content);
`selectors.suggestion_search` adds `… @> ARRAY[UPPER(term)]` for 2-character terms, and the
LIKE test still decides. Building it on 100,000 suggestions takes about half a minute.
SQLite has no such index and scans.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION portal_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}'::text[])
  FROM generate_series(1, char_length(t) - 1) AS i
$$
"""
# The list's search (suggestions.selectors._has_bigram) writes the same expression.
INDEX = (
    "CREATE INDEX IF NOT EXISTS suggestion_search_bigrams ON suggestions_suggestion "
    "USING gin ((portal_bigrams(UPPER(title)) || portal_bigrams(UPPER(content))))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS suggestion_search_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS portal_bigrams(text)")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0009_key_board_indexes")]

    operations = [migrations.RunPython(create, drop)]
