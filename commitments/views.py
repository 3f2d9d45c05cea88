"""The ledger (台账) pages: access gateway, form, one service call, render."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from suggestions import access, dates, signing, workflow
from units.models import Unit

from . import selectors, services
from .forms import CommitmentForm, CompleteForm, FollowUpForm, NoteForm

logger = logging.getLogger(__name__)


def _run(form, call, **kwargs):
    try:
        return call(**kwargs)
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        logger.info("refused %s: %s", call.__name__, exc.code)
        form.add_error(None, exc.message)
        return None


@login_required
def ledger(request):
    access.require_ledger(request.user)
    today = dates.today()
    user = request.user
    state = request.GET.get("state") or "all"
    if state not in selectors.LEDGER_STATES:
        state = "all"
    unit_id = None
    units = []
    if access.can_see_all(user):
        units = list(Unit.objects.filter(is_active=True).order_by("name").only("pk", "name"))
        try:
            unit_id = int(request.GET.get("unit") or 0) or None
        except ValueError:
            unit_id = None
    counts = selectors.ledger_counts(user, today=today, unit_id=unit_id)
    rows = list(selectors.ledger(user, state=state, today=today, unit_id=unit_id)[:500])
    return render(
        request,
        "commitments/ledger.html",
        {
            "rows": [(c, c.status(today)) for c in rows],
            "tabs": [(k, label, counts[k]) for k, label in selectors.LEDGER_STATES.items()],
            "state": state,
            "units": units,
            "unit_id": unit_id,
        },
    )


@login_required
def commitment_new(request, reply_pk):
    reply = access.reply_for_user(request.user, reply_pk)
    access.require_unit_of(request.user, reply.assignment)
    form = CommitmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _run(
            form, services.commitment_add, actor=request.user, reply=reply, **form.cleaned_data
        ):
            messages.success(request, "已登记承诺事项")
            return redirect(
                reverse("inbox:assignment", args=[reply.assignment_id]) + "#commitments"
            )
    return render(request, "commitments/new.html", {"form": form, "reply": reply})


@login_required
def commitment_detail(request, pk, action=None):
    access.require_ledger(request.user)
    commitment = selectors.commitment_page(request.user, pk)
    assignment = commitment.reply.assignment
    is_mine = request.user.is_unit_user and request.user.unit_id == assignment.unit_id
    note_form = NoteForm(prefix="note")
    complete_form = CompleteForm(prefix="complete")
    if request.method == "POST":
        access.require_unit_of(request.user, assignment)
        if action == "note":
            note_form = NoteForm(request.POST, prefix="note")
            if note_form.is_valid() and _run(
                note_form,
                services.commitment_note,
                actor=request.user,
                commitment=commitment,
                **note_form.cleaned_data,
            ):
                messages.success(request, "已记录进展情况")
                return redirect("commitments:detail", commitment.pk)
        elif action == "complete":
            complete_form = CompleteForm(request.POST, request.FILES, prefix="complete")
            if complete_form.is_valid() and _run(
                complete_form,
                services.commitment_complete,
                actor=request.user,
                commitment=commitment,
                **complete_form.cleaned_data,
            ):
                if services.all_done(commitment.reply):
                    messages.success(
                        request, "已兑现。该答复的承诺事项已全部兑现,请向代表发送跟踪答复。"
                    )
                else:
                    messages.success(request, "已兑现")
                return redirect("commitments:detail", commitment.pk)
        else:
            raise PermissionDenied("unknown action")
    return render(
        request,
        "commitments/detail.html",
        {
            "c": commitment,
            "status": commitment.status(dates.today()),
            "is_mine": is_mine,
            "note_form": note_form,
            "complete_form": complete_form,
        },
    )


@login_required
def follow_up(request, reply_pk):
    """跟踪答复 of a B-class reply whose commitments are all completed: the clerk drafts the
    follow-up letter here; it is signed off and reviewed on the assignment page like any
    reply (suggestions.signing)."""
    reply = access.reply_for_user(request.user, reply_pk)
    access.require_unit_of(request.user, reply.assignment)
    form = FollowUpForm(request.POST or None, request.FILES or None, initial={"result": "A"})
    if request.method == "POST" and form.is_valid():
        if not services.all_done(reply):
            form.add_error(None, "该答复还有未兑现的承诺事项")
        elif _run(
            form,
            signing.reply_follow_up_draft,
            actor=request.user,
            reply=reply,
            **form.cleaned_data,
        ):
            messages.success(request, "跟踪答复草稿已保存,请由本单位负责人签发")
            return redirect("inbox:assignment", reply.assignment_id)
    return render(request, "commitments/follow_up.html", {"form": form, "reply": reply})


@login_required
def evidence_download(request, pk):
    evidence = access.evidence_for_user(request.user, pk)
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


note = require_POST(commitment_detail)
