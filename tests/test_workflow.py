"""The workflow engine (DESIGN.md §3): each transition allowed for its roles, refused for
every other role and in every wrong state, and audited once."""

import datetime as dt

import pytest
from django.utils import timezone

from suggestions import workflow
from suggestions.deadlines import add_months
from suggestions.models import (
    Assignment,
    AuditEvent,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Reply,
    RequestState,
    Suggestion,
)
from suggestions.workflow import InvalidTransition, NotPermitted

from .factories import FIVE_FIXED, UnitFactory, category, release_follow_up, release_reply

S = Suggestion.Status
A = Assignment.State
ROLES = [
    "staff",
    "leader",
    "unit_user",
    "other_unit_user",
    "deputy_user",
    "other_deputy_user",
    "nobody",
]


def others(*allowed):
    return [r for r in ROLES if r not in allowed]


def today():
    return timezone.localdate()


def events(suggestion, action=None):
    qs = AuditEvent.objects.filter(suggestion=suggestion)
    return qs.filter(action=action) if action else qs


# --- create / submit / withdraw ----------------------------------------------------------------


def create(people, actor, **extra):
    extra.setdefault("category", category("科教文卫"))
    return workflow.suggestion_create(
        actor=actor,
        term=people.term,
        title="关于增设社区养老服务站的建议",
        content="建议在老旧小区增设养老服务站。",
        channel="session",
        lead_deputy=people.deputy,
        **extra,
    )


def test_staff_log_a_paper_suggestion_as_submitted_with_the_next_number(people, journey):
    journey.submitted(number=41)
    suggestion = create(people, people.staff, co_signers=[people.other_deputy])
    assert suggestion.status == S.SUBMITTED
    assert suggestion.number == 42
    assert suggestion.display_number == "第0042号"
    assert list(suggestion.co_signers.all()) == [people.other_deputy]
    assert events(suggestion, "suggestion.create").get().to_state == S.SUBMITTED


def test_a_deputy_starts_a_draft_without_a_number(people):
    suggestion = create(people, people.deputy_user)
    assert (suggestion.status, suggestion.number) == (S.DRAFT, None)


@pytest.mark.parametrize("role", ["leader", "unit_user", "other_deputy_user", "nobody"])
def test_no_one_else_creates_a_suggestion_for_a_deputy(people, role):
    with pytest.raises(NotPermitted):
        create(people, getattr(people, role))
    assert not Suggestion.objects.exists()


def test_a_taken_number_is_refused_with_a_clear_message(people, journey):
    journey.submitted(number=7)
    with pytest.raises(InvalidTransition, match="第0007号 已被使用"):
        create(people, people.staff, number=7)
    assert Suggestion.objects.count() == 1


def test_blank_title_is_refused(people):
    with pytest.raises(InvalidTransition, match="请填写标题"):
        workflow.suggestion_create(
            actor=people.staff,
            term=people.term,
            title="  ",
            content="x",
            channel="session",
            lead_deputy=people.deputy,
        )


@pytest.mark.parametrize("role", ["deputy_user", "staff"])
def test_the_lead_deputy_or_staff_submit_a_draft_and_it_gets_a_number(people, role):
    draft = create(people, people.deputy_user)
    workflow.suggestion_submit(actor=getattr(people, role), suggestion=draft)
    draft.refresh_from_db()
    assert (draft.status, draft.number, draft.submitted_on) == (S.SUBMITTED, 1, today())
    assert events(draft, "suggestion.submit").get().from_state == S.DRAFT


@pytest.mark.parametrize("role", others("deputy_user", "staff"))
def test_others_cannot_submit_a_deputys_draft(people, role):
    draft = create(people, people.deputy_user)
    with pytest.raises(NotPermitted):
        workflow.suggestion_submit(actor=getattr(people, role), suggestion=draft)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_submitting_twice_is_refused(people, journey):
    suggestion = journey.submitted()
    with pytest.raises(InvalidTransition, match="只有草稿可以提交"):
        workflow.suggestion_submit(actor=people.staff, suggestion=suggestion)


def test_the_deputy_withdraws_before_registration(people, journey):
    suggestion = journey.submitted()
    workflow.suggestion_withdraw(
        actor=people.deputy_user, suggestion=suggestion, reason="已通过其他渠道解决"
    )
    suggestion.refresh_from_db()
    assert suggestion.status == S.WITHDRAWN
    assert events(suggestion, "suggestion.withdraw").get().reason == "已通过其他渠道解决"


def test_after_registration_only_staff_record_a_written_withdrawal(people, journey):
    suggestion, assignment = journey.assigned()
    with pytest.raises(InvalidTransition):
        workflow.suggestion_withdraw(
            actor=people.deputy_user, suggestion=suggestion, reason="书面撤回"
        )
    workflow.suggestion_withdraw(
        actor=people.staff, suggestion=suggestion, reason="代表书面申请撤回"
    )
    suggestion.refresh_from_db()
    assignment.refresh_from_db()
    assert suggestion.status == S.WITHDRAWN
    assert (assignment.state, assignment.end_reason) == (A.ENDED, "建议已撤回")


@pytest.mark.parametrize("role", ["leader", "unit_user", "other_deputy_user", "nobody"])
def test_others_cannot_withdraw(people, journey, role):
    suggestion = journey.submitted()
    with pytest.raises(NotPermitted):
        workflow.suggestion_withdraw(actor=getattr(people, role), suggestion=suggestion, reason="x")


# --- register / reject / merge -----------------------------------------------------------------


def test_staff_register_a_submitted_suggestion(people, journey):
    suggestion = journey.submitted()
    workflow.suggestion_register(actor=people.staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.registered_on) == (S.REGISTERED, today())
    event = events(suggestion, "suggestion.register").get()
    assert (event.actor, event.from_state, event.to_state) == (
        people.staff,
        S.SUBMITTED,
        S.REGISTERED,
    )


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_register(people, journey, role):
    suggestion = journey.submitted()
    with pytest.raises(NotPermitted, match="只有工作人员"):
        workflow.suggestion_register(actor=getattr(people, role), suggestion=suggestion)
    suggestion.refresh_from_db()
    assert suggestion.status == S.SUBMITTED
    assert not events(suggestion, "suggestion.register").exists()


def test_registration_needs_a_category(people, journey):
    suggestion = journey.submitted(category=None)
    with pytest.raises(InvalidTransition, match="请选择分类"):
        workflow.suggestion_register(actor=people.staff, suggestion=suggestion)


def test_registering_twice_is_refused(people, journey):
    suggestion = journey.registered()
    with pytest.raises(InvalidTransition, match="只有已提交的建议可以立案"):
        workflow.suggestion_register(actor=people.staff, suggestion=suggestion)


def test_staff_reject_with_a_typical_reason(people, journey):
    suggestion = journey.submitted()
    workflow.suggestion_reject(actor=people.staff, suggestion=suggestion, reason="letter")
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.reject_reason) == (S.REJECTED, "letter")
    assert events(suggestion, "suggestion.reject").get().reason == "代转来信"


def test_rejecting_for_other_reasons_needs_an_explanation(people, journey):
    suggestion = journey.submitted()
    with pytest.raises(InvalidTransition, match="请填写说明"):
        workflow.suggestion_reject(actor=people.staff, suggestion=suggestion, reason="other")
    with pytest.raises(InvalidTransition, match="请选择不予立案理由"):
        workflow.suggestion_reject(actor=people.staff, suggestion=suggestion, reason="")


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_reject(people, journey, role):
    with pytest.raises(NotPermitted):
        workflow.suggestion_reject(
            actor=getattr(people, role), suggestion=journey.submitted(), reason="letter"
        )


def test_staff_merge_into_another_suggestion_of_the_term(people, journey):
    target, duplicate = journey.registered(), journey.submitted()
    workflow.suggestion_merge(
        actor=people.staff, suggestion=duplicate, into=target, note="同一事项"
    )
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (S.MERGED, target)
    assert events(duplicate, "suggestion.merge").get().data["into_number"] == target.display_number


def test_merging_into_itself_or_a_rejected_suggestion_is_refused(people, journey):
    suggestion, rejected = journey.submitted(), journey.submitted()
    workflow.suggestion_reject(actor=people.staff, suggestion=rejected, reason="personal")
    with pytest.raises(InvalidTransition, match="不能并入自身"):
        workflow.suggestion_merge(actor=people.staff, suggestion=suggestion, into=suggestion)
    with pytest.raises(InvalidTransition, match="不予立案"):
        workflow.suggestion_merge(actor=people.staff, suggestion=suggestion, into=rejected)


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_merge(people, journey, role):
    with pytest.raises(NotPermitted):
        workflow.suggestion_merge(
            actor=getattr(people, role), suggestion=journey.submitted(), into=journey.submitted()
        )


# --- assign ------------------------------------------------------------------------------------


def test_staff_assign_to_a_lead_and_a_co_handler_with_frozen_rules_and_deadlines(people, journey):
    suggestion = journey.registered()
    lead, co = workflow.suggestion_assign(
        actor=people.staff,
        suggestion=suggestion,
        units=[(people.unit, "lead"), (people.other_unit, "co")],
        assigned_on=dt.date(2026, 7, 1),
    )
    suggestion.refresh_from_db()
    assert suggestion.status == S.ASSIGNED
    assert (lead.deadline, co.deadline) == (
        dt.date(2026, 10, 8),
        dt.date(2026, 8, 3),
    )  # 10-01 国庆; 08-01 Sat
    assert lead.rules["reply_months"] == 3
    change = lead.deadline_changes.get()
    assert (change.kind, change.base_date, change.new_deadline) == (
        "initial",
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 8),
    )
    assert events(suggestion, "assignment.create").count() == 2
    assert events(suggestion, "suggestion.assign").count() == 1


def test_a_later_rule_change_does_not_move_a_running_clock(people, journey):
    from suggestions.models import ChannelRule

    _, assignment = journey.assigned(assigned_on=dt.date(2026, 7, 1))
    ChannelRule.objects.filter(channel="session").update(reply_months=1)
    assignment.refresh_from_db()
    assert assignment.deadline == dt.date(2026, 10, 8)
    assert assignment.rules["reply_months"] == 3


@pytest.mark.parametrize(
    ("units", "message"),
    [
        ([], "请至少选择一个承办单位"),
        ([("unit", "co")], "请至少指定一个主办或分办单位"),
        ([("unit", "lead"), ("other_unit", "lead")], "主办单位只能有一个"),
        ([("unit", "lead"), ("other_unit", "split")], "主办与分办不能同时使用"),
        ([("unit", "lead"), ("unit", "co")], "同一承办单位不能重复选择"),
    ],
)
def test_invalid_assignments_are_refused_and_nothing_is_written(people, journey, units, message):
    suggestion = journey.registered()
    with pytest.raises(InvalidTransition, match=message):
        workflow.suggestion_assign(
            actor=people.staff,
            suggestion=suggestion,
            units=[(getattr(people, u), r) for u, r in units],
        )
    suggestion.refresh_from_db()
    assert suggestion.status == S.REGISTERED
    assert not Assignment.objects.exists()


def test_assigning_an_unregistered_suggestion_is_refused(people, journey):
    with pytest.raises(InvalidTransition, match="只有已立案或已交办"):
        workflow.suggestion_assign(
            actor=people.staff, suggestion=journey.submitted(), units=[(people.unit, "lead")]
        )


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_assign(people, journey, role):
    with pytest.raises(NotPermitted):
        workflow.suggestion_assign(
            actor=getattr(people, role),
            suggestion=journey.registered(),
            units=[(people.unit, "lead")],
        )


def test_staff_mark_a_key_suggestion_with_a_supervising_leader(people, journey):
    suggestion = journey.registered()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    suggestion.refresh_from_db()
    assert (suggestion.is_key, suggestion.supervisor) == (True, people.leader)
    with pytest.raises(InvalidTransition, match="督办领导必须是领导"):
        workflow.suggestion_mark_key(
            actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.nobody
        )
    with pytest.raises(NotPermitted):
        workflow.suggestion_mark_key(actor=people.leader, suggestion=suggestion, is_key=False)


# --- accept / contact / requests ------------------------------------------------------------------


def test_the_unit_accepts_its_assignment(people, journey):
    suggestion, assignment = journey.assigned()
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)
    assignment.refresh_from_db()
    assert (assignment.state, assignment.accepted_on) == (A.ACCEPTED, today())
    assert events(suggestion, "assignment.accept").get().to_state == A.ACCEPTED
    with pytest.raises(InvalidTransition, match="已签收"):
        workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)


@pytest.mark.parametrize("role", others("unit_user"))
def test_no_one_but_the_unit_accepts(people, journey, role):
    _, assignment = journey.assigned()
    with pytest.raises(NotPermitted, match="只有本交办的承办单位"):
        workflow.assignment_accept(actor=getattr(people, role), assignment=assignment, **FIVE_FIXED)
    assignment.refresh_from_db()
    assert assignment.state == A.ASSIGNED


def test_the_unit_records_a_face_to_face_talk(people, journey):
    suggestion, assignment = journey.accepted()
    contact = workflow.assignment_record_contact(
        actor=people.unit_user,
        assignment=assignment,
        kind="face",
        contacted_on=today(),
        participants="张伟代表、王科长",
        summary="面商了解诉求",
    )
    assert contact.assignment == assignment
    assert events(suggestion, "contact.record").count() == 1
    with pytest.raises(InvalidTransition, match="不能晚于今天"):
        workflow.assignment_record_contact(
            actor=people.unit_user,
            assignment=assignment,
            kind="face",
            contacted_on=today() + dt.timedelta(days=1),
            participants="x",
            summary="y",
        )
    with pytest.raises(NotPermitted):
        workflow.assignment_record_contact(
            actor=people.other_unit_user,
            assignment=assignment,
            kind="face",
            contacted_on=today(),
            participants="x",
            summary="y",
        )


def test_reassignment_approved_ends_the_old_assignment_and_starts_a_fresh_one(people, journey):
    suggestion, assignment = journey.accepted()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user,
        assignment=assignment,
        reason="不属于本单位职责",
        suggested_unit=people.other_unit,
    )
    new = workflow.reassignment_decide(actor=people.staff, request=request, approve=True)
    assignment.refresh_from_db()
    request.refresh_from_db()
    assert (assignment.state, assignment.end_reason, assignment.replaced_by) == (
        A.ENDED,
        "调整承办单位",
        new,
    )
    assert (new.unit, new.role, new.state, new.assigned_on) == (
        people.other_unit,
        "lead",
        A.ASSIGNED,
        today(),
    )
    assert request.state == RequestState.APPROVED
    assert events(suggestion, "reassignment.approve").count() == 1


def test_reassignment_rejected_leaves_the_assignment_as_it_was(people, journey):
    _, assignment = journey.accepted()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="职责不符"
    )
    with pytest.raises(InvalidTransition, match="请填写审核意见"):
        workflow.reassignment_decide(actor=people.staff, request=request, approve=False)
    workflow.reassignment_decide(
        actor=people.staff, request=request, approve=False, note="属于本单位职责"
    )
    assignment.refresh_from_db()
    request.refresh_from_db()
    assert (assignment.state, request.state) == (A.ACCEPTED, RequestState.REJECTED)
    with pytest.raises(InvalidTransition, match="该申请已审核"):
        workflow.reassignment_decide(
            actor=people.staff, request=request, approve=True, new_unit=people.other_unit
        )


def test_reassignment_is_refused_after_its_window(people, journey):
    _, assignment = journey.assigned(assigned_on=today() - dt.timedelta(days=11))
    with pytest.raises(InvalidTransition, match="须在交办后10日内提出"):
        workflow.assignment_request_reassignment(
            actor=people.unit_user, assignment=assignment, reason="职责不符"
        )


def test_one_pending_reassignment_request_at_a_time(people, journey):
    _, assignment = journey.assigned()
    workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="职责不符"
    )
    with pytest.raises(InvalidTransition, match="已有待审核"):
        workflow.assignment_request_reassignment(
            actor=people.unit_user, assignment=assignment, reason="再次申请"
        )


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_decide_requests(people, journey, role):
    _, assignment = journey.assigned()
    reassign = workflow.assignment_request_reassignment(
        actor=people.unit_user,
        assignment=assignment,
        reason="职责不符",
        suggested_unit=people.other_unit,
    )
    with pytest.raises(NotPermitted):
        workflow.reassignment_decide(actor=getattr(people, role), request=reassign, approve=True)


def test_an_approved_extension_moves_the_deadline_and_keeps_the_history(people, journey):
    suggestion, assignment = journey.accepted(assigned_on=dt.date(2026, 7, 1))
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=dt.date(2026, 12, 1),
        reason="涉及多部门协调",
        deputy_informed=True,
    )
    workflow.extension_decide(actor=people.staff, request=request, approve=True)
    assignment.refresh_from_db()
    assert assignment.deadline == dt.date(2026, 12, 1)
    kinds = list(assignment.deadline_changes.values_list("kind", "old_deadline", "new_deadline"))
    assert kinds == [
        ("initial", None, dt.date(2026, 10, 8)),
        ("extension", dt.date(2026, 10, 8), dt.date(2026, 12, 1)),
    ]
    assert events(suggestion, "extension.approve").count() == 1


def test_an_extension_beyond_six_months_is_refused(people, journey):
    _, assignment = journey.accepted(assigned_on=dt.date(2026, 7, 1))
    with pytest.raises(InvalidTransition, match="延期不得超过自交办起6个月,最晚为 2027-01-01"):
        workflow.assignment_request_extension(
            actor=people.unit_user,
            assignment=assignment,
            requested_deadline=dt.date(2027, 2, 1),
            reason="情况复杂",
            deputy_informed=True,
        )
    assert not ExtensionRequest.objects.exists()


def test_an_extension_needs_the_deputy_told_why(people, journey):
    _, assignment = journey.accepted()
    with pytest.raises(InvalidTransition, match="须向代表说明理由"):
        workflow.assignment_request_extension(
            actor=people.unit_user,
            assignment=assignment,
            requested_deadline=assignment.deadline + dt.timedelta(days=30),
            reason="复杂",
            deputy_informed=False,
        )


def test_a_rejected_extension_leaves_the_deadline(people, journey):
    _, assignment = journey.accepted()
    deadline = assignment.deadline
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=deadline + dt.timedelta(days=30),
        reason="复杂",
        deputy_informed=True,
    )
    workflow.extension_decide(actor=people.staff, request=request, approve=False, note="可按期办理")
    assignment.refresh_from_db()
    assert assignment.deadline == deadline
    assert assignment.deadline_changes.count() == 1


# --- reply -------------------------------------------------------------------------------------


def reply(people, assignment, actor=None, **kwargs):
    kwargs.setdefault("result", "A")
    return release_reply(
        actor=actor or people.unit_user,
        assignment=assignment,
        text="已采纳。",
        is_public=True,
        **kwargs,
    )


def test_the_lead_units_reply_makes_the_suggestion_replied(people, journey):
    suggestion, assignment = journey.accepted()
    r = reply(people, assignment)
    suggestion.refresh_from_db()
    assignment.refresh_from_db()
    assert (r.round, r.result, assignment.state, suggestion.status) == (
        1,
        "A",
        A.REPLIED,
        S.REPLIED,
    )
    assert events(suggestion, "reply.post").count() == 1
    assert events(suggestion, "suggestion.replied").count() == 1


def test_replying_twice_is_refused(people, journey):
    _, assignment = journey.accepted()
    reply(people, assignment)
    with pytest.raises(InvalidTransition, match="不能重复答复"):
        reply(people, assignment)
    assert Reply.objects.count() == 1


def test_replying_before_accepting_is_refused(people, journey):
    _, assignment = journey.assigned()
    with pytest.raises(InvalidTransition, match="请先签收"):
        reply(people, assignment)


@pytest.mark.parametrize("role", others("unit_user"))
def test_no_one_but_the_unit_replies(people, journey, role):
    _, assignment = journey.accepted()
    with pytest.raises(NotPermitted):
        reply(people, assignment, actor=getattr(people, role))
    assert not Reply.objects.exists()


def test_a_reply_kept_from_the_public_needs_a_reason(people, journey):
    _, assignment = journey.accepted()
    with pytest.raises(InvalidTransition, match="请填写不公开理由"):
        release_reply(actor=people.unit_user, assignment=assignment, text="x", result="A")


def test_with_split_units_the_suggestion_waits_for_every_answer(people, journey):
    suggestion, first = journey.accepted(roles=(("unit", "split"), ("other_unit", "split")))
    second = suggestion.assignments.get(unit=people.other_unit)
    reply(people, first)
    suggestion.refresh_from_db()
    assert suggestion.status == S.ASSIGNED
    workflow.assignment_accept(actor=people.other_unit_user, assignment=second, **FIVE_FIXED)
    reply(people, second, actor=people.other_unit_user, result="B")
    suggestion.refresh_from_db()
    assert suggestion.status == S.REPLIED


def test_a_co_handler_sends_an_opinion_and_cannot_reply_to_the_deputy(people, journey):
    suggestion, lead = journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))
    co = suggestion.assignments.get(unit=people.other_unit)
    workflow.assignment_accept(actor=people.other_unit_user, assignment=co, **FIVE_FIXED)
    with pytest.raises(InvalidTransition, match="协办单位不直接答复代表"):
        reply(people, co, actor=people.other_unit_user)
    workflow.assignment_send_opinion(
        actor=people.other_unit_user, assignment=co, text="同意主办单位意见"
    )
    co.refresh_from_db()
    assert co.state == A.REPLIED
    assert lead.suggestion.assignments.get(pk=co.pk).opinions.count() == 1


# --- feedback / re-handling / close -------------------------------------------------------------


def test_satisfied_feedback_then_staff_close(people, journey):
    suggestion, r = journey.replied()
    workflow.feedback_record(
        actor=people.deputy_user, reply=r, result_verdict="satisfied", work_verdict="satisfied"
    )
    workflow.suggestion_close(actor=people.staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    assert (suggestion.status, suggestion.closed_on) == (S.CLOSED, today())
    assert Feedback.objects.get().on_behalf is False
    assert events(suggestion, "suggestion.close").get().from_state == S.REPLIED


def test_dissatisfied_feedback_starts_rehandling_with_a_one_month_deadline(people, journey):
    suggestion, r = journey.replied(result="C")
    workflow.feedback_record(
        actor=people.deputy_user,
        reply=r,
        result_verdict="dissatisfied",
        work_verdict="basically",
        remarks="未解决实际问题",
    )
    suggestion.refresh_from_db()
    assignment = r.assignment
    assignment.refresh_from_db()
    assert suggestion.status == S.ASSIGNED
    assert (assignment.state, assignment.round) == (A.ACCEPTED, 2)
    change = assignment.deadline_changes.latest("id")
    assert change.kind == DeadlineChange.Kind.REHANDLE
    assert change.base_date == add_months(today(), 1)
    assert assignment.deadline == change.new_deadline
    # The unit answers again; the first reply stays in history.
    second = reply(people, assignment, result="A")
    suggestion.refresh_from_db()
    assert (second.round, suggestion.status, Reply.objects.count()) == (2, S.REPLIED, 2)


def test_staff_enter_feedback_from_a_paper_form_recorded_as_such(people, journey):
    _, r = journey.replied()
    workflow.feedback_record(
        actor=people.staff, reply=r, result_verdict="basically", work_verdict="satisfied"
    )
    feedback = Feedback.objects.get()
    assert (feedback.on_behalf, feedback.entered_by, feedback.deputy) == (
        True,
        people.staff,
        people.deputy,
    )


@pytest.mark.parametrize("role", ["leader", "unit_user", "other_deputy_user", "nobody"])
def test_no_one_else_gives_feedback(people, journey, role):
    _, r = journey.replied()
    with pytest.raises(NotPermitted):
        workflow.feedback_record(
            actor=getattr(people, role),
            reply=r,
            result_verdict="satisfied",
            work_verdict="satisfied",
        )


def test_feedback_twice_on_one_reply_is_refused(people, journey):
    _, r = journey.replied()
    workflow.feedback_record(
        actor=people.deputy_user, reply=r, result_verdict="satisfied", work_verdict="satisfied"
    )
    with pytest.raises(InvalidTransition, match="已有反馈"):
        workflow.feedback_record(
            actor=people.staff, reply=r, result_verdict="satisfied", work_verdict="satisfied"
        )


def test_dissatisfied_feedback_needs_remarks(people, journey):
    _, r = journey.replied()
    with pytest.raises(InvalidTransition, match="请填写具体意见"):
        workflow.feedback_record(
            actor=people.deputy_user,
            reply=r,
            result_verdict="dissatisfied",
            work_verdict="satisfied",
        )


def test_closing_an_unreplied_suggestion_is_refused(people, journey):
    suggestion, _ = journey.accepted()
    with pytest.raises(InvalidTransition, match="只有全部答复后的建议可以办结"):
        workflow.suggestion_close(actor=people.staff, suggestion=suggestion)


@pytest.mark.parametrize("role", others("staff"))
def test_only_staff_close(people, journey, role):
    suggestion, _ = journey.replied()
    with pytest.raises(NotPermitted):
        workflow.suggestion_close(actor=getattr(people, role), suggestion=suggestion)


# --- audit ---------------------------------------------------------------------------------------


def test_the_whole_path_writes_one_audit_event_per_transition(people, journey):
    suggestion = create(people, people.deputy_user)
    workflow.suggestion_submit(actor=people.deputy_user, suggestion=suggestion)
    workflow.suggestion_register(actor=people.staff, suggestion=suggestion)
    (assignment,) = workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(people.unit, "lead")]
    )
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)
    r = reply(people, assignment)
    workflow.feedback_record(
        actor=people.deputy_user, reply=r, result_verdict="satisfied", work_verdict="satisfied"
    )
    workflow.suggestion_close(actor=people.staff, suggestion=suggestion)
    actions = list(events(suggestion).values_list("action", "from_state", "to_state"))
    assert actions == [
        ("suggestion.create", "", "draft"),
        ("suggestion.submit", "draft", "submitted"),
        ("suggestion.register", "submitted", "registered"),
        ("assignment.create", "", "assigned"),
        ("suggestion.assign", "registered", "assigned"),
        ("assignment.accept", "assigned", "accepted"),
        ("reply.draft.save", "", "drafting"),
        ("reply.draft.sign", "drafting", "signed"),
        ("reply.post", "accepted", "replied"),
        ("suggestion.replied", "assigned", "replied"),
        ("feedback.record", "", ""),
        ("suggestion.close", "replied", "closed"),
    ]


def test_a_refused_transition_writes_nothing(people, journey):
    suggestion = journey.submitted()
    before = AuditEvent.objects.count()
    with pytest.raises(InvalidTransition):
        workflow.suggestion_close(actor=people.staff, suggestion=suggestion)
    assert AuditEvent.objects.count() == before


def test_a_calendar_change_recomputes_open_deadlines_and_says_so(people, journey):
    from suggestions.models import CalendarDay, CalendarYear

    _, assignment = journey.accepted(assigned_on=today())
    CalendarYear.objects.get_or_create(year=assignment.deadline.year)
    CalendarDay.objects.update_or_create(
        date=assignment.deadline, defaults={"is_workday": False, "name": "临时休假"}
    )
    moved = workflow.deadlines_recompute_for_calendar(actor=people.staff)
    old = assignment.deadline
    assignment.refresh_from_db()
    assert moved == 1
    assert assignment.deadline > old
    change = assignment.deadline_changes.latest("id")
    assert (change.kind, change.old_deadline, change.reason) == (
        "calendar",
        old,
        "法定节假日日历变更",
    )


def test_units_outside_the_assignment_are_refused_even_with_a_new_unit(people, journey):
    _, assignment = journey.accepted()
    stranger = UnitFactory()
    people.other_unit_user.unit = stranger
    with pytest.raises(NotPermitted):
        workflow.assignment_accept(
            actor=people.other_unit_user, assignment=assignment, **FIVE_FIXED
        )


def test_a_deputy_withdraws_a_draft_that_never_had_a_number(people):
    draft = create(people, people.deputy_user)
    workflow.suggestion_withdraw(actor=people.deputy_user, suggestion=draft, reason="不再提出")
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (S.WITHDRAWN, None)


def test_a_b_class_reply_is_followed_up_when_solved_and_both_stay_in_history(people, journey):
    suggestion, first = journey.replied(result="B")
    second = release_follow_up(
        actor=people.unit_user,
        reply=first,
        text="项目已建成投用。",
        result="A",
        is_public=True,
    )
    first.refresh_from_db()
    assert (first.superseded, second.superseded, second.round, second.result) == (
        True,
        False,
        1,
        "A",
    )
    assert events(suggestion, "reply.follow_up").get().data["previous_result"] == "B"
    with pytest.raises(InvalidTransition, match="只能对当前有效的答复"):
        release_follow_up(actor=people.unit_user, reply=first, text="x", result="A", is_public=True)


def test_only_b_class_replies_are_followed_up_and_only_by_their_unit(people, journey):
    _, reply_a = journey.replied(result="A")
    with pytest.raises(InvalidTransition, match="只有B类"):
        release_follow_up(
            actor=people.unit_user, reply=reply_a, text="x", result="A", is_public=True
        )
    with pytest.raises(NotPermitted):
        release_follow_up(
            actor=people.other_unit_user,
            reply=reply_a,
            text="x",
            result="A",
            is_public=True,
        )


# --- edits ---------------------------------------------------------------------------------------


def test_staff_correct_a_title_and_the_change_is_audited(people, journey):
    suggestion = journey.registered()
    workflow.suggestion_update(
        actor=people.staff,
        suggestion=suggestion,
        expected_version=suggestion.version,
        changes={"title": "关于优化早高峰公交线路的建议", "co_signers": [people.other_deputy]},
    )
    suggestion.refresh_from_db()
    assert suggestion.title == "关于优化早高峰公交线路的建议"
    assert list(suggestion.co_signers.all()) == [people.other_deputy]
    changes = events(suggestion, "suggestion.update").get().data["changes"]
    assert changes["co_signers"] == ["", "李娜"]
    assert changes["title"][1] == "关于优化早高峰公交线路的建议"


def test_an_edit_based_on_an_old_version_is_refused(people, journey):
    suggestion = journey.submitted()
    opened_at = suggestion.version
    workflow.suggestion_register(actor=people.staff, suggestion=suggestion)
    with pytest.raises(InvalidTransition, match="在您打开后已被修改"):
        workflow.suggestion_update(
            actor=people.staff,
            suggestion=suggestion,
            expected_version=opened_at,
            changes={"title": "新标题"},
        )
    suggestion.refresh_from_db()
    assert suggestion.title != "新标题"


def test_closed_suggestions_and_workflow_fields_are_not_edited(people, journey):
    suggestion, r = journey.replied()
    with pytest.raises(InvalidTransition, match="不能修改:status"):
        workflow.suggestion_update(
            actor=people.staff,
            suggestion=suggestion,
            expected_version=suggestion.version,
            changes={"status": "closed"},
        )
    workflow.suggestion_close(actor=people.staff, suggestion=suggestion)
    suggestion.refresh_from_db()
    with pytest.raises(InvalidTransition, match="已办结”的建议不能修改"):
        workflow.suggestion_update(
            actor=people.staff,
            suggestion=suggestion,
            expected_version=suggestion.version,
            changes={"title": "x"},
        )


def test_a_deputy_edits_only_their_own_draft(people, journey):
    draft = create(people, people.deputy_user)
    workflow.suggestion_update(
        actor=people.deputy_user,
        suggestion=draft,
        expected_version=draft.version,
        changes={"content": "补充内容"},
    )
    with pytest.raises(NotPermitted):
        workflow.suggestion_update(
            actor=people.other_deputy_user,
            suggestion=draft,
            expected_version=draft.version + 1,
            changes={"content": "x"},
        )
    submitted = journey.submitted()
    with pytest.raises(NotPermitted):
        workflow.suggestion_update(
            actor=people.deputy_user,
            suggestion=submitted,
            expected_version=submitted.version,
            changes={"content": "x"},
        )


def test_reassignment_to_an_inactive_unit_is_refused(people, journey):
    _, assignment = journey.accepted()
    people.other_unit.is_active = False
    people.other_unit.save()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user,
        assignment=assignment,
        reason="职责不符",
        suggested_unit=people.other_unit,
    )
    with pytest.raises(InvalidTransition, match="已停用"):
        workflow.reassignment_decide(actor=people.staff, request=request, approve=True)


def test_a_pending_extension_lapses_when_the_unit_replies(people, journey):
    suggestion, assignment = journey.accepted()
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + dt.timedelta(days=20),
        reason="需要协调",
        deputy_informed=True,
    )
    reply(people, assignment)
    request.refresh_from_db()
    assert (request.state, request.decision_note) == (RequestState.LAPSED, "交办已答复")
    assert events(suggestion, "request.lapse").get().data["kind"] == "延期"
    with pytest.raises(InvalidTransition, match="该申请已审核"):
        workflow.extension_decide(actor=people.staff, request=request, approve=True)


def test_pending_requests_lapse_when_the_suggestion_is_withdrawn(people, journey):
    suggestion, assignment = journey.assigned()
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="职责不符"
    )
    workflow.suggestion_withdraw(actor=people.staff, suggestion=suggestion, reason="代表书面撤回")
    request.refresh_from_db()
    assert request.state == RequestState.LAPSED


def test_a_backdated_assignment_records_its_deadline_from_the_assignment_day(people, journey):
    _, assignment = journey.assigned(assigned_on=dt.date(2026, 7, 1))
    assert assignment.deadline_changes.get().effective_on == dt.date(2026, 7, 1)
