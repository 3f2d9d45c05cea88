"""Reads for 预交办 pages: each decides its joins once (a fixed number of queries)."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet

from suggestions import access

from .models import AssignmentPlan, PlanItem, PlanState, PlanUnit


def plan_list(user) -> QuerySet:
    return (
        access.plans_visible_to(user)
        .annotate(
            n_items=Count("items", distinct=True),
            n_units=Count("items__units", filter=Q(items__units__is_current=True)),
            n_answered=Count(
                "items__units",
                filter=Q(items__units__is_current=True) & ~Q(items__units__decision=""),
            ),
            n_objections=Count(
                "items__units",
                filter=Q(items__units__is_current=True, items__units__decision="object"),
            ),
        )
        .select_related("created_by")
    )


def plan_items(plan: AssignmentPlan) -> list[PlanItem]:
    """The items with their current proposal and the proposals replaced since (history)."""
    units = PlanUnit.objects.select_related("unit", "answered_by").order_by(
        PlanUnit.role_order(), "id"
    )
    return list(
        plan.items.select_related("suggestion__term", "suggestion__lead_deputy")
        .prefetch_related(
            Prefetch("units", queryset=units.filter(is_current=True), to_attr="current"),
            Prefetch("units", queryset=units.filter(is_current=False), to_attr="replaced"),
        )
        .order_by("suggestion__term__number", "suggestion__number", "id")
    )


def unit_plan_units(user) -> QuerySet:
    """What a unit is asked about: its current proposals in published plans, the window
    closing soonest first."""
    return (
        access.plan_units_visible_to(user)
        .filter(item__plan__state=PlanState.PUBLISHED)
        .select_related("item__plan", "item__suggestion__term", "item__suggestion__lead_deputy")
        .order_by("item__plan__answer_by", "item__plan_id", "item__suggestion__number", "id")
    )


def unit_unanswered_q(today: date) -> Q:
    """A proposal the unit still owes an answer on today (the window open)."""
    return Q(
        is_current=True,
        decision="",
        item__plan__state=PlanState.PUBLISHED,
        item__plan__answer_by__gte=today,
    )


def unit_unanswered_count(*, unit_id: int, today: date) -> int:
    """The unit's workbench and inbox count: the rows of its 预交办 page still to answer."""
    return PlanUnit.objects.filter(unit_unanswered_q(today), unit_id=unit_id).count()


def plans_published_count() -> int:
    """Staff's workbench: plans out for the units' answers, not yet assigned."""
    return AssignmentPlan.objects.filter(state=PlanState.PUBLISHED).count()
