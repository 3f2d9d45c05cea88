"""Deputy pages: my suggestions, a new suggestion, feedback on replies, co-signatures to
confirm (附议确认) and replies sent because a suggestion was merged (并案)."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from deputies.models import Deputy

from . import access, selectors, workflow
from .forms import DeputyFeedbackForm, DeputySuggestionForm
from .models import Reply, ReplyDelivery

logger = logging.getLogger(__name__)


def _my_deputy(user) -> Deputy:
    """The deputy record of the logged-in user, in the current term if they sit in several."""
    if not user.is_deputy:
        raise PermissionDenied("deputies only")
    deputy = (
        Deputy.objects.filter(user=user).select_related("term").order_by("-term__number").first()
    )
    if deputy is None:
        raise PermissionDenied("no deputy record for this user")
    return deputy


@login_required
def my_suggestions(request):
    _my_deputy(request.user)
    merged = selectors.merged_deliveries(user=request.user)
    awaiting = selectors.replies_awaiting_feedback(user=request.user)
    awaiting_merged = [d for d in merged if d.awaits_feedback]
    return render(
        request,
        "my/list.html",
        {
            "suggestions": selectors.deputy_suggestions(user=request.user),
            "awaiting": awaiting,
            "awaiting_merged": awaiting_merged,
            "awaiting_count": len(awaiting) + len(awaiting_merged),
            "to_confirm": selectors.pending_co_signatures(user=request.user),
            "merged": merged,
            "today": timezone.localdate(),
        },
    )


@login_required
def my_new(request):
    deputy = _my_deputy(request.user)
    form = DeputySuggestionForm(request.POST if request.method == "POST" else None, deputy=deputy)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            suggestion = workflow.suggestion_create(
                actor=request.user, term=deputy.term, lead_deputy=deputy, **data
            )
            if "submit" in request.POST:
                workflow.suggestion_submit(actor=request.user, suggestion=suggestion)
        except workflow.WorkflowError as exc:
            logger.info("refused deputy suggestion: %s", exc.code)
            form.add_error(None, exc.message)
        else:
            suggestion.refresh_from_db()
            if "submit" in request.POST:
                messages.success(request, f"已提交,编号{suggestion.display_number}")
            else:
                messages.success(request, "已保存草稿,可随时修改后提交")
            return redirect(reverse("suggestions:detail", args=[suggestion.pk]))
    return render(request, "my/new.html", {"form": form, "deputy": deputy})


@login_required
@require_POST
def my_submit(request, pk):
    suggestion = access.suggestion_for_user(request.user, pk)
    try:
        workflow.suggestion_submit(actor=request.user, suggestion=suggestion)
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        suggestion.refresh_from_db()
        messages.success(request, f"已提交,编号{suggestion.display_number}")
    return redirect(reverse("suggestions:detail", args=[suggestion.pk]))


@login_required
def my_feedback(request, pk):
    """The lead deputy's 代表意见反馈表 for one reply."""
    _my_deputy(request.user)
    reply = access.reply_for_user(
        request.user, pk, Reply.objects.select_related("assignment__unit", "assignment__suggestion")
    )
    suggestion = reply.assignment.suggestion
    form = DeputyFeedbackForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.feedback_record(actor=request.user, reply=reply, **form.cleaned_data)
        except workflow.NotPermitted as exc:
            raise PermissionDenied(exc.code) from None
        except workflow.WorkflowError as exc:
            logger.info("refused feedback: %s", exc.code)
            form.add_error(None, exc.message)
        else:
            if form.cleaned_data["result_verdict"] == "dissatisfied":
                messages.success(request, "已收到您的意见,承办单位将重新办理")
            else:
                messages.success(request, "感谢您的反馈")
            return redirect(reverse("my:list"))
    return render(request, "my/feedback.html", {"form": form, "r": reply, "s": suggestion})


@login_required
@require_POST
def my_co_signature(request, pk, decision):
    """确认附议 or 拒绝附议 on a suggestion another deputy named me on (404 for a
    co-signature of a suggestion the user may not see, 403 for someone else's)."""
    _my_deputy(request.user)
    co_signature = access.co_signature_for_user(request.user, pk)
    if decision not in ("confirm", "decline"):
        raise PermissionDenied("unknown decision")
    try:
        if decision == "confirm":
            workflow.co_signature_confirm(actor=request.user, co_signature=co_signature)
        else:
            workflow.co_signature_decline(
                actor=request.user, co_signature=co_signature, reason=request.POST.get("reason", "")
            )
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已确认附议" if decision == "confirm" else "已拒绝附议")
    return redirect(reverse("my:list"))


@login_required
def my_delivery(request, pk):
    """A reply sent to me because my suggestion was merged into another (并案): read it and
    give my own verdicts (shown beside the lead deputy's, not counted in the figures)."""
    _my_deputy(request.user)
    delivery = access.delivery_for_user(
        request.user,
        pk,
        ReplyDelivery.objects.select_related(
            "deputy", "via", "reply__assignment__unit", "reply__assignment__suggestion"
        ).prefetch_related("reply__attachments"),
    )
    if delivery.deputy.user_id != request.user.pk:
        raise PermissionDenied("not sent to this deputy")
    if delivery.role != ReplyDelivery.Role.MERGED:
        # The lead deputy's verdicts are the reply's Feedback; co-signers are not asked.
        return redirect(reverse("my:feedback", args=[delivery.reply_id]))
    form = DeputyFeedbackForm(request.POST if request.method == "POST" else None)
    form.fields["remarks"].help_text = "不满意时必填"  # a merged deputy's reopens nothing
    if request.method == "POST" and form.is_valid():
        try:
            workflow.delivery_feedback_record(
                actor=request.user, delivery=delivery, **form.cleaned_data
            )
        except workflow.NotPermitted as exc:
            raise PermissionDenied(exc.code) from None
        except workflow.WorkflowError as exc:
            logger.info("refused merged feedback: %s", exc.code)
            form.add_error(None, exc.message)
        else:
            messages.success(request, "感谢您的反馈")
            return redirect(reverse("my:list"))
    return render(
        request,
        "my/delivery.html",
        {
            "d": delivery,
            "r": delivery.reply,
            "s": delivery.reply.assignment.suggestion,
            "form": form if delivery.awaits_feedback or form.errors else None,
        },
    )
