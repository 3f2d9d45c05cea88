"""One watermark and one facts mark per congress (after 0007 left at most one of each)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("rollups", "0007_congress_from_parent")]

    operations = [
        migrations.AddConstraint(
            model_name="factsmark",
            constraint=models.UniqueConstraint(
                fields=("congress",), name="factsmark_one_per_congress"
            ),
        ),
        migrations.AddConstraint(
            model_name="rollupwatermark",
            constraint=models.UniqueConstraint(
                fields=("congress",), name="rollupwatermark_one_per_congress"
            ),
        ),
    ]
