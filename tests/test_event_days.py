"""Steps recorded later take the day they happened (DESIGN.md §7): every back-datable step
refuses a future day and a day before the step it follows, the audit event keeps both days,
clocks (re-handling, extensions, reassignment) run from that day, and the figures of a past
day come out right. Today is fixed through the workflow's clock (`settings.PORTAL_TODAY`)."""

import datetime as dt

import pytest
from django.utils import timezone

from suggestions import figures, workflow
from suggestions.figures import Scope
from suggestions.models import (
    Assignment,
    AuditEvent,
    DeadlineChange,
    ExtensionRequest,
    ReassignmentRequest,
)
from suggestions.workflow import InvalidTransition

from .api_helpers import session_client
from .factories import FIVE_FIXED, SuggestionFactory, UserFactory, category, release_reply

TODAY = dt.date(2026, 6, 30)
ASSIGNED = dt.date(2026, 3, 2)  # a Monday; the 3-month reply deadline is 2026-06-02
REPLIED = dt.date(2026, 3, 20)
A = Assignment.State


def day(month, day_):
    return dt.date(2026, month, day_)


@pytest.fixture(autouse=True)
def _today(settings):
    settings.PORTAL_TODAY = TODAY


@pytest.fixture
def paper(people, journey):
    """Steps typed in from paper, each with its own day."""

    class Paper:
        def registered(self, **kwargs):
            suggestion = journey.submitted(**kwargs)  # 提出 2026-01-12
            return workflow.suggestion_register(
                actor=people.staff, suggestion=suggestion, registered_on=day(1, 20)
            )

        def assigned(self, roles=(("unit", "lead"),), **kwargs):
            suggestion = self.registered(**kwargs)
            units = [(getattr(people, name), role) for name, role in roles]
            assignments = workflow.suggestion_assign(
                actor=people.staff, suggestion=suggestion, units=units, assigned_on=ASSIGNED
            )
            return suggestion, assignments[0]

        def accepted(self, **kwargs):
            suggestion, assignment = self.assigned(**kwargs)
            workflow.assignment_accept(
                actor=people.unit_user, assignment=assignment, accepted_on=day(3, 3), **FIVE_FIXED
            )
            return suggestion, Assignment.objects.get(pk=assignment.pk)

        def reply(self, assignment, on, result="A"):
            return release_reply(
                actor=people.unit_user,
                assignment=assignment,
                text="答复如下。",
                result=result,
                replied_on=on,
                is_public=True,
            )

        def replied(self, on=REPLIED, **kwargs):
            suggestion, assignment = self.accepted(**kwargs)
            return suggestion, assignment, self.reply(assignment, on)

        def feedback(self, reply, on, verdict):
            return workflow.feedback_record(
                actor=people.staff,
                reply=reply,
                result_verdict=verdict,
                work_verdict="satisfied",
                remarks="仍未解决" if verdict == "dissatisfied" else "",
                given_on=on,
            )

    return Paper()


# --- figures of past days ---------------------------------------------------------------------


def test_a_back_dated_dissatisfaction_reopens_from_its_own_day_in_the_figures(people, paper):
    """s1 replied 03-20, 不满意 on 04-01 typed in on 06-30: re-handling is due a month after
    04-01 (05-01 is 劳动节, so 05-06), answered late on 05-20. s2 replied on time 03-10."""
    s1, a1, first = paper.replied(on=day(3, 20))
    _, _, _ = paper.replied(on=day(3, 10))
    paper.feedback(first, day(4, 1), "dissatisfied")

    a1.refresh_from_db()
    rehandle = a1.deadline_changes.get(kind=DeadlineChange.Kind.REHANDLE)
    assert (rehandle.effective_on, rehandle.explanation["start"]) == (day(4, 1), "2026-04-01")
    assert a1.deadline == day(5, 6)

    def at(d):
        return figures.compute(scope=Scope(term=people.term), as_of=d)

    before = at(day(3, 25))
    assert (before.replied, before.on_time, str(before.on_time_rate), before.overdue) == (
        2,
        2,
        "100.0%",
        0,
    )
    reopened = at(day(4, 15))
    assert (reopened.replied, reopened.on_time, reopened.overdue) == (1, 1, 0)
    assert (at(day(5, 6)).overdue, at(day(5, 7)).overdue) == (0, 1)  # due 05-06, overdue after

    paper.reply(Assignment.objects.get(pk=a1.pk), day(5, 20))  # the second round, late
    late = at(day(5, 25))
    assert (late.replied, late.on_time, str(late.on_time_rate), late.overdue) == (
        2,
        1,
        "50.0%",
        0,
    )
    assert at(day(5, 19)).overdue == 1  # still overdue the day before that reply
    now = at(TODAY)
    assert (now.replied, now.on_time, now.overdue) == (2, 1, 0)


def test_an_extension_decided_late_runs_from_its_decision_day(people, paper):
    _, assignment = paper.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=day(7, 31),
        reason="需协调多个部门",
        deputy_informed=True,
    )
    # The unit asked today; the decision cannot be dated before the request.
    with pytest.raises(InvalidTransition, match="审核日期不能早于申请日期"):
        workflow.extension_decide(
            actor=people.staff, request=request, approve=True, decided_on=day(6, 1)
        )
    workflow.extension_decide(actor=people.staff, request=request, approve=True, decided_on=TODAY)
    change = DeadlineChange.objects.get(kind=DeadlineChange.Kind.EXTENSION)
    assert (change.effective_on, change.new_deadline) == (TODAY, day(7, 31))
    request.refresh_from_db()
    assert request.decided_on == TODAY
    # Overdue at 06-10 (the old deadline 06-02 was still in force), not once extended.
    assert figures.compute(scope=Scope(), as_of=day(6, 10)).overdue == 1
    assert figures.compute(scope=Scope(), as_of=TODAY).overdue == 0


def test_a_reassignment_decided_on_a_past_day_starts_the_new_clock_then(people, paper, settings):
    _, assignment = paper.assigned()
    settings.PORTAL_TODAY = day(3, 5)  # the unit asked within its window, on 03-05
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user,
        assignment=assignment,
        reason="不属于本单位职责",
        suggested_unit=people.other_unit,
    )
    settings.PORTAL_TODAY = TODAY
    new = workflow.reassignment_decide(
        actor=people.staff, request=request, approve=True, decided_on=day(3, 9)
    )
    assignment.refresh_from_db()
    assert (assignment.state, assignment.ended_on) == (A.ENDED, day(3, 9))
    assert (new.assigned_on, new.deadline) == (day(3, 9), day(6, 9))
    assert new.deadline_changes.get().effective_on == day(3, 9)


# --- the day may not be in the future nor before the step it follows --------------------------


def _steps(people, paper):
    """Each back-datable step as (call taking a day, what it follows and its day)."""

    def register(on):
        suggestion = SuggestionFactory(term=people.term, lead_deputy=people.deputy)
        workflow.suggestion_register(actor=people.staff, suggestion=suggestion, registered_on=on)

    def accept(on):
        _, assignment = paper.assigned()
        workflow.assignment_accept(
            actor=people.unit_user, assignment=assignment, accepted_on=on, **FIVE_FIXED
        )

    def contact(on):
        _, assignment = paper.accepted()
        workflow.assignment_record_contact(
            actor=people.unit_user,
            assignment=assignment,
            kind="face",
            contacted_on=on,
            participants="张伟代表",
            summary="当面沟通",
        )

    def reply(on):
        _, assignment = paper.accepted()
        paper.reply(assignment, on)

    def feedback(on):
        _, _, reply_ = paper.replied(on=day(3, 20))
        paper.feedback(reply_, on, "satisfied")

    def close(on):
        suggestion, _, reply_ = paper.replied(on=day(3, 20))
        paper.feedback(reply_, day(4, 1), "satisfied")
        workflow.suggestion_close(actor=people.staff, suggestion=suggestion, closed_on=on)

    def decide_extension(on):
        _, assignment = paper.accepted()
        request = workflow.assignment_request_extension(
            actor=people.unit_user,
            assignment=assignment,
            requested_deadline=day(7, 31),
            reason="需协调",
            deputy_informed=True,
        )
        workflow.extension_decide(actor=people.staff, request=request, approve=True, decided_on=on)

    def decide_reassignment(on):
        _, assignment = paper.assigned()
        request = ReassignmentRequest.objects.create(
            assignment=assignment, reason="不属于本单位", requested_on=day(3, 5)
        )
        workflow.reassignment_decide(
            actor=people.staff, request=request, approve=False, note="仍由你单位办理", decided_on=on
        )

    return {
        "立案日期": (register, "提出日期", day(1, 12)),
        "签收日期": (accept, "交办日期", ASSIGNED),
        "沟通日期": (contact, "交办日期", ASSIGNED),
        "签发日期": (reply, "交办日期", ASSIGNED),
        "反馈日期": (feedback, "答复日期", day(3, 20)),
        "办结日期": (close, "最后一次答复或反馈日期", day(4, 1)),
        "审核日期": (decide_extension, "申请日期", TODAY),
        "审核日期 ": (decide_reassignment, "申请日期", day(3, 5)),
    }


STEPS = [
    "立案日期",
    "签收日期",
    "沟通日期",
    "签发日期",
    "反馈日期",
    "办结日期",
    "审核日期",
    "审核日期 ",
]


@pytest.mark.parametrize("label", STEPS)
def test_each_step_refuses_a_future_day(people, paper, label):
    call, _, _ = _steps(people, paper)[label]
    with pytest.raises(InvalidTransition, match=f"{label.strip()}不能晚于今天") as refused:
        call(TODAY + dt.timedelta(days=1))
    assert refused.value.code == "future_date"


@pytest.mark.parametrize("label", STEPS)
def test_each_step_refuses_a_day_before_the_step_it_follows(people, paper, label):
    call, after_label, after = _steps(people, paper)[label]
    with pytest.raises(InvalidTransition) as refused:
        call(after - dt.timedelta(days=1))
    assert refused.value.message == f"{label.strip()}不能早于{after_label}({after:%Y-%m-%d})"
    assert refused.value.code == "before_previous_step"


@pytest.mark.parametrize("label", STEPS)
def test_each_step_takes_the_day_it_follows_or_today(people, paper, label):
    call, _, after = _steps(people, paper)[label]
    call(after)
    call(TODAY)


def test_a_reply_of_re_handling_is_not_dated_before_the_dissatisfaction(people, paper):
    _, assignment, first = paper.replied(on=day(3, 20))
    paper.feedback(first, day(4, 1), "dissatisfied")
    with pytest.raises(InvalidTransition, match="签发日期不能早于重新办理开始日期"):
        paper.reply(Assignment.objects.get(pk=assignment.pk), day(3, 31))


# --- the audit event keeps both days ----------------------------------------------------------


def test_the_audit_event_keeps_the_day_it_happened_and_the_moment_entered(people, paper):
    _, _, reply = paper.replied(on=day(3, 20))
    paper.feedback(reply, day(4, 1), "dissatisfied")
    event = AuditEvent.objects.get(action="feedback.record")
    assert event.happened_on == day(4, 1)
    assert event.day == day(4, 1)
    assert event.at.date() != day(4, 1)  # entered now, not on the day it happened
    assert event.entered_later
    rehandle = AuditEvent.objects.get(action="assignment.rehandle")
    assert rehandle.day == day(4, 1)
    accept = AuditEvent.objects.get(action="assignment.accept")
    assert accept.day == day(3, 3)


def test_an_event_without_a_recorded_day_happened_the_day_it_was_entered(people, journey):
    suggestion = journey.submitted()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    event = AuditEvent.objects.get(action="suggestion.mark_key")
    assert event.happened_on is None
    assert not event.entered_later
    assert event.day == timezone.localdate(event.at)


# --- pages --------------------------------------------------------------------------------------


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"])


def test_the_close_form_refuses_a_future_day_in_chinese(client, people, paper):
    suggestion, _, _ = paper.replied()
    client.force_login(people.staff)
    response = client.post(
        f"/suggestions/{suggestion.pk}/close/", {"closed_on": "2026-07-01", "note": ""}
    )
    assert response.status_code == 200
    assert "办结日期不能晚于今天" in response.content.decode()
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"


def test_the_close_form_dates_the_closing(client, people, paper):
    suggestion, _, _ = paper.replied(on=day(3, 20))
    client.force_login(people.staff)
    page = client.get(f"/suggestions/{suggestion.pk}/close/").content.decode()
    assert 'name="closed_on"' in page and 'value="' in page
    response = client.post(f"/suggestions/{suggestion.pk}/close/", {"closed_on": "2026-04-02"})
    assert response.status_code == 302
    suggestion.refresh_from_db()
    assert suggestion.closed_on == day(4, 2)
    assert figures.compute(scope=Scope(), as_of=day(4, 2)).closed == 1


def test_the_register_form_takes_the_day_and_refuses_one_before_submission(client, people, journey):
    early, late = journey.submitted(), journey.submitted()
    client.force_login(people.staff)
    category_id = category("城乡建设").pk
    response = client.post(
        f"/suggestions/{early.pk}/register/",
        {"category": category_id, "registered_on": "2026-01-11"},
        follow=True,
    )
    assert "立案日期不能早于提出日期(2026-01-12)" in _messages(response)
    client.post(
        f"/suggestions/{late.pk}/register/",
        {"category": category_id, "registered_on": "2026-01-15"},
    )
    late.refresh_from_db()
    assert (late.status, late.registered_on) == ("registered", day(1, 15))


def test_accepting_on_the_page_takes_the_day_and_refuses_one_before_assignment(
    client, people, paper
):
    _, assignment = paper.assigned()
    client.force_login(people.unit_user)
    page = client.get(f"/inbox/{assignment.pk}/").content.decode()
    assert 'name="accepted_on"' in page
    response = client.post(
        f"/inbox/{assignment.pk}/accept/", {"accepted_on": "2026-03-01", **FIVE_FIXED}, follow=True
    )
    assert "签收日期不能早于交办日期(2026-03-02)" in _messages(response)
    client.post(f"/inbox/{assignment.pk}/accept/", {"accepted_on": "2026-03-04", **FIVE_FIXED})
    assignment.refresh_from_db()
    assert (assignment.state, assignment.accepted_on) == (A.ACCEPTED, day(3, 4))


def test_a_decision_on_the_page_refuses_a_future_day(client, people, paper):
    suggestion, assignment = paper.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=day(7, 31),
        reason="需协调",
        deputy_informed=True,
    )
    client.force_login(people.staff)
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert 'name="decided_on"' in page
    response = client.post(
        f"/suggestions/requests/extension/{request.pk}/decide/",
        {"approve": "yes", "decided_on": "2026-07-01"},
        follow=True,
    )
    assert "审核日期不能晚于今天" in _messages(response)
    request.refresh_from_db()
    assert request.state == "pending"


def test_the_reply_form_dates_the_letter(client, people, paper):
    _, assignment = paper.accepted()
    client.force_login(people.unit_user)
    data = {
        "reply-text": "经研究,已采纳。",
        "reply-result": "A",
        "reply-publication": "public",
    }
    assert client.post(f"/inbox/{assignment.pk}/reply/", data).status_code == 302
    sign = f"/inbox/{assignment.pk}/sign/"
    response = client.post(sign, {"sign-signed_on": "2026-03-01"})
    assert "签发日期不能早于交办日期(2026-03-02)" in response.content.decode()
    assert client.post(sign, {"sign-signed_on": "2026-04-10"}).status_code == 302
    # Without review the signing releases it: the letter is dated on that day.
    assert assignment.replies.get().replied_on == day(4, 10)


def test_the_timeline_shows_the_day_it_happened_and_when_it_was_entered(client, people, paper):
    suggestion, _, reply = paper.replied(on=day(3, 20))
    paper.feedback(reply, day(4, 1), "satisfied")
    client.force_login(people.staff)
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "<time>2026-04-01</time> <strong>代表反馈</strong>" in page
    assert "(补录于 " in page


# --- the deadline explains itself on the saved pages -------------------------------------------


def test_the_saved_pages_explain_the_deadline(client, people, paper):
    suggestion, assignment = paper.accepted()
    client.force_login(people.staff)
    staff_page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "期限说明:自 2026-03-02 起 答复期限3个月,为 2026-06-02" in staff_page
    client.force_login(people.unit_user)
    unit_page = client.get(f"/inbox/{assignment.pk}/").content.decode()
    assert "自 2026-03-02 起 答复期限3个月,为 2026-06-02" in unit_page


def test_the_explanation_names_the_rest_days_skipped_and_each_extension(client, people, paper):
    suggestion, assignment = paper.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=day(8, 1),  # a Saturday
        reason="需协调",
        deputy_informed=True,
    )
    workflow.extension_decide(actor=people.staff, request=request, approve=True)
    client.force_login(people.unit_user)
    page = client.get(f"/inbox/{assignment.pk}/").content.decode()
    assert "自 2026-03-02 起 答复期限3个月,为 2026-06-02" in page
    assert "2026-06-30 批准延期:2026-06-02 → 2026-08-03" in page
    assert "2026-08-01 星期六 → 2026-08-03(顺延,跳过2天:星期六、星期日)" in page


def test_after_dissatisfaction_the_explanation_runs_from_the_feedbacks_day(client, people, paper):
    suggestion, _, reply = paper.replied(on=day(3, 20))
    paper.feedback(reply, day(4, 1), "dissatisfied")
    client.force_login(people.staff)
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "期限说明:自 2026-04-01 起 重新办理期限1个月,为 2026-05-01" in page
    assert "2026-05-01 劳动节 → 2026-05-06" in page


def test_an_assignment_without_stored_changes_recomputes_its_explanation(client, people, paper):
    suggestion, assignment = paper.accepted()
    with_history = DeadlineChange.objects.filter(assignment=assignment)
    # Rows kept before explanations were stored: the page recomputes from the frozen rules.
    with_history.update(explanation={})
    client.force_login(people.staff)
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "期限说明:自 2026-03-02 起 答复期限3个月,为 2026-06-02" in page


# --- API, admin and import -----------------------------------------------------------------------


def test_the_api_takes_the_day_and_refuses_a_wrong_one(people, paper):
    _, assignment = paper.assigned()
    client = session_client(people.unit_user)
    url = f"/api/v1/assignments/{assignment.pk}/accept/"
    future = client.post(url, {"accepted_on": "2026-07-01", **FIVE_FIXED}, format="json")
    assert future.status_code == 409
    assert future.json()["errors"][0]["message"] == "签收日期不能晚于今天"
    early = client.post(url, {"accepted_on": "2026-03-01", **FIVE_FIXED}, format="json")
    assert (early.status_code, early.json()["errors"][0]["code"]) == (409, "before_previous_step")
    malformed = client.post(url, {"accepted_on": "2026年3月5日", **FIVE_FIXED}, format="json")
    assert malformed.status_code == 400
    done = client.post(url, {"accepted_on": "2026-03-05", **FIVE_FIXED}, format="json")
    assert (done.status_code, done.json()["accepted_on"]) == (200, "2026-03-05")


def test_the_api_closes_and_decides_on_the_given_day(people, paper):
    suggestion, assignment, reply = paper.replied(on=day(3, 20))
    staff = session_client(people.staff)
    early = staff.post(
        f"/api/v1/suggestions/{suggestion.pk}/close/", {"closed_on": "2026-03-19"}, format="json"
    )
    assert early.status_code == 409
    assert (
        "办结日期不能早于最后一次答复或反馈日期(2026-03-20)" in early.json()["errors"][0]["message"]
    )
    closed = staff.post(
        f"/api/v1/suggestions/{suggestion.pk}/close/", {"closed_on": "2026-03-25"}, format="json"
    )
    assert closed.status_code == 200
    suggestion.refresh_from_db()
    assert suggestion.closed_on == day(3, 25)

    _, other = paper.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=other,
        requested_deadline=day(7, 31),
        reason="需协调",
        deputy_informed=True,
    )
    decided = staff.post(
        f"/api/v1/extension-requests/{request.pk}/decide/",
        {"approve": False, "note": "理由不充分", "decided_on": "2026-06-30"},
        format="json",
    )
    assert decided.status_code == 200
    assert ExtensionRequest.objects.get(pk=request.pk).decided_on == TODAY


def test_the_api_schema_documents_the_day_fields(people):
    response = session_client(people.staff).get("/api/schema/?format=json")
    schema = response.json()["components"]["schemas"]
    for name, field in [
        ("AcceptInput", "accepted_on"),
        ("RegisterInput", "registered_on"),
        ("CloseInput", "closed_on"),
        ("DecideInput", "decided_on"),
        ("ContactInput", "contacted_on"),
    ]:
        properties = schema[f"{name}Request"]["properties"]
        assert "不能晚于今天" in properties[field]["description"], name
    assert "contacted_on" not in schema["ContactInputRequest"].get("required", [])


def test_admin_actions_take_the_day(client, people, paper):
    suggestion, _, _ = paper.replied(on=day(3, 20))
    admin_user = UserFactory(
        username="admin1", is_staff=True, is_superuser=True, is_committee_staff=True
    )
    client.force_login(admin_user)
    url = "/admin/suggestions/suggestion/"
    client.post(
        url,
        {"action": "close", "_selected_action": [suggestion.pk], "happened_on": "2026-03-19"},
    )
    suggestion.refresh_from_db()
    assert suggestion.status == "replied"
    client.post(
        url,
        {"action": "close", "_selected_action": [suggestion.pk], "happened_on": "2026-03-21"},
    )
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.closed_on) == ("closed", day(3, 21))
    assert AuditEvent.objects.get(action="suggestion.close").happened_on == day(3, 21)
