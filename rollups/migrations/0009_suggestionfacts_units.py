"""The answering units on each suggestion's facts (rollups.facts: a unit's or a system's scope
is a filter on the row). Existing facts have none yet: every congress's facts are marked not
built, so the figures are derived live until the next rollup job rebuilds them."""

from django.db import migrations, models


def rebuild_facts(apps, schema_editor):
    apps.get_model("rollups", "FactsMark")._base_manager.update(built=False)


class Migration(migrations.Migration):
    dependencies = [("rollups", "0008_marks_one_per_congress")]

    operations = [
        migrations.AddField(
            model_name="suggestionfacts",
            name="units",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(rebuild_facts, migrations.RunPython.noop),
    ]
