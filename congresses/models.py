"""A congress (人大常委会, or a 乡镇人大主席团): the owner of every record (DESIGN.md §11)."""

from django.db import models


class Level(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    COUNTY = "county", "县级"
    TOWNSHIP = "township", "乡镇"


class Congress(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True, help_text="如 city-13、county-03")
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    level = models.CharField("级别", max_length=10, choices=Level.choices, default=Level.CITY)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级人大",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "人大"
        verbose_name_plural = "人大"
        ordering = ["id"]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return self.short_name or self.name
