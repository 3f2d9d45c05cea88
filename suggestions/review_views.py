"""Reviewers' pages (DESIGN.md §8): signed replies awaiting review, and public replies whose
publication is due. The decisions themselves are taken on the assignment page and here
through suggestions.signing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import access, dates, selectors, signing, workflow
from .forms import PublishDayForm


def _require_reviewer(user) -> None:
    if not (user.is_committee_staff or user.is_inspector):
        raise PermissionDenied("reviewers only")


@login_required
def review_queue(request):
    """待审核的答复: signed letters waiting for this reviewer."""
    _require_reviewer(request.user)
    drafts = list(selectors.drafts_awaiting_review(user=request.user)[:500])
    return render(request, "replies/review.html", {"drafts": drafts})


@access.staff_required
def publications(request):
    """待公开的答复: released public replies not yet on the public page, by latest day."""
    today = dates.today()
    replies = list(selectors.publications_due(today=today)[:500])
    return render(
        request,
        "replies/publications.html",
        {"replies": replies, "today": today, "form": PublishDayForm()},
    )


@access.staff_required
@require_POST
def publish_day(request, pk):
    reply = access.reply_for_user(request.user, pk)
    form = PublishDayForm(request.POST)
    if form.is_valid():
        try:
            signing.reply_set_publish_day(
                actor=request.user, reply=reply, publish_on=form.cleaned_data["publish_on"]
            )
        except workflow.WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已确定公开日期")
    else:
        messages.error(request, "请填写有效的公开日期")
    return redirect("replies:publications")
