"""附议确认 (DESIGN.md §8): the automatic table behind Suggestion.co_signers becomes the
CoSignature model, the same table with a confirmation state. Existing co-signers were
entered before confirmation existed: they become confirmed (the column's default)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("deputies", "0002_export_confidential_names"),
        ("suggestions", "0012_assignment_opinion_waiver"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table, its columns and its unique index exist already: state only.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CoSignature",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "deputy",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="co_signatures",
                                to="deputies.deputy",
                                verbose_name="附议代表",
                            ),
                        ),
                        (
                            "suggestion",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="co_signatures",
                                to="suggestions.suggestion",
                                verbose_name="建议",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "附议",
                        "verbose_name_plural": "附议",
                        "db_table": "suggestions_suggestion_co_signers",
                        "unique_together": {("suggestion", "deputy")},
                    },
                ),
                migrations.AlterField(
                    model_name="suggestion",
                    name="co_signers",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="co_signed_suggestions",
                        through="suggestions.CoSignature",
                        to="deputies.deputy",
                        verbose_name="附议代表",
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="cosignature",
            name="state",
            field=models.CharField(
                choices=[("pending", "待确认"), ("confirmed", "已确认"), ("declined", "已拒绝")],
                default="confirmed",
                max_length=10,
                verbose_name="确认状态",
            ),
        ),
        migrations.AddField(
            model_name="cosignature",
            name="on_behalf",
            field=models.BooleanField(default=False, verbose_name="工作人员代为确认"),
        ),
        migrations.AddField(
            model_name="cosignature",
            name="decided_on",
            field=models.DateField(blank=True, null=True, verbose_name="确认日期"),
        ),
        migrations.AddField(
            model_name="cosignature",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="确认人",
            ),
        ),
        migrations.AddConstraint(
            model_name="cosignature",
            constraint=models.CheckConstraint(
                condition=models.Q(("state__in", ["pending", "confirmed", "declined"])),
                name="cosignature_state_valid",
            ),
        ),
    ]
