"""An Excel import: the uploaded file, its check results and how far it got."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager


class ImportKind(models.TextChoices):
    SUGGESTIONS = "suggestions", "代表建议"
    DEPUTIES = "deputies", "代表"
    UNITS = "units", "承办单位"


class ImportState(models.TextChoices):
    PENDING = "pending", "等待检查"
    VALIDATING = "validating", "正在检查"
    READY = "ready", "检查通过,待确认"
    INVALID = "invalid", "有错误,未导入"
    RUNNING = "running", "正在导入"
    DONE = "done", "导入完成"
    FAILED = "failed", "导入失败,未保存任何数据"


def _upload_to(job: "ImportJob", filename: str) -> str:
    # The user's file name stays in `original_name`; on disk a random name avoids clashes.
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    Kind = ImportKind
    State = ImportState

    # States in which a worker or request is still busy: the page shows a progress bar.
    BUSY_STATES = (ImportState.PENDING, ImportState.VALIDATING, ImportState.RUNNING)

    congress = owner()
    kind = models.CharField("导入内容", max_length=20, choices=ImportKind.choices)
    file = models.FileField("文件", upload_to=_upload_to)
    original_name = models.CharField("原文件名", max_length=255)
    # Suggestions only: land as 已立案 (registered elsewhere on paper) or 已提交 (待立案).
    register = models.BooleanField("导入后直接立案", default=True)
    state = models.CharField(
        "状态", max_length=20, choices=ImportState.choices, default=ImportState.PENDING
    )
    total_rows = models.PositiveIntegerField("数据行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    # [{"sheet", "row", "column", "message"}, ...] in file order; every error, not the first.
    errors = models.JSONField("错误", default=list, blank=True)
    # What the import will create (after checking) or created (when done), for the page.
    summary = models.JSONField("摘要", default=dict, blank=True)
    created_counts = models.JSONField("已创建", default=dict, blank=True)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The staff member who confirmed the preview: the actor of the workflow calls.
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now, editable=False)
    checked_at = models.DateTimeField("检查完成时间", null=True, blank=True)
    started_at = models.DateTimeField("开始导入时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "Excel导入"
        verbose_name_plural = "Excel导入"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=ImportState.values), name="importjob_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values), name="importjob_kind_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}导入 {self.original_name}"

    @property
    def is_busy(self) -> bool:
        return self.state in self.BUSY_STATES

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)
