import congresses.context
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every audit event gains its suggestion's congress; the existing rows first take the
    default congress (right on a database of one congress; the field keeps no default), and
    0027 fills in the rest."""

    dependencies = [
        ("congresses", "0001_initial"),
        ("suggestions", "0025_suggestion_congress_term_number_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="congress",
            field=models.ForeignKey(
                default=congresses.context.default_congress_id,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="congresses.congress",
                verbose_name="人大",
            ),
            preserve_default=False,
        ),
    ]
