"""The list filtered by status gets an index in its default order; the search's GIN indexes
keep a short pending list (PostgreSQL only).

`suggestion_status_number_idx` on (status, term, number) serves a status filter in the
list's default order (-term, -number; the workbench's 待立案/已立案待交办 links): the page's
ids are read in order from the index, not by walking every suggestion's number backwards past
the other states. It INCLUDEs the columns the other common filters test (channel, category,
meeting, key) and the id, so with those filters too the page's ids come from the index alone
(an index-only scan: 0.8 ms for 已交办 + 大会期间, where testing each row in the table took 21
ms). SQLite has no INCLUDE and its lists are small: no index there.

A GIN index takes new entries into a pending list (up to `gin_pending_list_limit`, 4 MB by
default) that every search reads in full until VACUUM or the next overflow merges it.
After a bulk load (the seed, an import) a 4-character search spent 8 of its 10 ms there.
64 kB (the least PostgreSQL allows) merges after a few dozen new suggestions, so a search
never reads more than that; the lists already pending are merged now.
"""

from django.db import migrations

GIN_INDEXES = ("suggestion_title_trgm", "suggestion_content_trgm", "suggestion_search_bigrams")


STATUS_INDEX = (
    "CREATE INDEX IF NOT EXISTS suggestion_status_number_idx ON suggestions_suggestion "
    "(status, term_id, number) INCLUDE (channel, category_id, meeting_id, is_key, id)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(STATUS_INDEX)
    for name in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = 64)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS suggestion_status_number_idx")
    for name in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0014_reply_deliveries_and_external_tickets")]

    operations = [migrations.RunPython(create, drop)]
