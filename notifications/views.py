from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from suggestions.access import staff_required

from . import selectors, services
from .models import ReminderDelivery


@login_required
def inbox(request):
    page = selectors.inbox_page(user=request.user, page=request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request, pk: int):
    if not services.notification_mark_read(user=request.user, notification_id=pk):
        raise Http404("没有这条通知")
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:inbox")


@staff_required
def reminder_log(request):
    state = request.GET.get("state", "")
    error = "" if state in ("", *ReminderDelivery.State.values) else "状态参数不正确,已显示全部记录"
    page = selectors.deliveries_page(state=state, page=request.GET.get("page"))
    return render(
        request,
        "notifications/reminders.html",
        {
            "page": page,
            "state": state,
            "states": ReminderDelivery.State.choices,
            "error": error,
            "other_sms": selectors.unsent_other_sms(),
        },
    )
