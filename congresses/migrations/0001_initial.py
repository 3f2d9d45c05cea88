import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def create_default(apps, schema_editor):
    """Today's single-congress data is carried into this one (DESIGN.md §11)."""
    Congress = apps.get_model("congresses", "Congress")
    default = settings.PORTAL_DEFAULT_CONGRESS
    Congress.objects.get_or_create(
        code=default["code"],
        defaults={
            "name": default["name"],
            "short_name": default["short_name"],
            "level": default["level"],
        },
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Congress",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(help_text="如 city-13、county-03", max_length=40, unique=True, verbose_name="代码")),
                ("name", models.CharField(max_length=100, unique=True, verbose_name="名称")),
                ("short_name", models.CharField(blank=True, max_length=30, verbose_name="简称")),
                ("level", models.CharField(choices=[("province", "省级"), ("city", "市级"), ("county", "县级"), ("township", "乡镇")], default="city", max_length=10, verbose_name="级别")),
                ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                ("parent", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="children", to="congresses.congress", verbose_name="上级人大")),
            ],
            options={"verbose_name": "人大", "verbose_name_plural": "人大", "ordering": ["id"]},
        ),
        migrations.RunPython(create_default, migrations.RunPython.noop),
    ]
