"""Stored figures, days and dated facts made before congresses had a column fell to the
default congress (0006); here each takes its term's or suggestion's congress. The one
watermark and facts mark stay the default congress's: another congress's job starts its own
(its facts rebuilt on its first run). On a single-congress deployment nothing moves.

Marks beyond the first (only after these migrations were rolled back, when every mark lost
its congress) are deleted before 0008 makes them one per congress: a congress without a
mark reads the audit trail afresh and rebuilds its facts, so nothing is lost."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def _of(model, ref: str):
    return Subquery(model.objects.filter(pk=OuterRef(ref)).values("congress_id")[:1])


def fill_congress(apps, schema_editor):
    Term = apps.get_model("deputies", "Term")
    Suggestion = apps.get_model("suggestions", "Suggestion")
    for name in ("Rollup", "RollupDay"):
        apps.get_model("rollups", name).objects.update(congress_id=_of(Term, "term_id"))
    for name in ("SuggestionFacts", "AssignmentFacts"):
        apps.get_model("rollups", name).objects.update(congress_id=_of(Suggestion, "suggestion_id"))
    for name in ("RollupWatermark", "FactsMark"):
        marks = apps.get_model("rollups", name).objects.order_by("pk")
        first = marks.values_list("pk", flat=True).first()
        marks.exclude(pk=first).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rollups", "0006_congress"),
        ("deputies", "0003_term_congress"),
        ("suggestions", "0019_suggestion_congress"),
    ]

    operations = [migrations.RunPython(fill_congress, migrations.RunPython.noop)]
