"""Supervision pages: the access gateway first, then the form, then one service call.

A refusal to someone who may see the object (`workflow.NotPermitted`) answers 403 with its
Chinese message; an object the user may not see answers 404 (supervision.access)."""

from __future__ import annotations

import logging
from functools import wraps
from io import BytesIO
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from deputies.models import Term
from imports.excel import append_row
from suggestions import access, dates
from suggestions.workflow import NotPermitted, WorkflowError

from . import access as supervision_access
from . import report, selectors, services
from .forms import (
    AcknowledgeForm,
    ActionForm,
    CloseForm,
    MilestoneDoneForm,
    MilestoneForm,
    TopicForm,
)
from .models import ActionKind, KeyTopic, Milestone

logger = logging.getLogger(__name__)


def refusals_are_403(view):
    """NotPermitted → the 403 page with the refusal's own Chinese message."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotPermitted as exc:
            return render(request, "supervision/refused.html", {"message": exc.message}, status=403)

    return wrapped


def _page(view):
    return login_required(refusals_are_403(view))


def _topic_url(topic) -> str:
    return reverse("supervision:topic", args=[topic.pk])


@_page
def topic_list(request):
    user = request.user
    if not (access.can_see_all(user) or user.is_unit_user or user.is_deputy):
        raise NotPermitted("重点督办专题只对工作人员、领导、承办单位和代表开放", "no_role")
    # Units and deputies see the topics holding their suggestions (supervision.access).
    rows = selectors.topic_list(user=user, today=dates.today())
    return render(
        request,
        "supervision/topic_list.html",
        {
            "rows": rows,
            "can_keep": supervision_access.can_keep_topics(request.user),
            "today": dates.today(),
        },
    )


def _topic_form_page(request, *, topic: KeyTopic | None):
    supervision_access.require_topic_staff(request.user)
    if topic is not None and not topic.is_open:
        raise NotPermitted("专题已完成,不能再修改", "topic_closed")
    current = Term.objects.filter(is_current=True).values_list("pk", flat=True).first()
    initial = {"year": dates.today().year, "term": current}
    if topic is not None:
        initial = {
            "year": topic.year,
            "term": topic.term_id,
            "title": topic.title,
            "description": topic.description,
            "committee": topic.committee_id,
            "leaders": [u.pk for u in topic.leaders.all()],
            "numbers": ", ".join(
                str(n) for n in topic.suggestions.values_list("number", flat=True)
            ),
            "lead_unit": topic.lead_unit_id,
            "co_units": [u.pk for u in topic.co_units.all()],
        }
    form = TopicForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if topic is None:
                topic = services.topic_create(actor=request.user, **form.service_fields())
                messages.success(request, f"已创建重点督办专题“{topic.title}”")
            else:
                topic = services.topic_update(
                    actor=request.user, topic=topic, **form.service_fields()
                )
                messages.success(request, "已保存")
        except WorkflowError as exc:
            if isinstance(exc, NotPermitted):
                raise
            form.add_error(None, exc.message)
        else:
            return redirect(_topic_url(topic))
    return render(
        request,
        "supervision/topic_form.html",
        {"form": form, "topic": topic, "title": "修改专题" if topic else "新建重点督办专题"},
    )


@_page
def topic_create(request):
    return _topic_form_page(request, topic=None)


@_page
def topic_edit(request, pk):
    topic = supervision_access.topic_for_user(request.user, pk)
    return _topic_form_page(request, topic=topic)


@_page
def topic_detail(request, pk):
    today = dates.today()
    page = selectors.topic_page(user=request.user, pk=pk, today=today)
    user = request.user
    return render(
        request,
        "supervision/topic_detail.html",
        {
            "page": page,
            "topic": page.topic,
            "leaders": selectors.topic_leaders(page.topic),
            "today": today,
            "can_keep": supervision_access.can_keep_topics(user) and page.topic.is_open,
            "can_supervise": supervision_access.can_supervise(user) and page.topic.is_open,
            "can_report": access.can_see_all(user),
            "milestone_form": MilestoneForm(prefix="m"),
            "done_form": MilestoneDoneForm(prefix="d"),
            "action_kinds": ActionKind.choices,
        },
    )


@_page
@require_POST
def milestone_add(request, pk):
    topic = supervision_access.topic_for_user(request.user, pk)
    supervision_access.require_topic_staff(request.user)
    form = MilestoneForm(request.POST, prefix="m")
    if form.is_valid():
        try:
            services.milestone_add(actor=request.user, topic=topic, **form.cleaned_data)
        except NotPermitted:
            raise
        except WorkflowError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已添加工作环节")
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}:{error}" if label else error)
    return redirect(_topic_url(topic) + "#milestones")


@_page
def milestone_done(request, pk):
    milestone = get_object_or_404(Milestone.objects.select_related("topic"), pk=pk)
    topic = supervision_access.topic_for_user(request.user, milestone.topic_id)
    supervision_access.require_topic_staff(request.user)
    form = MilestoneDoneForm(request.POST or None, request.FILES or None, prefix="d")
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_record_done(
                actor=request.user,
                milestone=milestone,
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
                files=form.cleaned_data["files"],
            )
        except NotPermitted:
            raise
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"“{milestone.get_kind_display()}”已完成")
            return redirect(_topic_url(topic) + "#milestones")
    return render(
        request,
        "supervision/form_page.html",
        {
            "form": form,
            "topic": topic,
            "title": f"记录完成:{milestone.get_kind_display()}(计划 {milestone.planned_on:%Y-%m-%d})",
            "button": "记录完成",
            "multipart": True,
        },
    )


@_page
def topic_close(request, pk):
    topic = supervision_access.topic_for_user(request.user, pk)
    supervision_access.require_topic_staff(request.user)
    form = CloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_close(actor=request.user, topic=topic, **form.cleaned_data)
        except NotPermitted:
            raise
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "专题已完成,可打印或导出办理情况报告")
            return redirect(reverse("supervision:report", args=[topic.pk]))
    return render(
        request,
        "supervision/form_page.html",
        {"form": form, "topic": topic, "title": "完成专题", "button": "完成专题"},
    )


def _action_page(request, *, topic=None, suggestion=None):
    supervision_access.require_supervisor(request.user)
    kind = request.GET.get("kind")
    initial = {"kind": kind if kind in ActionKind.values else ActionKind.INSTRUCTION}
    form = ActionForm(request.POST or None, initial=initial)
    back = _topic_url(topic) if topic else reverse("suggestions:detail", args=[suggestion.pk])
    if request.method == "POST" and form.is_valid():
        try:
            action = services.action_record(
                actor=request.user, topic=topic, suggestion=suggestion, **form.cleaned_data
            )
        except NotPermitted:
            raise
        except WorkflowError as exc:
            form.add_error(None, exc.message)
        else:
            done = {
                ActionKind.INSTRUCTION: "已发出督办意见,承办单位须在交办页面签收",
                ActionKind.URGE: "已催办,已通知承办单位",
                ActionKind.VISIT: "已记录视察座谈",
            }[action.kind]
            messages.success(request, done)
            return redirect(back)
    target = (
        f"专题“{topic.title}”" if topic else f"{suggestion.display_number}《{suggestion.title}》"
    )
    return render(
        request,
        "supervision/form_page.html",
        {"form": form, "title": f"督办:{target}", "button": "提交", "back": back},
    )


@_page
def topic_action(request, pk):
    topic = supervision_access.topic_for_user(request.user, pk)
    return _action_page(request, topic=topic)


@_page
def suggestion_action(request, pk):
    suggestion = access.suggestion_for_user(request.user, pk)
    return _action_page(request, suggestion=suggestion)


@_page
@require_POST
def acknowledge(request, pk):
    ack = supervision_access.acknowledgement_for_user(request.user, pk)
    supervision_access.require_unit_of_acknowledgement(request.user, ack)
    form = AcknowledgeForm(request.POST, prefix=f"ack{ack.pk}")
    back = reverse("inbox:assignment", args=[ack.assignment_id]) + "#supervision"
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    try:
        services.instruction_acknowledge(
            actor=request.user, acknowledgement=ack, **form.cleaned_data
        )
    except NotPermitted:
        raise
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已签收督办意见")
    return redirect(back)


def _report(request, pk):
    page = selectors.topic_page(user=request.user, pk=pk, today=dates.today())
    supervision_access.require_overview(request.user)
    return page, report.topic_report(
        page, leaders=selectors.topic_leaders(page.topic), today=dates.today()
    )


@_page
def topic_report(request, pk):
    page, draft = _report(request, pk)
    return render(request, "supervision/topic_report.html", {"topic": page.topic, "report": draft})


def _download(body: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@_page
def topic_report_docx(request, pk):
    page, draft = _report(request, pk)
    return _download(
        report.topic_report_docx(draft),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"重点督办专题办理情况_{page.topic.pk}.docx",
    )


EXPORT_HEADERS = ["编号", "标题", "领衔代表", "分类", "状态", "主办单位", "协办单位", "答复期限"]


@_page
def topic_export(request, pk):
    """The topic's suggestions in Excel (text through imports.excel; confidential deputies as
    不公开, as every export writes them)."""
    topic = supervision_access.topic_for_user(request.user, pk)
    supervision_access.require_overview(request.user)
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "专题建议"
    append_row(sheet, [f"{topic.year}年重点督办专题:{topic.title}"])
    append_row(sheet, EXPORT_HEADERS)
    for s in selectors.topic_export_rows(topic):
        leads = [a for a in s.current_assignments if a.role != "co"]
        cos = [a for a in s.current_assignments if a.role == "co"]
        deadline = min((a.deadline for a in leads), default=None)
        append_row(
            sheet,
            [
                s.display_number,
                s.title,
                access.CONFIDENTIAL_NAME
                if access.deputy_hidden_in_export(s.lead_deputy, reveal=False)
                else s.lead_name,
                s.category.name if s.category else "",
                s.get_status_display(),
                "、".join(a.unit.name for a in leads),
                "、".join(a.unit.name for a in cos),
                deadline,
            ],
        )
    sheet.column_dimensions["B"].width = 50
    out = BytesIO()
    book.save(out)
    return _download(
        out.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"重点督办专题建议_{topic.pk}.xlsx",
    )


@_page
def milestone_file(request, pk):
    attachment = supervision_access.milestone_file_for_user(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
