from django.db import models


class UnitSystem(models.TextChoices):
    GOVERNMENT = "government", "政府"
    COURT = "court", "法院"
    PROCURATORATE = "procuratorate", "检察院"
    CONGRESS = "congress", "人大机关"
    OTHER = "other", "其他"


class Unit(models.Model):
    """A handling unit (承办单位): a department, court, procuratorate or other body."""

    System = UnitSystem

    name = models.CharField("名称", max_length=100, unique=True)
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

    class Meta:
        verbose_name = "承办单位"
        verbose_name_plural = "承办单位"
        ordering = ["system", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(system__in=UnitSystem.values), name="unit_system_valid"
            ),
        ]

    def __str__(self):
        return self.name
