"""Stored figures (DESIGN.md §5) per scope and day, so dashboards read a row instead of
recomputing, and a past day reads what the live computation gave on that day.

The rows hold counts only; every rate is derived from them by `suggestions.figures`.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class ScopeKind(models.TextChoices):
    TERM = "term", "届"
    MEETING = "meeting", "会议"
    CHANNEL = "channel", "来源"
    CATEGORY = "category", "分类"
    UNIT = "unit", "承办单位"


class Rollup(models.Model):
    """The figures of one scope as of one day, upserted on (scope_kind, scope_key, day)."""

    Kind = ScopeKind

    scope_kind = models.CharField("范围类型", max_length=10, choices=ScopeKind.choices)
    # Within a term: "<term id>" for the term, "<term id>/<meeting id | channel | category id
    # | unit id>" for the others (see rollups.services.scope_for).
    scope_key = models.CharField("范围", max_length=60)
    term = models.ForeignKey(
        "deputies.Term", verbose_name="届", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField("截至日期")
    figures = models.JSONField("统计数")  # counts of suggestions.figures.Figures
    unit_row = models.JSONField("单位统计数", null=True, blank=True)  # UnitRow, unit scopes
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        ordering = ["-day", "scope_kind", "scope_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_key", "day"], name="rollup_one_per_scope_and_day"
            ),
            models.CheckConstraint(
                condition=Q(scope_kind__in=ScopeKind.values), name="rollup_scope_kind_valid"
            ),
        ]
        indexes = [
            # Dashboards: every scope of a term on a day (unit rankings, category shares).
            models.Index(fields=["term", "day", "scope_kind"], name="rollup_term_day_idx"),
        ]

    def __str__(self):
        return f"{self.get_scope_kind_display()} {self.scope_key} {self.day:%Y-%m-%d}"


class RollupChange(models.Model):
    """A suggestion changed since the last incremental rollup; written in the change's own
    transaction (suggestions.workflow._audit), consumed and deleted by the rollup job."""

    suggestion_id = models.BigIntegerField("建议")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "待汇总变更"
        verbose_name_plural = "待汇总变更"

    def __str__(self):
        return f"建议 {self.suggestion_id}"


class RollupSchedule(models.Model):
    """One row: when the debounced recompute was queued, or null when none is waiting."""

    pending_since = models.DateTimeField("已排队于", null=True, blank=True)

    class Meta:
        verbose_name = "汇总排程"
        verbose_name_plural = "汇总排程"

    def __str__(self):
        return f"已排队于 {self.pending_since}" if self.pending_since else "空闲"
