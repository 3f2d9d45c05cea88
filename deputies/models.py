from django.conf import settings
from django.db import models

from congresses.fields import owner
from congresses.managers import ActingCongressManager, ThroughTermManager


class Term(models.Model):
    """届: a five-year term of the congress, e.g. 市十三届."""

    congress = owner()
    number = models.PositiveSmallIntegerField("届次")
    name = models.CharField("名称", max_length=50)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", null=True, blank=True)
    is_current = models.BooleanField("本届", default=False)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "届"
        verbose_name_plural = "届"
        ordering = ["-number"]
        constraints = [
            # Numbers and names are the congress's own: 县十三届 and 市十三届 both exist.
            models.UniqueConstraint(fields=["congress", "number"], name="term_number_in_congress"),
            models.UniqueConstraint(fields=["congress", "name"], name="term_name_in_congress"),
            models.UniqueConstraint(
                fields=["congress", "is_current"],
                condition=models.Q(is_current=True),
                name="one_current_term",
            ),
        ]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """次会议: one plenary meeting within a term."""

    term = models.ForeignKey(
        Term, verbose_name="届", on_delete=models.PROTECT, related_name="meetings"
    )
    number = models.PositiveSmallIntegerField("次")
    name = models.CharField("名称", max_length=50)
    start_date = models.DateField("开幕日期")
    end_date = models.DateField("闭幕日期", null=True, blank=True)

    objects = ThroughTermManager()

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-term__number", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "number"], name="meeting_number_unique_in_term"
            ),
        ]

    def __str__(self):
        return f"{self.term.name}{self.name}"


class Delegation(models.Model):
    """代表团: the delegation a deputy was elected in."""

    term = models.ForeignKey(
        Term, verbose_name="届", on_delete=models.PROTECT, related_name="delegations"
    )
    name = models.CharField("名称", max_length=50)

    objects = ThroughTermManager()

    class Meta:
        verbose_name = "代表团"
        verbose_name_plural = "代表团"
        ordering = ["term", "name"]
        constraints = [
            models.UniqueConstraint(fields=["term", "name"], name="delegation_name_unique_in_term"),
        ]

    def __str__(self):
        return self.name


class Deputy(models.Model):
    """人大代表."""

    class Gender(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    term = models.ForeignKey(
        Term, verbose_name="届", on_delete=models.PROTECT, related_name="deputies"
    )
    delegation = models.ForeignKey(
        Delegation,
        verbose_name="代表团",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputies",
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices, blank=True)
    occupation = models.CharField("工作单位及职务", max_length=200, blank=True)
    group = models.CharField("代表小组/联络站", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=50, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    address = models.CharField("通讯地址", max_length=200, blank=True)
    identity_confidential = models.BooleanField(
        "身份保密", default=False, help_text="公开页面和导出中不显示代表身份"
    )
    # One person, one login, seats at several levels and terms (DESIGN.md §11): a seat names
    # its login, a login may hold several seats.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账户",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seats",
    )
    is_active = models.BooleanField("在任", default=True)

    objects = ThroughTermManager()

    class Meta:
        verbose_name = "代表"
        verbose_name_plural = "代表"
        ordering = ["term", "name"]
        indexes = [models.Index(fields=["name"], name="deputy_name_idx")]
        # Checked by suggestions.access.can_export_confidential_names, for every export.
        permissions = [("export_confidential_names", "可导出身份保密代表姓名")]

    def __str__(self):
        return self.name
