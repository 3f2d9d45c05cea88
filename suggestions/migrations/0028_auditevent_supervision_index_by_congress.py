from django.db import migrations, models


class Migration(migrations.Migration):
    """The supervision counts' index leads with the congress (built after the backfill)."""

    dependencies = [("suggestions", "0027_auditevent_congress_backfill")]

    operations = [
        migrations.RemoveIndex(model_name="auditevent", name="auditevent_supervision_idx"),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(
                    ("action__in", ("supervision.instruction", "supervision.urge", "supervision.visit"))
                ),
                fields=["congress", "action", "happened_on"],
                include=("suggestion",),
                name="auditevent_supervision_idx",
            ),
        ),
    ]
