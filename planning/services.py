"""预交办 transitions (DESIGN.md §9), the workflow's part for plans: every write on a plan.

They follow suggestions.workflow's shape (keyword-only, one transaction, its errors with a
Chinese message) and reuse its rules: a proposal is checked with
`workflow.assignment_units_check`, the one set of rules of 交办, and the batch 交办 runs
`workflow.suggestion_assign` for every item through `workflow.suggestions_apply`, all or
nothing, so deadlines, audit events and notices are exactly those of a normal 交办.

1. `plan_create` — a draft with a batch of registered suggestions (none in another open plan).
2. `plan_set_units` — the proposed units of one item (draft or published: staff adjust);
   `plan_remove_item` takes an item out before 交办.
3. `plan_publish` — opens the window: units may answer until `answer_by`, computed from the
   working-day calendar (settings.PORTAL PREASSIGN_WINDOW_WORKING_DAYS).
4. `plan_answer` — a proposed unit accepts or objects (with a reason), once, in the window.
5. `plan_assign` — 交办 the whole batch in one step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from suggestions import dates, deadlines, limits, workflow
from suggestions.models import Suggestion
from suggestions.workflow import BulkRefused, InvalidTransition, NotPermitted
from units.models import Unit

from . import notices
from .models import AssignmentPlan, PlanItem, PlanState, PlanUnit

P = PlanState


def _require_staff(actor) -> None:
    if not getattr(actor, "is_committee_staff", False):
        raise NotPermitted("只有工作人员可以进行此操作", "staff_only")


def _lock_plan(plan: AssignmentPlan) -> AssignmentPlan:
    return AssignmentPlan.objects.select_for_update().get(pk=plan.pk)


def _require_plan_state(plan: AssignmentPlan, allowed: Sequence[str], message: str) -> None:
    if plan.state not in allowed:
        raise InvalidTransition(message, f"plan_{plan.state}")


def open_plan_items():
    """Items of plans not yet assigned: a suggestion sits in at most one of them."""
    return PlanItem.objects.filter(plan__state__in=(P.DRAFT, P.PUBLISHED))


@transaction.atomic
def plan_create(*, actor, title: str, suggestions: Sequence[Suggestion]) -> AssignmentPlan:
    """1. A draft plan for a batch of registered suggestions."""
    _require_staff(actor)
    title = (title or "").strip()
    if not title:
        raise InvalidTransition("请填写方案名称", "missing_title")
    suggestions = list(suggestions)
    if not suggestions:
        raise InvalidTransition("请至少选择一件已立案的建议", "no_suggestions")
    if too_many := limits.too_many("bulk", len(suggestions)):
        raise InvalidTransition(too_many, limits.CODE)
    locked = list(
        Suggestion.objects.select_for_update()
        .filter(pk__in=[s.pk for s in suggestions])
        .order_by("pk")
    )
    taken = set(
        open_plan_items().filter(suggestion__in=locked).values_list("suggestion_id", flat=True)
    )
    failures = []
    for s in locked:
        if s.status != Suggestion.Status.REGISTERED:
            failures.append(f"{s.display_number}:只有已立案、尚未交办的建议可以预交办")
        elif s.pk in taken:
            failures.append(f"{s.display_number}:已在另一个未交办的预交办方案中")
    if failures:
        raise BulkRefused(failures)
    plan = AssignmentPlan.objects.create(title=title, created_by=actor)
    PlanItem.objects.bulk_create([PlanItem(plan=plan, suggestion=s) for s in locked])
    return plan


@transaction.atomic
def plan_set_units(*, actor, item: PlanItem, units: Sequence[tuple[Unit, str]]) -> PlanItem:
    """2. The units proposed for one item, checked with the rules of 交办. A unit kept in the
    same role keeps its row and answer; a changed or dropped one stops being current (its
    answer stays on record); a newly proposed unit answers afresh, and is told when the plan
    is already published."""
    _require_staff(actor)
    plan = _lock_plan(item.plan)
    _require_plan_state(plan, (P.DRAFT, P.PUBLISHED), "该方案已交办,不能再调整")
    item = PlanItem.objects.select_related("suggestion").get(pk=item.pk, plan=plan)
    workflow.assignment_units_check(suggestion=item.suggestion, units=units)
    wanted = {(unit.pk, role) for unit, role in units}
    current = list(item.units.filter(is_current=True))
    kept = {(pu.unit_id, pu.role) for pu in current if (pu.unit_id, pu.role) in wanted}
    dropped = [pu.pk for pu in current if (pu.unit_id, pu.role) not in wanted]
    PlanUnit.objects.filter(pk__in=dropped).update(is_current=False)
    added = [
        PlanUnit(item=item, unit=unit, role=role)
        for unit, role in units
        if (unit.pk, role) not in kept
    ]
    PlanUnit.objects.bulk_create(added)
    if plan.state == P.PUBLISHED and added:
        notices.plan_proposed(plan, unit_ids={pu.unit_id for pu in added})
    return item


@transaction.atomic
def plan_remove_item(*, actor, item: PlanItem) -> None:
    """Take a suggestion out of a plan not yet assigned (e.g. assigned by hand meanwhile, or
    withdrawn), so the rest of the batch can be assigned. The item and its proposals and
    answers are deleted with it: a plan not yet assigned is a proposal, and what was 交办
    is recorded by the workflow's own audit events."""
    _require_staff(actor)
    plan = _lock_plan(item.plan)
    _require_plan_state(plan, (P.DRAFT, P.PUBLISHED), "该方案已交办,不能再调整")
    if plan.items.count() <= 1:
        raise InvalidTransition("方案中至少保留一件建议", "last_item")
    PlanItem.objects.filter(pk=item.pk, plan=plan).delete()


@transaction.atomic
def plan_publish(*, actor, plan: AssignmentPlan) -> AssignmentPlan:
    """3. Publish to the proposed units today; every item must have a valid proposal."""
    _require_staff(actor)
    plan = _lock_plan(plan)
    _require_plan_state(plan, (P.DRAFT,), "该方案已发布")
    failures = []
    items = list(plan.items.select_related("suggestion").prefetch_related("units__unit"))
    if not items:
        raise InvalidTransition("方案中没有建议", "empty_plan")
    for item in items:
        units = [(pu.unit, pu.role) for pu in item.units.all() if pu.is_current]
        if not units:
            failures.append(f"{item.suggestion.display_number}:尚未拟定承办单位")
            continue
        try:
            workflow.assignment_units_check(suggestion=item.suggestion, units=units)
        except InvalidTransition as exc:
            failures.append(f"{item.suggestion.display_number}:{exc.message}")
    if failures:
        raise BulkRefused(failures)
    today = dates.today()
    plan.state, plan.published_on, plan.published_by = P.PUBLISHED, today, actor
    plan.answer_by = deadlines.preassign_window_end(
        published_on=today,
        working_days=settings.PORTAL["PREASSIGN_WINDOW_WORKING_DAYS"],
        calendar=deadlines.WorkCalendar.load(),
    )
    plan.save(update_fields=["state", "published_on", "published_by", "answer_by"])
    notices.plan_proposed(plan)
    return plan


@transaction.atomic
def plan_answer(*, actor, plan_unit: PlanUnit, decision: str, reason: str = "") -> PlanUnit:
    """4. The proposed unit accepts or objects (with a reason), once, within the window."""
    if not (getattr(actor, "is_unit_user", False) and actor.unit_id == plan_unit.unit_id):
        raise NotPermitted("只有拟承办单位可以反馈意见", "not_this_unit")
    plan = _lock_plan(plan_unit.item.plan)
    plan_unit = PlanUnit.objects.select_for_update().get(pk=plan_unit.pk)
    _require_plan_state(plan, (P.PUBLISHED,), "该预交办方案已交办,不能再反馈意见")
    if not plan_unit.is_current:
        raise InvalidTransition("工作人员已调整该建议的拟承办单位,本单位无需再反馈", "not_current")
    today = dates.today()
    if today > plan.answer_by:
        raise InvalidTransition(
            f"意见反馈期已于 {plan.answer_by:%Y-%m-%d} 截止,不能再提交意见;如有异议请直接与工作人员联系",
            "window_closed",
        )
    if plan_unit.answered:
        raise InvalidTransition("本单位已反馈过意见", "already_answered")
    if decision not in PlanUnit.Decision.values:
        raise InvalidTransition("请选择同意或有异议", "bad_decision")
    reason = (reason or "").strip()
    if decision == PlanUnit.Decision.OBJECT and not reason:
        raise InvalidTransition("提出异议时请说明理由", "missing_reason")
    plan_unit.decision, plan_unit.reason = decision, reason
    plan_unit.answered_by, plan_unit.answered_on = actor, today
    plan_unit.answered_at = timezone.now()
    plan_unit.save(
        update_fields=["decision", "reason", "answered_by", "answered_on", "answered_at"]
    )
    return plan_unit


@transaction.atomic
def plan_assign(*, actor, plan: AssignmentPlan, assigned_on: date | None = None) -> int:
    """5. 交办 every item to its current units in one step: workflow.suggestion_assign per item
    through workflow.suggestions_apply, so one refusal changes nothing and the message names
    every refused item. Returns how many suggestions were assigned."""
    _require_staff(actor)
    plan = _lock_plan(plan)
    _require_plan_state(plan, (P.PUBLISHED,), "只有已发布、尚未交办的方案可以交办")
    assigned_on = assigned_on or dates.today()
    items = list(plan.items.select_related("suggestion").prefetch_related("units__unit"))
    units = {
        item.suggestion_id: [(pu.unit, pu.role) for pu in item.units.all() if pu.is_current]
        for item in items
    }
    count = workflow.suggestions_apply(
        suggestions=[item.suggestion for item in items],
        step=lambda s: workflow.suggestion_assign(
            actor=actor, suggestion=s, units=units[s.pk], assigned_on=assigned_on
        ),
    )
    plan.state, plan.assigned_on, plan.assigned_by = P.ASSIGNED, assigned_on, actor
    plan.save(update_fields=["state", "assigned_on", "assigned_by"])
    return count
