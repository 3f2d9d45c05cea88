"""Rounds belong to a congress. SQLite adds the column by rebuilding the round table, which the
closed-round triggers name: they are dropped around the rebuild and made again, unchanged."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

import congresses.context

guard = importlib.import_module("evaluation.migrations.0002_closed_round_guard")


def drop_sqlite_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        guard.backwards(apps, schema_editor)


def make_sqlite_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        guard.forwards(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("congresses", "0001_initial"),
        ("evaluation", "0002_closed_round_guard"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_guard, make_sqlite_guard),
        migrations.AddField(
            model_name="evaluationround",
            name="congress",
            field=models.ForeignKey(
                default=congresses.context.default_congress_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="congresses.congress",
                verbose_name="人大",
            ),
        ),
        migrations.RunPython(make_sqlite_guard, drop_sqlite_guard),
    ]
