"""Supervision (DESIGN.md §9): key topics (重点督办专题) with their milestones, and the
actions leaders and committees take on a suggestion or a topic (督办意见, 催办, 视察/座谈).

Writes go through `supervision.services`; every action also writes an `AuditEvent` on each
suggestion it concerns, so it shows on that suggestion's timeline and the report counts it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager
from suggestions.models import AttachmentKind


class CommitteeKind(models.TextChoices):
    SPECIAL = "special", "专门委员会"
    WORKING = "working", "工作委员会"


class Committee(models.Model):
    """A 专委会 or 工委 that supervises key topics (master data, kept in the admin)."""

    congress = owner()
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=10, choices=CommitteeKind.choices)
    is_active = models.BooleanField("启用", default=True)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "委员会"
        verbose_name_plural = "委员会(专委会/工委)"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CommitteeKind.values), name="committee_kind_valid"
            ),
            models.UniqueConstraint(fields=["congress", "name"], name="committee_name_in_congress"),
        ]

    def __str__(self):
        return self.name


class TopicState(models.TextChoices):
    OPEN = "open", "进行中"
    DONE = "done", "已完成"


class KeyTopic(models.Model):
    """重点督办专题: several suggestions of one term, led by leaders (领办), supervised by a
    committee, followed through milestones, closed with its closing report."""

    State = TopicState

    congress = owner()
    year = models.PositiveSmallIntegerField("年度")
    term = models.ForeignKey(
        "deputies.Term", verbose_name="届次", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("专题名称", max_length=200)
    description = models.TextField("专题说明", blank=True)
    committee = models.ForeignKey(
        Committee,
        verbose_name="督办委员会",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics",
    )
    leaders = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="领办领导", related_name="led_topics"
    )
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion", verbose_name="建议", related_name="key_topics", blank=True
    )
    # Chosen units; when empty the topic's units are those of its suggestions' assignments
    # (supervision.selectors.topic_units).
    lead_unit = models.ForeignKey(
        "units.Unit",
        verbose_name="牵头单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    co_units = models.ManyToManyField(
        "units.Unit", verbose_name="协同单位", blank=True, related_name="+"
    )
    state = models.CharField(
        "状态", max_length=10, choices=TopicState.choices, default=TopicState.OPEN
    )
    closed_on = models.DateField("完成日期", null=True, blank=True)
    closing_summary = models.TextField("办理总结", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)
    version = models.PositiveIntegerField("版本", default=1)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "重点督办专题"
        verbose_name_plural = "重点督办专题"
        ordering = ["-year", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=TopicState.values), name="keytopic_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="open", closed_on__isnull=True)
                | Q(state="done", closed_on__isnull=False),
                name="keytopic_closed_on_with_done",
            ),
        ]

    def __str__(self):
        return f"{self.year}年 {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state == TopicState.OPEN


class MilestoneKind(models.TextChoices):
    SURVEY = "survey", "调研"
    FORUM = "forum", "座谈"
    INSPECTION = "inspection", "视察"
    EVALUATION = "evaluation", "满意度测评"
    REPORT = "report", "专题报告"


class Milestone(models.Model):
    """A planned step of a topic; done when its done day is recorded."""

    Kind = MilestoneKind

    topic = models.ForeignKey(KeyTopic, on_delete=models.CASCADE, related_name="milestones")
    kind = models.CharField("环节", max_length=12, choices=MilestoneKind.choices)
    planned_on = models.DateField("计划日期")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.TextField("情况说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "专题环节"
        verbose_name_plural = "专题环节"
        ordering = ["planned_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.planned_on:%Y-%m-%d}"

    def is_late(self, today) -> bool:
        """Late: its planned day has passed and it is not done (the key board's 滞后)."""
        return self.done_on is None and self.planned_on < today

    @classmethod
    def late_q(cls, today, prefix: str = "") -> Q:
        return Q(**{f"{prefix}done_on__isnull": True, f"{prefix}planned_on__lt": today})


def _milestone_file_path(instance, filename: str) -> str:
    # Random names, like reply attachments: the original name is kept in the row only.
    return f"supervision/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class MilestoneAttachment(models.Model):
    """A file of a milestone (minutes, photos, the evaluation sheet): checked by content as
    reply attachments are (suggestions.attachments), served only as a download."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("文件", upload_to=_milestone_file_path, max_length=200)
    name = models.CharField("文件名", max_length=200)
    kind = models.CharField("类型", max_length=10, choices=AttachmentKind.choices)
    size = models.PositiveIntegerField("大小(字节)")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "环节附件"
        verbose_name_plural = "环节附件"
        ordering = ["milestone", "id"]

    def __str__(self):
        return self.name


class ActionKind(models.TextChoices):
    INSTRUCTION = "instruction", "督办意见"
    URGE = "urge", "催办"
    VISIT = "visit", "视察座谈"


# The audit action each kind writes on the suggestions it concerns (their timelines, the
# report's counts: suggestions.figures.supervision_counts).
AUDIT_ACTIONS = {
    ActionKind.INSTRUCTION: "supervision.instruction",
    ActionKind.URGE: "supervision.urge",
    ActionKind.VISIT: "supervision.visit",
}
ACKNOWLEDGE_AUDIT_ACTION = "supervision.acknowledge"


class SupervisionAction(models.Model):
    """One act of supervision by a leader or committee staff, on one suggestion or a topic
    (then on every suggestion of the topic at that time)."""

    Kind = ActionKind

    congress = owner()
    kind = models.CharField("类型", max_length=12, choices=ActionKind.choices)
    topic = models.ForeignKey(
        KeyTopic,
        verbose_name="专题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name="建议",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_actions",
    )
    # Every suggestion the action concerns (one, or the topic's): the report counts by these.
    suggestions = models.ManyToManyField(
        "suggestions.Suggestion", verbose_name="涉及建议", related_name="+"
    )
    content = models.TextField("内容")
    happened_on = models.DateField("日期")
    participants = models.TextField("参加人员", blank=True)  # 视察/座谈
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督办人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", default=timezone.now, editable=False)

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "督办记录"
        verbose_name_plural = "督办记录"
        ordering = ["-happened_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="supervisionaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(topic__isnull=False) | Q(suggestion__isnull=False),
                name="supervisionaction_has_target",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.happened_on:%Y-%m-%d}"


class Acknowledgement(models.Model):
    """A unit's acknowledgement of a 督办意见, one per instruction and assignment. Due within
    PORTAL["INSTRUCTION_ACK_WORKING_DAYS"] working days; reminded once after (reminders)."""

    action = models.ForeignKey(
        SupervisionAction, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    assignment = models.ForeignKey(
        "suggestions.Assignment", on_delete=models.PROTECT, related_name="acknowledgements"
    )
    due_on = models.DateField("签收期限")
    acknowledged_on = models.DateField("签收日期", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField("落实说明", blank=True)

    class Meta:
        verbose_name = "督办意见签收"
        verbose_name_plural = "督办意见签收"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "assignment"], name="ack_once_per_unit")
        ]
        indexes = [
            # The reminder job's scan of unacknowledged instructions past their day
            # (notifications.reminders.instruction_reminders_due).
            models.Index(
                fields=["due_on"], condition=Q(acknowledged_on__isnull=True), name="ack_open_idx"
            )
        ]

    def __str__(self):
        return f"督办意见签收 {self.due_on:%Y-%m-%d}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_on is not None
