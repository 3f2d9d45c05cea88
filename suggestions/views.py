"""Staff pages. Each view: access check, form, one workflow or selector call, render."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import DateField
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from congress.redirects import safe_next
from deputies.models import Deputy, Term
from imports.exports import ExportTooLarge, export_suggestions

from . import access, paging, selectors, workbench, workflow
from .forms import (
    AssignForm,
    BulkForm,
    CloseForm,
    DecideForm,
    EditMeta,
    FeedbackForm,
    ForwardForm,
    KeyForm,
    MergeForm,
    OpinionWaiverForm,
    RegisterForm,
    RejectForm,
    SuggestionFilterForm,
    SuggestionForm,
    read_base,
    sign_base,
)
from .models import (
    Assignment,
    Channel,
    CoSignature,
    ExtensionRequest,
    ReassignmentRequest,
    Reply,
    ReplyDelivery,
    Suggestion,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


@login_required
def home(request):
    return render(request, "portal/home.html", {"sections": workbench.workbench(request.user)})


# --- helpers --------------------------------------------------------------------------------


def _staff_suggestion(request, pk) -> Suggestion:
    """404 if the user may not see it, then 403 unless they are committee staff."""
    suggestion = access.suggestion_for_user(request.user, pk)
    access.require_staff(request.user)
    return suggestion


def _run(form, action, **kwargs):
    """Call a workflow action; a refusal becomes a Chinese form error (English in the log)."""
    try:
        return action(**kwargs)
    except workflow.NotPermitted as exc:
        logger.info("refused %s: %s", action.__name__, exc.code)
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        logger.info("refused %s: %s", action.__name__, exc.code)
        form.add_error(None, exc.message)
        return None


def _all_errors(form) -> list[str]:
    """Every message of a form posted from an inline form, to show as flash messages."""
    return list(dict.fromkeys(e for errors in form.errors.values() for e in errors))


def _posted(request):
    """Bind a form on POST even when nothing was filled in (an empty POST is still a submit)."""
    return request.POST if request.method == "POST" else None


def _back_to(suggestion) -> str:
    return reverse("suggestions:detail", args=[suggestion.pk])


def _list_filters(request) -> tuple[SuggestionFilterForm, dict]:
    form = SuggestionFilterForm(request.GET or None, auto_id="f_%s")
    return form, form.filters() if request.GET else {}


# --- list and page --------------------------------------------------------------------------


@login_required
def suggestion_list(request):
    access.require_overview(request.user)
    form, filters = _list_filters(request)
    queryset = selectors.suggestion_list(user=request.user, filters=filters, rows_only=True)
    # Counted exactly when asked, and for a figure's drill-down (it must match the figure).
    exact = request.GET.get("count") == "exact" or bool(filters.get("figure"))
    page = paging.list_page(
        queryset,
        number=request.GET.get("page"),
        per_page=PAGE_SIZE,
        exact=exact,
        narrow=bool(filters.get("q", "").strip()),
    )
    query = request.GET.copy()
    query.pop("page", None)
    bulk_form = BulkForm() if request.user.is_committee_staff else None
    if bulk_form:
        form.share_choices(bulk_form)
    return render(
        request,
        "suggestions/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "bulk_form": bulk_form,
            "can_export_confidential": access.can_export_confidential_names(request.user),
        },
    )


@login_required
def suggestion_detail(request, pk):
    data = selectors.suggestion_page(user=request.user, pk=pk)
    is_staff = request.user.is_committee_staff
    actions = workflow.staff_actions(data.suggestion) if is_staff else set()
    forward_form = None
    if "forward" in actions:
        forward_form = ForwardForm(congress_id=data.suggestion.congress_id)
        # No lower congress on the platform: nothing to offer.
        if not forward_form.fields["to_congress"].queryset.exists():
            forward_form = None
    return render(
        request,
        "suggestions/detail.html",
        {
            "page": data,
            "s": data.suggestion,
            "today": timezone.localdate(),
            "is_staff": is_staff,
            "actions": actions,
            "is_lead_deputy": request.user.is_deputy
            and data.suggestion.lead_deputy is not None
            and data.suggestion.lead_deputy.user_id == request.user.pk,
            "register_form": RegisterForm(initial={"category": data.suggestion.category_id})
            if is_staff
            else None,
            "decide_form": DecideForm() if is_staff else None,
            "waiver_form": OpinionWaiverForm() if is_staff else None,
            "forward_form": forward_form,
            # 分级处理: the copy shows where it came from, never the original itself.
            "forwarded_from": getattr(data.suggestion, "forwarded_from", None),
        },
    )


# --- create and edit ------------------------------------------------------------------------


def _form_term(request) -> Term:
    term_id = request.POST.get("term") or request.GET.get("term")
    terms = Term.objects.all()
    term = (
        terms.filter(pk=term_id).first()
        if term_id and str(term_id).isdigit()
        else terms.filter(is_current=True).first() or terms.order_by("-number").first()
    )
    if term is None:
        raise Http404("no term")
    return term


@login_required
def suggestion_create(request):
    access.require_staff(request.user)
    term = _form_term(request)
    form = SuggestionForm(
        _posted(request),
        term=term,
        initial={
            "number": selectors.next_number(term),
            "submitted_on": timezone.localdate(),
            "channel": Channel.SESSION,
        },
    )
    if request.method == "POST" and form.is_valid():
        suggestion = _run(
            form, workflow.suggestion_create, actor=request.user, term=term, **form.cleaned_data
        )
        if suggestion:
            messages.success(request, f"已录入{suggestion.display_number}:{suggestion.title}")
            return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/form.html",
        {"form": form, "term": term, "terms": Term.objects.all(), "creating": True},
    )


def _edit_values(suggestion: Suggestion) -> dict:
    """The editable fields as readable text: the base of an edit and the current state."""
    return {
        "kind": suggestion.get_kind_display(),
        "channel": suggestion.get_channel_display(),
        "meeting": str(suggestion.meeting or ""),
        "category": str(suggestion.category or ""),
        "title": suggestion.title,
        "content": suggestion.content,
        "lead_deputy": suggestion.lead_name,
        "submitted_on": suggestion.submitted_on.isoformat() if suggestion.submitted_on else "",
        "co_signers": "、".join(
            sorted(
                c.deputy.name
                for c in suggestion.co_signatures.filter(
                    state__in=CoSignature.NAMED
                ).select_related("deputy")
            )
        ),
    }


@login_required
def suggestion_edit(request, pk):
    suggestion = _staff_suggestion(request, pk)
    suggestion = Suggestion.objects.select_related("meeting__term", "category", "lead_deputy").get(
        pk=suggestion.pk
    )
    initial = {
        name: getattr(suggestion, name)
        for name in ("meeting", "kind", "channel", "category", "title", "content", "lead_deputy")
    }
    initial |= {
        "submitted_on": suggestion.submitted_on,
        "co_signers": Deputy.objects.filter(
            co_signatures__suggestion=suggestion, co_signatures__state__in=CoSignature.NAMED
        ),
    }
    form = SuggestionForm(
        _posted(request),
        term=suggestion.term,
        editing=True,
        forwarded_copy=suggestion.lead_deputy_id is None,
        initial=initial,
    )
    meta = EditMeta(
        _posted(request),
        initial={"version": suggestion.version, "base": sign_base(_edit_values(suggestion))},
    )
    conflict = None
    if request.method == "POST" and form.is_valid() and meta.is_valid():
        version = meta.cleaned_data["version"]
        if version != suggestion.version:
            conflict = _conflict(suggestion, read_base(meta.cleaned_data["base"]))
            # Keep what the user typed; the next save is based on what they have now seen.
            meta = EditMeta(
                initial={"version": suggestion.version, "base": sign_base(_edit_values(suggestion))}
            )
            form.add_error(
                None,
                f"保存被拒绝:该建议在您打开后已被{conflict['by']}修改(第{version}版 → "
                f"第{suggestion.version}版)。您的修改尚未保存,请核对下方的变化后再次提交。",
            )
        else:
            updated = _run(
                form,
                workflow.suggestion_update,
                actor=request.user,
                suggestion=suggestion,
                expected_version=version,
                changes=form.cleaned_data,
            )
            if updated:
                messages.success(request, "已保存修改")
                return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/form.html",
        {
            "form": form,
            "meta": meta,
            "s": suggestion,
            "term": suggestion.term,
            "conflict": conflict,
        },
    )


def _conflict(suggestion: Suggestion, base: dict) -> dict:
    """What changed between the version the user opened and the current one, and by whom."""
    now = _edit_values(suggestion)
    changes = [
        {
            "field": Suggestion._meta.get_field(name).verbose_name,
            "was": base.get(name, ""),
            "now": value,
        }
        for name, value in now.items()
        if base.get(name) != value
    ]
    last = suggestion.events.select_related("actor").order_by("-at", "-id").first()
    by = last.actor.display_name if last and last.actor else "他人"
    return {"changes": changes, "by": by, "at": last.at if last else None}


# --- state changes --------------------------------------------------------------------------


@login_required
@require_POST
def suggestion_register(request, pk):
    suggestion = _staff_suggestion(request, pk)
    form = RegisterForm(request.POST)
    if form.is_valid() and _run(
        form,
        workflow.suggestion_register,
        actor=request.user,
        suggestion=suggestion,
        category=form.cleaned_data["category"],
        registered_on=form.cleaned_data["registered_on"],
    ):
        messages.success(request, f"{suggestion.display_number}已立案")
    else:
        messages.error(request, "立案失败:" + ";".join(_all_errors(form)))
    return redirect(_back_to(suggestion))


def _action_page(request, suggestion, form_class, action, template, done, **extra):
    """GET shows the form; POST calls the workflow and returns to the suggestion page."""
    form = form_class(_posted(request), **extra.pop("form_kwargs", {}))
    if request.method == "POST" and form.is_valid():
        kwargs = extra.pop("to_kwargs", lambda data: data)(form.cleaned_data)
        if kwargs is not None and _run(
            form, action, actor=request.user, suggestion=suggestion, **kwargs
        ):
            messages.success(request, done.format(s=suggestion))
            return redirect(_back_to(suggestion))
    context = {"form": form, "s": suggestion, **extra}
    return render(request, template, context)


@login_required
def suggestion_reject(request, pk):
    return _action_page(
        request,
        _staff_suggestion(request, pk),
        RejectForm,
        workflow.suggestion_reject,
        "suggestions/action.html",
        "{s.display_number}已不予立案",
        title="不予立案",
        button="确认不予立案",
    )


@login_required
def suggestion_merge(request, pk):
    suggestion = _staff_suggestion(request, pk)
    form = MergeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        into = Suggestion.objects.filter(
            term=suggestion.term, number=form.cleaned_data["into_number"]
        ).first()
        if into is None:
            form.add_error("into_number", "本届没有这个编号的建议")
        elif _run(
            form,
            workflow.suggestion_merge,
            actor=request.user,
            suggestion=suggestion,
            into=into,
            note=form.cleaned_data["note"],
        ):
            messages.success(request, f"{suggestion.display_number}已并入{into.display_number}")
            return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/action.html",
        {"form": form, "s": suggestion, "title": "并案", "button": "确认并案"},
    )


@login_required
def suggestion_assign(request, pk):
    suggestion = _staff_suggestion(request, pk)
    assigned_on = timezone.localdate()
    if "preview" in request.POST:
        # Recompute the deadlines for the date typed, without saving or flagging errors.
        try:
            assigned_on = DateField().clean(request.POST.get("assigned_on")) or assigned_on
        except ValidationError:
            pass
        form = AssignForm(
            initial={
                "lead": request.POST.get("lead"),
                "split": request.POST.getlist("split"),
                "co": request.POST.getlist("co"),
                "assigned_on": assigned_on,
            }
        )
    else:
        form = AssignForm(_posted(request))
    if form.is_bound and form.is_valid():
        assigned_on = form.cleaned_data["assigned_on"]
        created = _run(
            form,
            workflow.suggestion_assign,
            actor=request.user,
            suggestion=suggestion,
            units=form.cleaned_data["units"],
            assigned_on=assigned_on,
        )
        if created:
            names = "、".join(f"{a.unit.name}({a.get_role_display()})" for a in created)
            deadline = ([a for a in created if a.answers_deputy] or created)[0].deadline
            messages.success(
                request, f"{suggestion.display_number}已交办:{names},答复期限 {deadline}"
            )
            return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/assign.html",
        {
            "form": form,
            "s": suggestion,
            "assigned_on": assigned_on,
            "preview": selectors.deadline_preview(suggestion=suggestion, assigned_on=assigned_on),
            "current": suggestion.assignments.exclude(state="ended").select_related("unit"),
        },
    )


@login_required
def suggestion_key(request, pk):
    suggestion = _staff_suggestion(request, pk)
    return _action_page(
        request,
        suggestion,
        KeyForm,
        workflow.suggestion_mark_key,
        "suggestions/action.html",
        "已更新{s.display_number}的重点建议设置",
        form_kwargs={"initial": {"is_key": True, "supervisor": suggestion.supervisor_id}},
        title="重点建议督办",
        button="保存",
    )


@login_required
def suggestion_close(request, pk):
    return _action_page(
        request,
        _staff_suggestion(request, pk),
        CloseForm,
        workflow.suggestion_close,
        "suggestions/action.html",
        "{s.display_number}已办结",
        title="办结",
        button="确认办结",
    )


@login_required
def suggestion_forward(request, pk):
    """转交下级人大 (分级处理): the form on the suggestion page posts here; errors show here."""
    suggestion = _staff_suggestion(request, pk)
    return _action_page(
        request,
        suggestion,
        ForwardForm,
        workflow.suggestion_forward_down,
        "suggestions/action.html",
        "{s.display_number}已转交下级人大办理",
        form_kwargs={"congress_id": suggestion.congress_id},
        title="转交下级人大",
        button="确认转交",
    )


@login_required
def feedback_entry(request, pk, reply_pk):
    """Staff copy a deputy's paper 代表意见反馈表 into the portal, recorded as on their behalf."""
    suggestion = _staff_suggestion(request, pk)
    reply = get_object_or_404(
        Reply.objects.select_related("assignment__unit"),
        pk=reply_pk,
        assignment__suggestion=suggestion,
    )
    form = FeedbackForm(_posted(request), initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        feedback = _run(
            form, workflow.feedback_record, actor=request.user, reply=reply, **form.cleaned_data
        )
        if feedback:
            messages.success(request, f"已代{suggestion.lead_name}代表录入反馈")
            return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/action.html",
        {
            "form": form,
            "s": suggestion,
            "reply": reply,
            "title": f"代录代表反馈 — {reply.assignment.unit.name}的答复",
            "button": "保存反馈",
        },
    )


@login_required
@require_POST
def co_opinion_waive(request, pk, assignment_pk):
    """Staff let the lead reply without a co-handler's opinion, with a reason; back to the
    page the form was on (the suggestion page, or the lead's assignment page)."""
    suggestion = _staff_suggestion(request, pk)
    assignment = get_object_or_404(
        Assignment.objects.select_related("unit"), pk=assignment_pk, suggestion=suggestion
    )
    back = safe_next(request, _back_to(suggestion))
    form = OpinionWaiverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "豁免失败:" + ";".join(_all_errors(form)))
        return redirect(back)
    try:
        workflow.co_opinion_waive(
            actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"]
        )
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        logger.info("refused co_opinion_waive: %s", exc.code)
        messages.error(request, "豁免失败:" + exc.message)
    else:
        messages.success(request, f"已豁免{assignment.unit.name}的协办意见,主办单位可以答复")
    return redirect(back)


@login_required
def delivery_feedback_entry(request, pk, delivery_pk):
    """Staff copy a merged suggestion's deputy's paper 反馈表 (shown beside the lead's)."""
    suggestion = _staff_suggestion(request, pk)
    delivery = get_object_or_404(
        ReplyDelivery.objects.select_related("deputy", "via", "reply__assignment__unit"),
        pk=delivery_pk,
        reply__assignment__suggestion=suggestion,
    )
    form = FeedbackForm(_posted(request), initial={"given_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        done = _run(
            form,
            workflow.delivery_feedback_record,
            actor=request.user,
            delivery=delivery,
            **form.cleaned_data,
        )
        if done:
            messages.success(request, f"已代{delivery.deputy.name}代表录入反馈")
            return redirect(_back_to(suggestion))
    return render(
        request,
        "suggestions/action.html",
        {
            "form": form,
            "s": suggestion,
            "reply": delivery.reply,
            "title": f"代录并案代表{delivery.deputy.name}({delivery.via.display_number})的反馈",
            "button": "保存反馈",
        },
    )


@login_required
@require_POST
def co_signer_confirm(request, pk, co_signature_pk):
    """Staff confirm a co-signer on their behalf from the signed paper form (附议确认)."""
    suggestion = _staff_suggestion(request, pk)
    co_signature = get_object_or_404(
        CoSignature.objects.select_related("deputy"), pk=co_signature_pk, suggestion=suggestion
    )
    try:
        workflow.co_signature_confirm(actor=request.user, co_signature=co_signature)
    except workflow.NotPermitted as exc:
        raise PermissionDenied(exc.code) from None
    except workflow.WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已代{co_signature.deputy.name}代表确认附议")
    return redirect(_back_to(suggestion))


# --- unit requests --------------------------------------------------------------------------


@login_required
def request_list(request):
    access.require_staff(request.user)
    reassignments, extensions = selectors.pending_requests()
    return render(
        request,
        "suggestions/requests.html",
        {"reassignments": reassignments, "extensions": extensions, "form": DecideForm()},
    )


@login_required
@require_POST
def request_decide(request, kind, pk):
    access.require_staff(request.user)
    model = {"reassignment": ReassignmentRequest, "extension": ExtensionRequest}.get(kind)
    if model is None:
        raise Http404("unknown request kind")
    unit_request = get_object_or_404(model.objects.select_related("assignment__suggestion"), pk=pk)
    suggestion = unit_request.assignment.suggestion
    form = DecideForm(request.POST)
    if form.is_valid():
        kwargs = {
            "approve": form.cleaned_data["approve"],
            "note": form.cleaned_data["note"],
            "decided_on": form.cleaned_data["decided_on"],
        }
        if kind == "reassignment":
            kwargs["new_unit"] = form.cleaned_data["new_unit"]
            action = workflow.reassignment_decide
        else:
            action = workflow.extension_decide
        try:
            action(actor=request.user, request=unit_request, **kwargs)
        except workflow.WorkflowError as exc:
            logger.info("refused %s: %s", action.__name__, exc.code)
            messages.error(request, exc.message)
        else:
            messages.success(request, "已审核" + ("(同意)" if kwargs["approve"] else "(不同意)"))
    elif "approve" in form.errors:
        messages.error(request, "请选择同意或不同意")
    else:
        for error in _all_errors(form):
            messages.error(request, error)
    return redirect(safe_next(request, _back_to(suggestion)))


# --- bulk actions and export ----------------------------------------------------------------


@login_required
@require_POST
def bulk(request):
    """One action on many suggestions: all of it happens, or none of it, with every refusal
    listed."""
    access.require_staff(request.user)
    form = BulkForm(request.POST)
    list_url = reverse("suggestions:list") + "?" + request.POST.get("query", "")
    if not form.is_valid():
        for error in form.non_field_errors() + [e for f in form.errors.values() for e in f]:
            messages.error(request, error)
        return redirect(list_url)
    data = form.cleaned_data
    queryset = _bulk_targets(request, data)
    if data["action"] == "export":
        requested = request.POST.get("confidential") == "1"
        reveal = access.export_reveals_confidential(request.user, requested=requested)
        return _xlsx_response(request, queryset, reveal=reveal, back=list_url)
    if data["action"] == "assign":

        def step(suggestion):
            workflow.suggestion_assign(
                actor=request.user,
                suggestion=suggestion,
                units=[(data["unit"], data["role"] or "lead")],
            )
    else:

        def step(suggestion):
            workflow.suggestion_mark_key(
                actor=request.user,
                suggestion=suggestion,
                is_key=True,
                supervisor=data["supervisor"],
            )

    try:
        count = workflow.suggestions_apply(
            suggestions=queryset.order_by("term__number", "number"), step=step
        )
    except workflow.BulkRefused as refused:
        messages.error(request, refused.message + ":")
        for failure in refused.failures[:50]:
            messages.error(request, failure)
    except workflow.WorkflowError as exc:  # too many suggestions at once
        messages.error(request, exc.message)
    else:
        label = dict(BulkForm.ACTIONS)[data["action"]]
        messages.success(request, f"已对{count}件建议{label}")
    return redirect(list_url)


def _bulk_targets(request, data):
    if data["all_matching"]:
        form = SuggestionFilterForm(QueryDict(request.POST.get("query", "")))
        return selectors.suggestion_list(user=request.user, filters=form.filters())
    return access.suggestions_visible_to(request.user).filter(pk__in=data["ids"])


@login_required
def export(request):
    """The filtered list as an Excel file, with the columns staff see."""
    access.require_overview(request.user)
    requested = request.GET.get("confidential") == "1"
    reveal = access.export_reveals_confidential(request.user, requested=requested)
    _form, filters = _list_filters(request)
    queryset = selectors.suggestion_list(user=request.user, filters=filters)
    back = reverse("suggestions:list") + "?" + request.GET.urlencode()
    return _xlsx_response(request, queryset, reveal=reveal, back=back)


def _xlsx_response(request, queryset, *, reveal: bool, back: str) -> HttpResponse:
    try:
        content = export_suggestions(queryset, reveal_confidential=reveal)
    except ExportTooLarge as exc:
        messages.error(request, str(exc))
        return redirect(back)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localdate().isoformat() + ("-confidential" if reveal else "")
    response["Content-Disposition"] = f"attachment; filename=suggestions-{stamp}.xlsx"
    return response
