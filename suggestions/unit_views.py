"""Handling-unit pages: the inbox and the assignment page with every unit action."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from commitments import selectors as commitment_selectors
from imports.excel import XLSX_CONTENT_TYPE
from imports.exports import export_unit_assignments
from planning import selectors as plan_selectors

from . import access, dates, selectors, signing, workflow
from .forms import (
    LETTER_ADDS,
    AcceptForm,
    ContactForm,
    ExtensionRequestForm,
    OpinionForm,
    ReassignmentRequestForm,
    ReleaseForm,
    ReplyForm,
    ReturnForm,
    SignForm,
)
from .models import Reply, ReplyDraft

logger = logging.getLogger(__name__)


def _require_unit_user(user) -> None:
    if not (user.is_unit_user and user.unit_id):
        raise PermissionDenied("unit users only")


@login_required
def inbox(request):
    _require_unit_user(request.user)
    today = timezone.localdate()
    tab = request.GET.get("tab") or "pending"
    if tab not in selectors.INBOX_TABS:
        tab = "pending"
    unit_id = request.user.unit_id
    page = Paginator(selectors.unit_inbox(unit_id=unit_id, tab=tab, today=today), 50).get_page(
        request.GET.get("page")
    )
    counts = selectors.unit_inbox_counts(unit_id=unit_id, today=today)
    return render(
        request,
        "inbox/inbox.html",
        {
            "tab": tab,
            "tabs": [
                (key, label, counts[key], counts[key] > 0 and key in selectors.INBOX_ALARM_TABS)
                for key, label in selectors.INBOX_TABS.items()
            ],
            "page": page,
            "rehandling": selectors.unit_rehandling(unit_id=unit_id),
            "plans_open": plan_selectors.unit_unanswered_count(
                unit_id=unit_id, today=dates.today()
            ),
            "today": today,
        },
    )


@login_required
def inbox_export(request):
    """The unit's own assignments (every state) with their 五定, as .xlsx."""
    _require_unit_user(request.user)
    queryset = access.assignments_visible_to(request.user).filter(unit_id=request.user.unit_id)
    response = HttpResponse(export_unit_assignments(queryset), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"本单位承办建议-{timezone.localdate():%Y%m%d}.xlsx"
    )
    return response


# Which form each action posts, and which workflow call it makes.
ACTIONS = {
    "contact": (ContactForm, workflow.assignment_record_contact, "已记录沟通情况"),
    "reassignment": (
        ReassignmentRequestForm,
        workflow.assignment_request_reassignment,
        "已提交调整申请,等待工作人员审核",
    ),
    "extension": (
        ExtensionRequestForm,
        workflow.assignment_request_extension,
        "已提交延期申请,等待工作人员审核",
    ),
    "opinion": (OpinionForm, workflow.assignment_send_opinion, "已向主办单位提交协办意见"),
    "reply": (ReplyForm, signing.reply_draft_save, "答复草稿已保存,请由本单位负责人签发"),
}


def _open_draft(assignment):
    draft = (
        ReplyDraft.objects.filter(assignment=assignment)
        .exclude(stage=ReplyDraft.Stage.RELEASED)
        .first()
    )
    if draft is None:
        raise workflow.InvalidTransition("没有待签发或待审核的答复", "no_draft")
    return draft


# The right is checked before the draft is looked up: whether a draft exists is not told to
# someone who may not act on it.
def _sign(*, actor, assignment, signed_on=None):
    signing.require_signer(actor, assignment)
    return signing.reply_sign(actor=actor, draft=_open_draft(assignment), signed_on=signed_on)


def _release(*, actor, assignment, **data):
    signing.require_reviewer(actor, assignment)
    return signing.reply_release(actor=actor, draft=_open_draft(assignment), **data)


def _return(*, actor, assignment, reason):
    signing.require_reviewer(actor, assignment)
    return signing.reply_return(actor=actor, draft=_open_draft(assignment), reason=reason)


# Steps on the letter after it is drafted: signing (the unit's head) and review (staff or
# 督查室). Each checks its own right in the workflow; a refusal is shown on the page.
LETTER_ACTIONS = {
    "sign": (SignForm, _sign, "已签发"),
    "release": (ReleaseForm, _release, "已审核发布,答复已送达代表"),
    "return": (ReturnForm, _return, "已退回重办"),
}


@login_required
def assignment_detail(request, pk, action=None):
    """GET shows the assignment; POST to /<action>/ runs one unit action."""
    data = selectors.assignment_page(user=request.user, pk=pk)
    assignment = data.assignment
    forms = {
        name: form_class(prefix=name, initial=_initial(name, request.user, data.draft))
        for name, (form_class, _, _) in (ACTIONS | LETTER_ACTIONS).items()
    }
    status = 200
    if request.method == "POST":
        if action not in ACTIONS and action not in LETTER_ACTIONS:
            raise Http404("unknown action")
        if action in ACTIONS:
            access.require_unit_of(request.user, assignment)
        form_class, call, done = (ACTIONS | LETTER_ACTIONS)[action]
        form = form_class(request.POST, request.FILES, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                call(actor=request.user, assignment=assignment, **form.cleaned_data)
            except workflow.WorkflowError as exc:
                # Shown on the page, in Chinese; a refused right is also a 403.
                logger.info("refused %s: %s", action, exc.code)
                form.add_error(None, exc.message)
                status = 403 if isinstance(exc, workflow.NotPermitted) else 409
            else:
                messages.success(request, done)
                return redirect(reverse("inbox:assignment", args=[assignment.pk]))
    draft = data.draft
    return render(
        request,
        "inbox/assignment.html",
        {
            "draft": draft,
            "history": data.signing_history,
            "can_sign": signing.can_sign(request.user, assignment),
            "can_review": signing.can_review(request.user, assignment),
            "letter_adds": LETTER_ADDS,
            "page": data,
            "a": assignment,
            "s": data.suggestion,
            "forms": forms,
            "is_mine": request.user.is_unit_user and request.user.unit_id == assignment.unit_id,
            "is_staff": request.user.is_committee_staff,
            "unit_actions": workflow.unit_actions(assignment),
            "failed": action if request.method == "POST" else None,
            "failed_form": forms.get(action) if request.method == "POST" else None,
            "accept_form": AcceptForm(),
            "today": timezone.localdate(),
            # The 台账 block: commitments of this assignment's B/C replies (commitments app).
            "commitment_blocks": commitment_selectors.for_assignment(
                assignment, today=dates.today()
            ),
        },
        status=status,
    )


def _initial(action: str, user, draft) -> dict:
    today = timezone.localdate()
    if action == "contact":
        return {"contacted_on": today, "kind": "face"}
    if action == "reply" and draft is not None:
        # Editing the letter in preparation starts from its current version.
        return {
            name: getattr(draft, name)
            for name in (
                "text",
                "result",
                "contact_person",
                "contact_phone",
                "publication",
                "summary",
                "not_public_reason",
                "publish_later",
            )
        }
    if action == "reply":
        return {"publication": "public"}
    return {}


@login_required
@require_POST
def assignment_accept(request, pk):
    assignment = access.assignment_for_user(request.user, pk)
    access.require_unit_of(request.user, assignment)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[name].label}:{error}")
        return redirect(reverse("inbox:assignment", args=[assignment.pk]))
    try:
        workflow.assignment_accept(actor=request.user, assignment=assignment, **form.cleaned_data)
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已签收")
    return redirect(reverse("inbox:assignment", args=[assignment.pk]))


@login_required
def attachment_download(request, pk):
    """Only people who may see the suggestion get the file, always as a download."""
    attachment = access.attachment_for_user(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def reply_letter(request, pk):
    """答复函, ready to print."""
    reply = _reply_for(request.user, pk)
    # The letter quotes each co-handler's opinion (DESIGN.md §8).
    co_opinions = [
        c for c in selectors.co_handlers(assignment=reply.assignment) if c.opinion is not None
    ]
    return render(
        request,
        "print/reply_letter.html",
        {"r": reply, "s": reply.assignment.suggestion, "co_opinions": co_opinions},
    )


@login_required
def feedback_sheet(request, pk):
    """代表意见反馈表, ready to print (filled in if the deputy has answered)."""
    reply = _reply_for(request.user, pk)
    return render(
        request, "print/feedback_sheet.html", {"r": reply, "s": reply.assignment.suggestion}
    )


def _reply_for(user, pk) -> Reply:
    return access.reply_for_user(
        user,
        pk,
        Reply.objects.select_related(
            "signed_by",
            "assignment__unit",
            "assignment__suggestion__term",
            "assignment__suggestion__lead_deputy__delegation",
            "assignment__suggestion__category",
            "feedback",
        ),
    )
