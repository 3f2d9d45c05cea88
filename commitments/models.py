"""Commitments of B- and C-class replies and their ledger (台账), DESIGN.md §10.

A commitment says what the unit will do, by when and who is responsible. It is entered by
the unit after the reply, noted on as work goes on, and completed with evidence. The days a
person records (`completed_on`) are the days things happened; `entered_on` is the day the
row was written, so a figure as of a past day (suggestions.figures.commitment_fulfilment)
never counts what was recorded after it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from suggestions.models import AttachmentKind


class Commitment(models.Model):
    reply = models.ForeignKey(
        "suggestions.Reply",
        verbose_name="答复",
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    what = models.TextField("承诺事项")
    due_on = models.DateField("承诺完成日期")
    responsible = models.CharField("责任人", max_length=100)
    entered_on = models.DateField("录入日期", editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)
    completed_on = models.DateField("完成日期", null=True, blank=True)
    completion_entered_on = models.DateField("完成录入日期", null=True, blank=True, editable=False)
    completion_note = models.TextField("完成情况", blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成录入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "承诺事项"
        verbose_name_plural = "承诺事项"
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completion_entered_on__isnull=False),
                name="commitment_completion_entered",
            ),
        ]
        indexes = [
            # The reminder job's scan of open commitments by promised day.
            models.Index(
                fields=["due_on"],
                condition=Q(completed_on__isnull=True),
                name="commitment_open_idx",
            ),
        ]

    def __str__(self):
        return self.what[:40]

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None

    def status(self, today) -> str:
        """已兑现 / 逾期兑现 / 逾期未兑现 / 待兑现, for the ledger's chip."""
        if self.completed_on is not None:
            return "已兑现" if self.completed_on <= self.due_on else "逾期兑现"
        return "逾期未兑现" if self.due_on < today else "待兑现"


class CommitmentNote(models.Model):
    """A progress note (进展情况) on a commitment."""

    commitment = models.ForeignKey(
        Commitment, verbose_name="承诺事项", on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField("进展情况")
    noted_on = models.DateField("日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "进展情况"
        verbose_name_plural = "进展情况"
        ordering = ["noted_on", "id"]

    def __str__(self):
        return self.text[:40]


def _evidence_path(instance, filename: str) -> str:
    # A random name on disk, as reply attachments: the original name stays in the row.
    return f"commitments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file proving a completion (checked by suggestions.attachments, served by access)."""

    commitment = models.ForeignKey(
        Commitment, verbose_name="承诺事项", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("文件", upload_to=_evidence_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=AttachmentKind.choices)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "兑现佐证材料"
        verbose_name_plural = "兑现佐证材料"
        ordering = ["commitment", "id"]

    def __str__(self):
        return self.name


class CommitmentReminder(models.Model):
    """One reminder stage for one commitment's promised day: claimed by inserting this row
    (notifications.reminders' exactly-once rule: a second insert fails)."""

    commitment = models.ForeignKey(
        Commitment, verbose_name="承诺事项", on_delete=models.CASCADE, related_name="reminders"
    )
    # "before:N" or "overdue:W", the stages of notifications.reminders.stages_on.
    kind = models.CharField("提醒类型", max_length=30)
    due_on = models.DateField("承诺完成日期")
    sent_on = models.DateField("提醒日期")

    class Meta:
        verbose_name = "承诺提醒记录"
        verbose_name_plural = "承诺提醒记录"
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "kind", "due_on"], name="commitment_reminder_once"
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.due_on:%Y-%m-%d}"
