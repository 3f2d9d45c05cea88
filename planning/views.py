"""预交办 pages. Staff make and 交办 plans, leaders read them, units answer their proposals.
Each view: access first, then the form, then one service call."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from suggestions import access, dates
from suggestions.workflow import BulkRefused, NotPermitted, WorkflowError

from . import selectors, services
from .forms import PlanAnswerForm, PlanAssignForm, PlanCreateForm, PlanUnitsForm
from .models import PlanState

logger = logging.getLogger(__name__)


def _refused(request, exc: WorkflowError) -> None:
    """A refusal as flash messages: the message, then each refused item of a bulk step."""
    logger.info("refused: %s", exc.code)
    if isinstance(exc, NotPermitted):
        raise PermissionDenied(exc.code)
    messages.error(request, exc.message)
    for failure in getattr(exc, "failures", ()):
        messages.error(request, failure)


def _overview(user) -> None:
    """Plans are staff's and leaders' (read-only); to anyone else they do not exist."""
    if not access.can_see_all(user):
        raise Http404("plans are not for this user")


@login_required
def plan_list(request):
    _overview(request.user)
    form = None
    if request.user.is_committee_staff:
        form = PlanCreateForm(request.POST if request.method == "POST" else None)
    elif request.method == "POST":
        raise PermissionDenied("committee staff only")
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                suggestions=form.cleaned_data["suggestions"],
            )
        except WorkflowError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "已创建预交办方案,请为每件建议拟定承办单位")
            return redirect(reverse("plans:detail", args=[plan.pk]))
    plans = selectors.plan_list(request.user)
    state = request.GET.get("state")
    if state in PlanState.values:  # the workbench's link: plans out for the units' answers
        plans = plans.filter(state=state)
    return render(
        request,
        "planning/list.html",
        {"plans": plans[:200], "form": form, "state": state},
    )


@login_required
def plan_detail(request, pk):
    plan = access.plan_for_user(request.user, pk)
    today = dates.today()
    return render(
        request,
        "planning/detail.html",
        {
            "plan": plan,
            "items": selectors.plan_items(plan),
            "editable": request.user.is_committee_staff and plan.state != PlanState.ASSIGNED,
            "is_staff": request.user.is_committee_staff,
            "assign_form": PlanAssignForm(),
            "window_open": plan.window_open(today),
            "today": today,
        },
    )


def _staff_plan(request, pk):
    plan = access.plan_for_user(request.user, pk)
    access.require_staff(request.user)
    return plan


@login_required
def plan_item_units(request, pk, item_pk):
    """One item's proposed units: the 交办 form's unit pickers (GET shows, POST saves)."""
    plan = _staff_plan(request, pk)
    item = plan.items.select_related("suggestion").filter(pk=item_pk).first()
    if item is None:
        raise Http404("no such item in this plan")
    current = list(item.units.filter(is_current=True))
    initial = {
        "lead": next((u.unit_id for u in current if u.role == "lead"), None),
        "split": [u.unit_id for u in current if u.role == "split"],
        "co": [u.unit_id for u in current if u.role == "co"],
    }
    form = PlanUnitsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_set_units(actor=request.user, item=item, units=form.cleaned_data["units"])
        except WorkflowError as exc:
            if isinstance(exc, NotPermitted):
                raise PermissionDenied(exc.code) from None
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存{item.suggestion.display_number}的拟承办单位")
            return redirect(reverse("plans:detail", args=[plan.pk]) + f"#item-{item.pk}")
    if plan.state == PlanState.ASSIGNED:
        messages.error(request, "该方案已交办,不能再调整")
        return redirect(reverse("plans:detail", args=[plan.pk]))
    return render(request, "planning/item_units.html", {"plan": plan, "item": item, "form": form})


@login_required
@require_POST
def plan_item_remove(request, pk, item_pk):
    plan = _staff_plan(request, pk)
    item = plan.items.select_related("suggestion").filter(pk=item_pk).first()
    if item is None:
        raise Http404("no such item in this plan")
    try:
        services.plan_remove_item(actor=request.user, item=item)
    except WorkflowError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已将{item.suggestion.display_number}移出方案")
    return redirect(reverse("plans:detail", args=[plan.pk]))


@login_required
@require_POST
def plan_publish(request, pk):
    plan = _staff_plan(request, pk)
    try:
        plan = services.plan_publish(actor=request.user, plan=plan)
    except WorkflowError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已发布,拟承办单位可在 {plan.answer_by:%Y-%m-%d} 前反馈意见")
    return redirect(reverse("plans:detail", args=[plan.pk]))


@login_required
@require_POST
def plan_assign(request, pk):
    plan = _staff_plan(request, pk)
    form = PlanAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"交办日期:{error}")
        return redirect(reverse("plans:detail", args=[plan.pk]))
    try:
        count = services.plan_assign(
            actor=request.user, plan=plan, assigned_on=form.cleaned_data["assigned_on"]
        )
    except BulkRefused as exc:
        _refused(request, exc)
    except WorkflowError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已按方案交办{count}件建议")
    return redirect(reverse("plans:detail", args=[plan.pk]))


# --- the units' side ---------------------------------------------------------------------------


@login_required
def unit_plans(request):
    """The unit's 预交办 page: each item proposed to it, to accept or object to."""
    if not (request.user.is_unit_user and request.user.unit_id):
        raise PermissionDenied("unit users only")
    today = dates.today()
    rows = list(selectors.unit_plan_units(request.user))
    for row in rows:
        row.open = row.item.plan.answer_by >= today and not row.answered
        row.form = PlanAnswerForm(auto_id=f"p{row.pk}_%s") if row.open else None
    return render(
        request,
        "planning/unit_plans.html",
        {"rows": rows, "today": today},
    )


@login_required
@require_POST
def unit_plan_answer(request, pk):
    plan_unit = access.plan_unit_for_user(
        request.user, pk, access.plan_units_visible_to(request.user).select_related("item__plan")
    )
    access.require_unit_of_plan_unit(request.user, plan_unit)
    form = PlanAnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(reverse("inbox:plans"))
    try:
        services.plan_answer(actor=request.user, plan_unit=plan_unit, **form.cleaned_data)
    except WorkflowError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已反馈意见")
    return redirect(reverse("inbox:plans") + f"#p-{plan_unit.pk}")
