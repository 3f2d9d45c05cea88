"""Who is told about a 预交办 plan: the proposed units' users, in the inbox and by e-mail."""

from django.urls import reverse

from accounts.selectors import unit_users
from notifications.services import notify

from .models import AssignmentPlan, PlanUnit

KIND_PROPOSED = "plan.proposed"


def plan_proposed(plan: AssignmentPlan, unit_ids: set[int] | None = None) -> None:
    """Tell each proposed unit (or only `unit_ids`) what it is asked to answer, and by when."""
    rows = PlanUnit.objects.filter(item__plan=plan, is_current=True)
    if unit_ids is not None:
        rows = rows.filter(unit_id__in=unit_ids)
    counts: dict[int, int] = {}
    for unit_id in rows.values_list("unit_id", flat=True):
        counts[unit_id] = counts.get(unit_id, 0) + 1
    for unit_id, n in counts.items():
        notify(
            recipients=unit_users(unit_id).order_by("id"),
            kind=KIND_PROPOSED,
            title=f"预交办征求意见:{plan.title}({n}件)",
            body=f"请于 {plan.answer_by:%Y-%m-%d} 前对拟交本单位办理的建议表示同意或提出异议。",
            url=reverse("inbox:plans"),
        )
