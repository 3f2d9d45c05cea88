"""Stored figures (DESIGN.md §5) per scope and day, so dashboards read a row instead of
recomputing, and a past day reads what the live computation gave on that day.

The rows hold counts only; every rate is derived from them by `suggestions.figures`.
"""

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager


class ScopeKind(models.TextChoices):
    TERM = "term", "届"
    MEETING = "meeting", "会议"
    CHANNEL = "channel", "来源"
    CATEGORY = "category", "分类"
    UNIT = "unit", "承办单位"
    SYSTEM = "system", "单位系统"


class Rollup(models.Model):
    """The figures of one scope as of one day, upserted on (scope_kind, scope_key, day)."""

    Kind = ScopeKind

    congress = owner()
    scope_kind = models.CharField("范围类型", max_length=10, choices=ScopeKind.choices)
    # Within a term: "<term id>" for the term, "<term id>/<meeting id | channel | category id
    # | unit id | unit system>" for the others (see rollups.scopes.scope_for).
    scope_key = models.CharField("范围", max_length=60)
    term = models.ForeignKey(
        "deputies.Term", verbose_name="届", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField("截至日期")
    figures = models.JSONField("统计数")  # counts of suggestions.figures.Figures
    unit_row = models.JSONField("单位统计数", null=True, blank=True)  # UnitRow, unit scopes
    computed_at = models.DateTimeField("计算时间", default=timezone.now)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "统计汇总"
        verbose_name_plural = "统计汇总"
        ordering = ["-day", "scope_kind", "scope_key"]
        constraints = [
            # Per congress: a key starts with a term id, global, so this is as strict as
            # before; the upsert's conflict target then never names another congress's row.
            models.UniqueConstraint(
                fields=["congress", "scope_kind", "scope_key", "day"],
                name="rollup_one_per_scope_and_day",
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


class RollupDay(models.Model):
    """A term's day whose every scope is stored: written with the full set of its rows
    (`rollups.services.rollups_compute_all`), never for a partial one. Dashboards use a day's
    rows only when this row exists (rollups.selectors)."""

    congress = owner()
    term = models.ForeignKey(
        "deputies.Term", verbose_name="届", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField("截至日期")
    # When the day was last brought up to the audit trail, and the highest event id it
    # reflects (rollups.changes): events above it may have changed the day.
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    seen_to = models.BigIntegerField("已反映至操作记录", default=0)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "已存储的统计日"
        verbose_name_plural = "已存储的统计日"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["term", "day"], name="rollupday_one_per_term_day"),
        ]

    def __str__(self):
        return f"{self.term_id} {self.day:%Y-%m-%d}"


class RollupWatermark(models.Model):
    """One row per congress: how far its rollup job has read the audit trail (rollups.changes).

    Every event with an id up to `seen_to`, except those in `gaps`, is reflected in the stored
    days. `gaps` lists id ranges below `seen_to` that were not visible when the job passed
    them (a transaction still open, or one rolled back), each with when it was first seen:
    [[first id, last id, ISO time], …]; a gap is read again until it is older than
    `rollups.changes.GAP_SETTLE`. `lease_until` is the claim of the run in progress.
    The events are every congress's (ids are global); each congress's job reads past them
    all and recomputes its own suggestions' days only."""

    congress = owner()
    seen_to = models.BigIntegerField("已处理至操作记录", default=0)
    gaps = models.JSONField("待补读区间", default=list, blank=True)
    lease_until = models.DateTimeField("运行占用至", null=True, blank=True)
    ran_at = models.DateTimeField("上次运行", null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "汇总进度"
        verbose_name_plural = "汇总进度"
        constraints = [
            models.UniqueConstraint(fields=["congress"], name="rollupwatermark_one_per_congress")
        ]

    def __str__(self):
        return f"已处理至 {self.seen_to}"


# --- dated facts (issue 14): each suggestion's facts as intervals of days -------------------


class SuggestionFacts(models.Model):
    """What `suggestions.figures` derives of one suggestion at a day D (its `_Row`), for every
    D in [valid_from, valid_to): one row per stretch of days on which nothing it counts
    changes (rollups.facts). So the facts as of any day are a condition on two columns, and
    every scope's counts one GROUP BY. Static columns (term, channel, category, key mark) are
    read from the suggestion itself, as the figures read them."""

    congress = owner()
    suggestion = models.ForeignKey(
        "suggestions.Suggestion", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    valid_from = models.DateField()
    # The first day it no longer holds; OPEN (9999-12-31) while it holds: "valid at D" is then
    # valid_from <= D < valid_to, a range an index on valid_to serves.
    valid_to = models.DateField(default=date.max)
    # The suggestion's columns the scopes filter on, copied (an event on the suggestion,
    # which any change of them leaves, re-derives its rows), so no query joins the suggestion.
    term = models.ForeignKey("deputies.Term", on_delete=models.CASCADE, related_name="+", null=True)
    meeting_id = models.IntegerField(null=True)
    channel = models.CharField(max_length=20, blank=True)
    category_id = models.IntegerField(null=True)
    is_key = models.BooleanField(default=False)
    # The units of its answering assignments made by this stretch, as ",3,17," (a unit's or a
    # system's scope holds it: figures._derive): a filter on the row, not a join through the
    # assignments; a system is its units read at query time, so a unit moved to another
    # system is counted in its new one at once.
    units = models.TextField(default="", blank=True)
    submitted = models.BooleanField()
    assigned = models.BooleanField()
    replied = models.BooleanField()
    on_time = models.BooleanField()
    closed = models.BooleanField()
    # None as null, as the figures read them ("no class", "no feedback").
    result = models.CharField(max_length=1, null=True)  # noqa: DJ001
    latest_verdict = models.CharField(max_length=20, null=True)  # noqa: DJ001
    first_verdict = models.CharField(max_length=20, null=True)  # noqa: DJ001
    face = models.BooleanField()
    overdue = models.PositiveSmallIntegerField()

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "建议统计事实"
        verbose_name_plural = "建议统计事实"
        indexes = [
            models.Index(fields=["suggestion", "valid_from"], name="facts_suggestion_day_idx"),
            # A scope's rows valid at D: its filter columns, then valid_to > D.
            models.Index(fields=["term", "valid_to"], name="facts_term_idx"),
            models.Index(fields=["term", "is_key", "channel", "valid_to"], name="facts_key_idx"),
            models.Index(fields=["term", "channel", "valid_to"], name="facts_channel_idx"),
            models.Index(fields=["term", "meeting_id", "valid_to"], name="facts_meeting_idx"),
            models.Index(fields=["term", "category_id", "valid_to"], name="facts_category_idx"),
        ]

    def __str__(self):
        return f"{self.suggestion_id} {self.valid_from:%Y-%m-%d}–{self.valid_to:%Y-%m-%d}"


class AssignmentFacts(models.Model):
    """An answering assignment's facts (its `_AssignmentRow`) for every day of
    [valid_from, valid_to) on which it is in force: what the unit rows and 逾期数 count."""

    congress = owner()
    assignment = models.ForeignKey(
        "suggestions.Assignment", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    suggestion = models.ForeignKey(
        "suggestions.Suggestion", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    valid_to = models.DateField(default=date.max)
    # The suggestion's columns the scopes filter on, copied (an event on the suggestion,
    # which any change of them leaves, re-derives its rows), so no query joins the suggestion.
    term = models.ForeignKey("deputies.Term", on_delete=models.CASCADE, related_name="+", null=True)
    meeting_id = models.IntegerField(null=True)
    channel = models.CharField(max_length=20, blank=True)
    category_id = models.IntegerField(null=True)
    is_key = models.BooleanField(default=False)
    answered = models.BooleanField()
    on_time = models.BooleanField()
    overdue = models.BooleanField()
    result = models.CharField(max_length=1, null=True)  # noqa: DJ001
    latest_verdict = models.CharField(max_length=20, null=True)  # noqa: DJ001

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "交办统计事实"
        verbose_name_plural = "交办统计事实"
        indexes = [
            models.Index(fields=["suggestion", "valid_from"], name="afacts_suggestion_day_idx"),
            models.Index(fields=["term", "valid_to"], name="afacts_term_idx"),
            models.Index(fields=["term", "is_key", "channel", "valid_to"], name="afacts_key_idx"),
            models.Index(fields=["term", "channel", "valid_to"], name="afacts_channel_idx"),
            models.Index(fields=["term", "unit", "valid_to"], name="afacts_unit_idx"),
        ]

    def __str__(self):
        return f"{self.assignment_id} {self.valid_from:%Y-%m-%d}–{self.valid_to:%Y-%m-%d}"


class FactsMark(models.Model):
    """One row per congress: how far its dated facts reflect the audit trail, as
    `RollupWatermark` does for the stored figures (`seen_to`, `gaps`). Until `built` the
    congress's facts are not used."""

    congress = owner()
    built = models.BooleanField(default=False)
    seen_to = models.BigIntegerField(default=0)
    gaps = models.JSONField(default=list, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "统计事实进度"
        verbose_name_plural = "统计事实进度"
        constraints = [
            models.UniqueConstraint(fields=["congress"], name="factsmark_one_per_congress")
        ]

    def __str__(self):
        return f"已反映至 {self.seen_to}"
