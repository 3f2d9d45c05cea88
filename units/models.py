from django.db import models

from congresses.fields import owner
from congresses.managers import ActingCongressManager


class UnitSystem(models.TextChoices):
    GOVERNMENT = "government", "政府"
    COURT = "court", "法院"
    PROCURATORATE = "procuratorate", "检察院"
    CONGRESS = "congress", "人大机关"
    OTHER = "other", "其他"


class Unit(models.Model):
    """A handling unit (承办单位): a department, court, procuratorate or other body."""

    System = UnitSystem

    congress = owner()
    name = models.CharField("名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    system = models.CharField(
        "系统", max_length=20, choices=System.choices, default=System.GOVERNMENT
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=50, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    is_active = models.BooleanField("启用", default=True)
    # 文号 of its reply letters (DESIGN.md §8): {year} and {n} (the yearly sequence) are
    # filled in at signing, e.g. 市住建提〔{year}〕{n}号.
    doc_number_pattern = models.CharField(
        "答复函文号格式",
        max_length=60,
        default="{short}复〔{year}〕{n}号",
        help_text="{year} 年份,{n} 当年序号,{short} 单位简称(无简称时用名称)",
    )

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        ordering = ["system", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(system__in=UnitSystem.values), name="unit_system_valid"
            ),
            # Every county has its 交通运输局: names are the congress's own.
            models.UniqueConstraint(fields=["congress", "name"], name="unit_name_in_congress"),
        ]

    def __str__(self):
        return self.name


class DocNumberCounter(models.Model):
    """A unit's last 文号 sequence number of a year. Signing locks this row
    (select_for_update) in its own transaction, so concurrent signings get consecutive
    numbers, never a duplicate or a gap (suggestions.signing._next_doc_number)."""

    unit = models.ForeignKey(
        Unit, verbose_name="承办单位", on_delete=models.PROTECT, related_name="doc_counters"
    )
    year = models.PositiveSmallIntegerField("年份")
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "文号序号"
        verbose_name_plural = "文号序号"
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="doccounter_one_per_unit_year")
        ]

    def __str__(self):
        return f"{self.unit} {self.year}: {self.last}"

    def format(self, n: int) -> str:
        unit = self.unit
        return unit.doc_number_pattern.format(
            year=self.year, n=n, short=unit.short_name or unit.name
        )
