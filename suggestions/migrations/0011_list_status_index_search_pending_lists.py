"""The list filtered by status gets an index in its default order; the search's GIN indexes
keep a short pending list (PostgreSQL only).

A GIN index takes new entries into a pending list (up to `gin_pending_list_limit`, 4 MB by
default) that every search reads in full until VACUUM or the next overflow merges it.
After a bulk load (the seed, an import) a 4-character search spent 8 of its 10 ms there.
64 kB (the least PostgreSQL allows) merges after a few dozen new suggestions, so a search
never reads more than that; the lists already pending are merged now.
"""

from django.db import migrations, models

GIN_INDEXES = ("suggestion_title_trgm", "suggestion_content_trgm", "suggestion_search_bigrams")


def short_pending_lists(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} SET (gin_pending_list_limit = 64)")
        schema_editor.execute(f"SELECT gin_clean_pending_list('{name}'::regclass)")


def default_pending_lists(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in GIN_INDEXES:
        schema_editor.execute(f"ALTER INDEX {name} RESET (gin_pending_list_limit)")


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0010_search_bigram_index")]

    operations = [
        migrations.AddIndex(
            model_name="suggestion",
            index=models.Index(
                fields=["status", "term", "number"], name="suggestion_status_number_idx"
            ),
        ),
        migrations.RunPython(short_pending_lists, default_pending_lists),
    ]
