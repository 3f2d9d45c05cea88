"""预交办 (DESIGN.md §9): a proposed assignment plan for a batch of registered suggestions.

Staff draft a plan (each suggestion with its proposed units as 主办/协办/分办), publish it,
and each proposed unit accepts or objects with a reason within the window (working days
from publication, settings.PORTAL PREASSIGN_WINDOW_WORKING_DAYS). Staff adjust the units per
item, then 交办 the whole batch in one step through workflow.suggestion_assign. Every write
goes through planning.services; a changed proposal keeps its old rows (`is_current` off)
with their answers, so what a unit agreed to stays on record.
"""

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, When
from django.utils import timezone

from congresses.fields import owner
from congresses.managers import ActingCongressManager
from suggestions.models import AssignmentRole


class PlanState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "征求意见中"
    ASSIGNED = "assigned", "已交办"


class AssignmentPlan(models.Model):
    State = PlanState

    congress = owner()
    title = models.CharField("方案名称", max_length=100)
    state = models.CharField(
        "状态", max_length=10, choices=PlanState.choices, default=PlanState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    published_on = models.DateField("发布日期", null=True, blank=True)
    # The last day (inclusive) a unit may answer: deadlines.preassign_window_end.
    answer_by = models.DateField("意见反馈截止", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_on = models.DateField("交办日期", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="交办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ActingCongressManager()

    class Meta:
        verbose_name = "预交办方案"
        verbose_name_plural = "预交办方案"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=PlanState.values), name="assignmentplan_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_on__isnull=False, answer_by__isnull=False),
                name="assignmentplan_published_has_window",
            ),
        ]

    def __str__(self):
        return self.title

    def window_open(self, today) -> bool:
        return self.state == PlanState.PUBLISHED and today <= self.answer_by


class PlanItem(models.Model):
    """One suggestion of a plan."""

    plan = models.ForeignKey(
        AssignmentPlan, verbose_name="方案", on_delete=models.CASCADE, related_name="items"
    )
    suggestion = models.ForeignKey(
        "suggestions.Suggestion",
        verbose_name="建议",
        on_delete=models.PROTECT,
        related_name="plan_items",
    )

    class Meta:
        verbose_name = "预交办建议"
        verbose_name_plural = "预交办建议"
        ordering = ["plan", "suggestion__number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "suggestion"], name="planitem_once_per_plan"),
        ]

    def __str__(self):
        return f"{self.plan} · {self.suggestion.display_number}"


class AnswerDecision(models.TextChoices):
    ACCEPT = "accept", "同意"
    OBJECT = "object", "有异议"


class PlanUnit(models.Model):
    """A unit proposed for one item in one role, with the unit's answer once given. A row
    taken out of the proposal keeps its answer and stops being current."""

    Decision = AnswerDecision

    item = models.ForeignKey(
        PlanItem, verbose_name="预交办建议", on_delete=models.CASCADE, related_name="units"
    )
    unit = models.ForeignKey(
        "units.Unit", verbose_name="承办单位", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("办理方式", max_length=10, choices=AssignmentRole.choices)
    is_current = models.BooleanField("现行方案", default=True)
    decision = models.CharField(
        "单位意见", max_length=10, choices=AnswerDecision.choices, blank=True
    )
    reason = models.TextField("异议理由", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="反馈人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_on = models.DateField("反馈日期", null=True, blank=True)
    answered_at = models.DateTimeField("反馈时间", null=True, blank=True)

    class Meta:
        verbose_name = "预交办单位"
        verbose_name_plural = "预交办单位"
        ordering = ["item", "role", "id"]
        constraints = [
            # One current proposal per unit and item; replaced ones stay as history.
            models.UniqueConstraint(
                fields=["item", "unit"],
                condition=Q(is_current=True),
                name="planunit_one_current_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(role__in=AssignmentRole.values), name="planunit_role_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(decision__in=AnswerDecision.values),
                name="planunit_decision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision="object") | ~Q(reason=""),
                name="planunit_objection_has_reason",
            ),
        ]
        indexes = [
            # A unit's page of proposed items (planning.selectors.unit_plan_units).
            models.Index(fields=["unit", "is_current"], name="planunit_unit_current_idx"),
        ]

    def __str__(self):
        return f"{self.item} → {self.unit} ({self.get_role_display()})"

    @property
    def answered(self) -> bool:
        return bool(self.decision)

    @staticmethod
    def role_order() -> Case:
        """主办, then 分办, then 协办: the order pages and the API list a proposal in."""
        return Case(When(role="lead", then=0), When(role="split", then=1), default=2)
