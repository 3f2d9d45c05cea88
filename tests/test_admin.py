"""The Django admin: every page answers, history is read-only, state changes go through the
workflow, and a calendar change moves open deadlines."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginFailure
from suggestions import workflow
from suggestions.deadlines import WorkCalendar, add_months
from suggestions.models import (
    Assignment,
    Attachment,
    AuditEvent,
    CalendarDay,
    CalendarYear,
    ChannelRule,
    Contact,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Opinion,
    ReassignmentRequest,
    Reply,
    Suggestion,
)
from supervision import services as supervision_services

from .factories import (
    FIVE_FIXED,
    PASSWORD,
    DelegationFactory,
    MeetingFactory,
    TermFactory,
    UserFactory,
    key_topic,
    pdf_upload,
)

HISTORY_MODELS = [
    Suggestion,
    Assignment,
    DeadlineChange,
    Contact,
    Opinion,
    Reply,
    Attachment,
    Feedback,
    ReassignmentRequest,
    ExtensionRequest,
    AuditEvent,
]


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_browser(client, people):
    user = UserFactory(username="admin1", is_staff=True, is_superuser=True, is_committee_staff=True)
    assert client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


def handle_suggestions(people, journey, count: int) -> None:
    """`count` rounds of three suggestions that leave a row in every history table."""
    for _ in range(count):
        suggestion, reply = journey.replied(attachments=[pdf_upload()])
        workflow.assignment_record_contact(
            actor=people.unit_user,
            assignment=reply.assignment,
            kind="face",
            contacted_on=timezone.localdate(),
            participants="张伟、王局长",
            summary="当面沟通了办理意见。",
        )
        workflow.feedback_record(
            actor=people.staff, reply=reply, result_verdict="satisfied", work_verdict="satisfied"
        )

        _, assignment = journey.accepted()
        workflow.assignment_request_reassignment(
            actor=people.unit_user,
            assignment=assignment,
            reason="不属于本单位职责",
            suggested_unit=people.other_unit,
        )
        workflow.assignment_request_extension(
            actor=people.unit_user,
            assignment=assignment,
            requested_deadline=assignment.deadline + timedelta(days=30),
            reason="需要多部门协调",
            deputy_informed=True,
        )

        suggestion, _ = journey.assigned(roles=(("unit", "lead"), ("other_unit", "co")))
        co = suggestion.assignments.get(role="co")
        workflow.assignment_accept(actor=people.other_unit_user, assignment=co, **FIVE_FIXED)
        workflow.assignment_send_opinion(actor=people.other_unit_user, assignment=co, text="同意。")


@pytest.fixture
def everything(people, journey):
    handle_suggestions(people, journey, 1)
    MeetingFactory(term=people.term)
    DelegationFactory(term=people.term)
    Group.objects.create(name="工作人员组")
    LoginFailure.objects.create(username="staff1", ip="10.0.0.1")
    # Supervision: a committee, a key topic and an instruction with its acknowledgement.
    suggestion, _ = journey.accepted()
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion])
    supervision_services.action_record(
        actor=people.leader, kind="instruction", topic=topic, content="请加快办理"
    )

    # An evaluation round and a commitment of a B-class reply (evaluation, commitments).
    from commitments import services as commitment_services
    from evaluation import services as evaluation_services

    evaluation_services.round_create(
        actor=people.staff, year=2026, title="测评", method="vote", units=[people.unit]
    )
    _, reply = journey.replied(result="B")
    commitment_services.commitment_add(
        actor=people.unit_user,
        reply=reply,
        what="年内完成",
        due_on=timezone.localdate(),
        responsible="建设科",
    )


# --- every page answers ---------------------------------------------------------------------

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def test_every_model_of_the_portal_is_in_the_admin():
    labels = {model._meta.label for model in REGISTERED}
    assert {
        "accounts.User",
        "units.Unit",
        "deputies.Term",
        "deputies.Meeting",
        "deputies.Delegation",
        "deputies.Deputy",
        "suggestions.Category",
        "suggestions.ChannelRule",
        "suggestions.CalendarDay",
        "suggestions.CalendarYear",
    } | {model._meta.label for model in HISTORY_MODELS} <= labels


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_the_changelist_and_change_page_show_the_data(admin_browser, everything, model):
    response = admin_browser.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1

    obj = model._default_manager.order_by("pk").first()
    response = admin_browser.get(url(model, "change", obj.pk))
    assert response.status_code == 200
    assert str(obj) in response.content.decode()


def test_the_suggestion_changelist_offers_the_workflow_actions_in_chinese(
    admin_browser, everything
):
    response = admin_browser.get(url(Suggestion, "changelist"))
    assert "代表建议办理平台 管理后台" in response.content.decode()
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert (actions["register"], actions["close"]) == ("立案", "办结")


def _changelist_queries(client, model) -> int:
    client.get(url(model, "changelist"))  # warm the caches a first request fills
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(model, "changelist")).status_code == 200
    return len(queries)


def test_changelists_answer_in_the_same_number_of_queries_at_3_and_30_suggestions(
    admin_browser, people, journey
):
    handle_suggestions(people, journey, 1)
    assert Suggestion.objects.count() == 3
    few = {model: _changelist_queries(admin_browser, model) for model in HISTORY_MODELS}

    handle_suggestions(people, journey, 9)
    assert Suggestion.objects.count() == 30
    many = {model: _changelist_queries(admin_browser, model) for model in HISTORY_MODELS}

    assert many == few


# --- state changes go through the workflow ----------------------------------------------------


def form_data(response) -> dict:
    """The POST a browser would send back for the change form in `response`."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return _as_post(forms)


def form_data_of_changelist(response) -> dict:
    formset = response.context["cl"].formset
    return _as_post([formset.management_form, *formset.forms])


def _as_post(forms) -> dict:
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            if value is True:
                value = "on"
            elif isinstance(value, list | tuple):
                value = [str(v) for v in value]
            data[form.add_prefix(name)] = value
    return data


def test_the_suggestion_form_does_not_change_the_status(admin_browser, journey):
    suggestion = journey.submitted()
    change_url = url(Suggestion, "change", suggestion.pk)
    data = form_data(admin_browser.get(change_url))
    assert "status" not in data
    data.update(status=Suggestion.Status.CLOSED, number="999", title="关于增设公交线路的建议")

    response = admin_browser.post(change_url, data)

    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.title == "关于增设公交线路的建议"
    assert suggestion.status == Suggestion.Status.SUBMITTED
    assert suggestion.number != 999
    assert suggestion.version == 2


def test_an_edit_based_on_an_old_version_is_refused(admin_browser, people, journey):
    suggestion = journey.submitted()
    change_url = url(Suggestion, "change", suggestion.pk)
    data = form_data(admin_browser.get(change_url))
    workflow.suggestion_register(actor=people.staff, suggestion=suggestion)
    data["title"] = "改过的标题"

    response = admin_browser.post(change_url, data)

    assert response.status_code == 200
    assert "该建议在您打开后已被修改(第1版 → 第2版)" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.title != "改过的标题"
    assert suggestion.status == Suggestion.Status.REGISTERED


def test_suggestions_are_not_added_in_the_admin(admin_browser, people):
    assert admin_browser.get(url(Suggestion, "add")).status_code == 403


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def run_action(client, model, action, objects, **extra):
    return client.post(
        url(model, "changelist"),
        {"action": action, "_selected_action": [o.pk for o in objects], **extra},
        follow=True,
    )


def test_the_register_action_registers_a_submitted_suggestion(admin_browser, journey):
    suggestion = journey.submitted()

    response = run_action(admin_browser, Suggestion, "register", [suggestion])

    assert messages_of(response) == ["已立案 1 件建议"]
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REGISTERED
    event = AuditEvent.objects.get(suggestion=suggestion)
    assert (event.action, event.actor, event.to_state) == (
        "suggestion.register",
        admin_browser.user,
        "registered",
    )


def test_the_register_action_refuses_a_wrong_state_and_changes_nothing(admin_browser, journey):
    suggestion = journey.registered()
    events = AuditEvent.objects.count()

    response = run_action(admin_browser, Suggestion, "register", [suggestion])

    assert messages_of(response) == [
        f"未能立案:未执行任何操作,以下1件不符合条件:{suggestion.display_number}:只有已提交的建议可以立案"
    ]
    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.REGISTERED
    assert AuditEvent.objects.count() == events


def test_the_close_action_closes_a_replied_suggestion(admin_browser, journey):
    suggestion, _ = journey.replied()

    run_action(admin_browser, Suggestion, "close", [suggestion])

    suggestion.refresh_from_db()
    assert suggestion.status == Suggestion.Status.CLOSED


def test_approving_an_extension_request_moves_the_deadline(admin_browser, people, everything):
    request = ExtensionRequest.objects.get()

    response = run_action(admin_browser, ExtensionRequest, "approve", [request])

    assert messages_of(response) == ["已同意 1 项申请"]
    request.refresh_from_db()
    assert request.state == "approved"
    assert request.assignment.deadline >= request.requested_deadline


def test_refusing_an_extension_needs_a_note(admin_browser, everything):
    request = ExtensionRequest.objects.get()

    response = run_action(admin_browser, ExtensionRequest, "reject", [request])
    assert "不同意延期时请填写审核意见" in response.content.decode()
    request.refresh_from_db()
    assert request.state == "pending"

    run_action(admin_browser, ExtensionRequest, "reject", [request], note="理由不充分")
    request.refresh_from_db()
    assert (request.state, request.decision_note) == ("rejected", "理由不充分")


def test_a_reassignment_is_approved_only_with_a_suggested_unit(admin_browser, people, journey):
    _, assignment = journey.accepted()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="不属于本单位职责"
    )

    response = run_action(admin_browser, ReassignmentRequest, "approve", [request])

    assert "申请未提出建议承办单位,请选择新的承办单位后再同意" in response.content.decode()
    request.refresh_from_db()
    assert request.state == "pending"


def test_approving_a_reassignment_hands_it_to_the_suggested_unit(admin_browser, people, everything):
    request = ReassignmentRequest.objects.get()

    run_action(admin_browser, ReassignmentRequest, "approve", [request])

    old = Assignment.objects.get(pk=request.assignment_id)
    assert old.state == "ended"
    assert old.replaced_by.unit == people.other_unit


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=lambda model: model._meta.label)
def test_history_cannot_be_deleted(admin_browser, everything, model):
    obj = model._default_manager.first()
    assert admin_browser.get(url(model, "delete", obj.pk)).status_code == 403
    assert admin_browser.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model._default_manager.filter(pk=obj.pk).exists()
    action_form = admin_browser.get(url(model, "changelist")).context["action_form"]
    actions = dict(action_form.fields["action"].choices) if action_form else {}
    assert "delete_selected" not in actions


@pytest.mark.parametrize("model", HISTORY_MODELS[1:], ids=lambda model: model._meta.label)
def test_handling_history_is_read_only(admin_browser, everything, model):
    obj = model._default_manager.first()
    assert admin_browser.get(url(model, "add")).status_code == 403
    response = admin_browser.get(url(model, "change", obj.pk))
    assert response.context["adminform"].form.fields == {}


# --- the holiday calendar ---------------------------------------------------------------------


def _years_a_deadline_set_today_can_reach() -> range:
    # The 6-month extension cap plus a month of re-handling (DESIGN.md §4).
    today = timezone.localdate()
    return range(today.year, add_months(today, 7).year + 1)


def _warning(page: str) -> str:
    if 'id="calendar-warning"' not in page:
        return ""
    return page.split('id="calendar-warning"')[1].split("</ul>")[0]


@pytest.mark.parametrize(
    "page",
    [
        lambda: reverse("admin:index"),
        lambda: url(Suggestion, "changelist"),
        lambda: url(CalendarYear, "add"),
        lambda: url(Suggestion, "change", Suggestion.objects.get().pk),
    ],
    ids=["index", "changelist", "add", "change"],
)
def test_the_admin_warns_when_next_years_calendar_is_missing(admin_browser, journey, page):
    journey.submitted()
    years = _years_a_deadline_set_today_can_reach()
    for year in years:
        CalendarYear.objects.get_or_create(year=year)
    CalendarYear.objects.filter(year=years[-1]).delete()

    warning = _warning(admin_browser.get(page()).content.decode())

    assert f"{years[-1]}年的法定节假日和调休安排尚未录入,该年的期限暂按周一至周五计算" in warning
    assert reverse("admin:suggestions_calendarday_changelist") in warning


def test_no_calendar_warning_once_the_years_are_entered(admin_browser):
    for year in _years_a_deadline_set_today_can_reach():
        CalendarYear.objects.get_or_create(year=year)

    page = admin_browser.get(reverse("admin:index")).content.decode()

    assert _warning(page) == ""
    assert "尚未录入" not in page


def test_a_rest_day_added_on_a_deadline_moves_it_to_the_next_working_day(admin_browser, journey):
    _, assignment = journey.assigned()
    CalendarYear.objects.get_or_create(year=assignment.deadline.year)
    old = assignment.deadline

    response = admin_browser.post(
        url(CalendarDay, "add"),
        {"date": old.isoformat(), "name": "临时休假日"},
        follow=True,
    )

    assert "已按新日历重新计算 1 个未到期期限" in response.content.decode()
    assignment.refresh_from_db()
    expected, _ = WorkCalendar.load().next_workday(old + timedelta(days=1))
    assert assignment.deadline == expected > old
    change = DeadlineChange.objects.get(assignment=assignment, kind=DeadlineChange.Kind.CALENDAR)
    assert (change.old_deadline, change.new_deadline) == (old, expected)
    assert [old.isoformat(), "临时休假日"] in change.explanation["skipped"]
    assert AuditEvent.objects.filter(assignment=assignment, action="deadline.calendar").count() == 1


def test_deleting_the_rest_day_moves_the_deadline_back(admin_browser, journey):
    _, assignment = journey.assigned()
    CalendarYear.objects.get_or_create(year=assignment.deadline.year)
    old = assignment.deadline
    admin_browser.post(url(CalendarDay, "add"), {"date": old.isoformat(), "name": "临时休假日"})
    rest_day = CalendarDay.objects.get(date=old)

    response = admin_browser.post(
        url(CalendarDay, "delete", rest_day.pk),
        {"post": "yes"},
        follow=True,
    )

    assert "已按新日历重新计算 1 个未到期期限" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.deadline == old


# --- accounts ---------------------------------------------------------------------------------


def test_a_unit_user_needs_a_unit(admin_browser):
    response = admin_browser.post(
        reverse("admin:accounts_user_add"),
        {"username": "clerk", "usable_password": "false", "is_unit_user": "on"},
    )

    assert response.status_code == 200
    assert "承办单位用户必须选择所属单位" in response.content.decode()


# --- master data ------------------------------------------------------------------------------


def test_a_deputys_delegation_belongs_to_their_term(admin_browser, people):
    delegation = DelegationFactory(term=TermFactory(number=12, is_current=False))

    response = admin_browser.post(
        reverse("admin:deputies_deputy_add"),
        {"term": people.term.pk, "delegation": delegation.pk, "name": "赵敏", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "所选代表团不属于该届" in response.content.decode()


def test_staff_edit_the_channel_rules_in_the_list(admin_browser, db):
    rule = ChannelRule.objects.get(channel="voice")
    data = form_data_of_changelist(admin_browser.get(url(ChannelRule, "changelist")))
    index = next(
        i for i in range(int(data["form-TOTAL_FORMS"])) if str(data[f"form-{i}-id"]) == str(rule.pk)
    )
    data.update({f"form-{index}-reply_days": "20", "_save": "保存"})

    response = admin_browser.post(url(ChannelRule, "changelist"), data)

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.reply_days == 20
