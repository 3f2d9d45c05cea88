"""Who is told what at each step of the workflow: in the portal inbox and by e-mail.

The workflow calls one function here per step, inside its transaction, so the messages commit
with the change (and the e-mails go out only after it has committed).
"""

from django.urls import reverse

from accounts.selectors import committee_staff, unit_users
from notifications import sms
from notifications.services import notify

from .models import (
    Assignment,
    CoSignature,
    DeliveryRole,
    Feedback,
    Reply,
    ReplyDelivery,
    Suggestion,
)


class Kind:
    ASSIGNED = "assignment.new"
    REQUEST_DECIDED = "request.decided"
    REPLY_POSTED = "reply.posted"
    FEEDBACK_RECEIVED = "feedback.received"
    REHANDLING = "rehandling.started"
    OPINION_WAIVED = "opinion.waived"
    CO_SIGNATURE = "cosignature.requested"
    FORWARDED_IN = "forwarding.received"
    FORWARDING_RESULT = "forwarding.result"
    SUPERVISION_INSTRUCTION = "supervision.instruction"
    SUPERVISION_URGE = "supervision.urge"


def _unit_users(unit_id: int):
    return unit_users(unit_id)


def _staff(suggestion):
    return committee_staff(suggestion.congress_id)


def _inbox_url(assignment: Assignment) -> str:
    return reverse("inbox:assignment", args=[assignment.pk])


def _label(suggestion: Suggestion) -> str:
    return f"{suggestion.display_number}《{suggestion.title}》"


def assignment_created(assignment: Assignment) -> None:
    suggestion = assignment.suggestion
    notify(
        recipients=_unit_users(assignment.unit_id),
        kind=Kind.ASSIGNED,
        title=f"新交办:{_label(suggestion)}",
        body=f"办理方式:{assignment.get_role_display()};答复期限:{assignment.deadline:%Y-%m-%d}。请及时签收。",
        url=_inbox_url(assignment),
        suggestion=suggestion,
        assignment=assignment,
    )


def request_decided(request, *, what: str, approved: bool) -> None:
    """`what` is 调整 or 延期."""
    assignment = request.assignment
    outcome = "同意" if approved else "不同意"
    body = f"审核意见:{request.decision_note}" if request.decision_note else ""
    if what == "延期" and approved:
        body = f"答复期限延至 {assignment.deadline:%Y-%m-%d}。{body}"
    notify(
        recipients=[request.requested_by, *_unit_users(assignment.unit_id)],
        kind=Kind.REQUEST_DECIDED,
        title=f"{what}申请已{outcome}:{_label(assignment.suggestion)}",
        body=body,
        url=_inbox_url(assignment),
        suggestion=assignment.suggestion,
        assignment=assignment,
    )


def reply_posted(reply: Reply) -> None:
    """Tell each deputy the reply was sent to (its ReplyDelivery rows, written just before by
    `deliveries.reply_deliver`) and staff: the lead deputy and a merged suggestion's deputy
    are asked for their verdicts; confirmed co-signers are informed."""
    assignment = reply.assignment
    suggestion = assignment.suggestion
    title = f"{assignment.unit.name}已答复:{_label(suggestion)}"
    # The label already starts with its letter ("A类 已解决或采纳").
    body = f"答复类别:{reply.get_result_display()}。"
    sent = [
        d
        for d in reply.deliveries.select_related("deputy__user", "via")
        if d.deputy.user_id and d.deputy.user.is_active
    ]
    for delivery in sent:
        if delivery.role == DeliveryRole.LEAD:
            notify(
                recipients=[delivery.deputy.user],
                kind=Kind.REPLY_POSTED,
                title=title,
                body=body + "请对答复提出意见。",
                url=reverse("my:feedback", args=[reply.pk]),
                suggestion=suggestion,
                assignment=assignment,
                # The deputy also gets a text message when they opted in (notifications.sms).
                sms=(sms.KIND_REPLY, sms.reply_params(reply)),
            )
        elif delivery.role == DeliveryRole.MERGED:
            notify(
                recipients=[delivery.deputy.user],
                kind=Kind.REPLY_POSTED,
                title=title,
                body=body + f"您领衔的{_label(delivery.via)}已并入此件办理,请对答复提出意见。",
                url=reverse("my:delivery", args=[delivery.pk]),
                suggestion=delivery.via,
                assignment=None,
            )
    co_signers = [d.deputy.user for d in sent if d.role == DeliveryRole.CO_SIGNER]
    notify(
        recipients=co_signers + list(_staff(suggestion)),
        kind=Kind.REPLY_POSTED,
        title=title,
        body=body,
        url=reverse("suggestions:detail", args=[suggestion.pk]),
        suggestion=suggestion,
        assignment=assignment,
    )


def delivery_feedback_received(delivery: ReplyDelivery) -> None:
    """A merged suggestion's deputy gave verdicts: the unit and staff see them beside the
    lead deputy's (nothing reopens)."""
    _verdicts_received(
        delivery.reply,
        who=f"并案代表{delivery.deputy.name}",
        verdict=delivery.get_result_verdict_display(),
        remarks=delivery.remarks,
    )


def _verdicts_received(reply, *, who: str, verdict: str, remarks: str) -> None:
    """The unit and staff hear of a deputy's verdicts on a reply."""
    assignment = reply.assignment
    suggestion = assignment.suggestion
    notify(
        recipients=list(_unit_users(assignment.unit_id)) + list(_staff(suggestion)),
        kind=Kind.FEEDBACK_RECEIVED,
        title=f"{who}反馈“{verdict}”:{_label(suggestion)}",
        body=remarks,
        url=_inbox_url(assignment),
        suggestion=suggestion,
        assignment=assignment,
    )


def co_signatures_requested(suggestion: Suggestion) -> None:
    """Ask the co-signers still 待确认 to confirm (附议确认) on /my/."""
    pending = suggestion.co_signatures.filter(
        state=CoSignature.State.PENDING, deputy__user__is_active=True
    ).select_related("deputy__user")
    notify(
        recipients=[c.deputy.user for c in pending],
        kind=Kind.CO_SIGNATURE,
        title=f"请确认附议:{_label(suggestion)}",
        body=f"{suggestion.lead_deputy.name}代表将您列为附议代表,请确认或拒绝。",
        url=reverse("my:list") + "#co-signatures",
        suggestion=suggestion,
    )


def feedback_received(feedback: Feedback) -> None:
    _verdicts_received(
        feedback.reply,
        who="代表",
        verdict=feedback.get_result_verdict_display(),
        remarks=feedback.remarks,
    )


def rehandling_started(assignment: Assignment, *, remarks: str) -> None:
    suggestion = assignment.suggestion
    notify(
        recipients=_unit_users(assignment.unit_id),
        kind=Kind.REHANDLING,
        title=f"代表不满意,请重新办理:{_label(suggestion)}",
        body=f"第{assignment.round}轮办理,答复期限 {assignment.deadline:%Y-%m-%d}。代表意见:{remarks}",
        url=_inbox_url(assignment),
        suggestion=suggestion,
        assignment=assignment,
    )


def opinion_waived(assignment: Assignment) -> None:
    """Staff waived a co-handler's opinion: the co-handler owes nothing more, and the lead
    units may reply without it."""
    suggestion = assignment.suggestion
    reason = f"豁免理由:{assignment.opinion_waiver_reason}"
    notify(
        recipients=_unit_users(assignment.unit_id),
        kind=Kind.OPINION_WAIVED,
        title=f"协办意见已豁免:{_label(suggestion)}",
        body=f"工作人员已豁免本单位的协办意见,无需再提交。{reason}",
        url=_inbox_url(assignment),
        suggestion=suggestion,
        assignment=assignment,
    )
    for lead in suggestion.assignments.filter(Assignment.awaiting_reply_q()):
        notify(
            recipients=_unit_users(lead.unit_id),
            kind=Kind.OPINION_WAIVED,
            title=f"{assignment.unit.name}的协办意见已豁免:{_label(suggestion)}",
            body=f"答复不再等待该单位的协办意见。{reason}",
            url=_inbox_url(lead),
            suggestion=suggestion,
            assignment=lead,
        )


# --- supervision (DESIGN.md §9): leaders' and committees' instructions and urges -----------


def _supervision_notify(action, assignments, *, kind: str, title: str, body: str) -> None:
    """Each unit hears once per assignment, on the assignment page where it acts."""
    for assignment in assignments:
        notify(
            recipients=_unit_users(assignment.unit_id),
            kind=kind,
            title=f"{title}:{_label(assignment.suggestion)}",
            body=body,
            url=_inbox_url(assignment),
            suggestion=assignment.suggestion,
            assignment=assignment,
        )


def supervision_instructed(action, assignments, *, due_on) -> None:
    _supervision_notify(
        action,
        assignments,
        kind=Kind.SUPERVISION_INSTRUCTION,
        title=f"{action.actor.display_name}督办意见",
        body=f"{action.content}\n请于{due_on:%Y-%m-%d}前在交办页面签收并说明落实情况。",
    )


def supervision_urged(action, assignments) -> None:
    _supervision_notify(
        action,
        assignments,
        kind=Kind.SUPERVISION_URGE,
        title=f"{action.actor.display_name}催办",
        body=action.content,
    )


def forwarded_in(forwarding) -> None:
    """分级处理: the lower congress's staff find the forwarded copy in their intake."""
    copy = forwarding.copy
    notify(
        recipients=_staff(copy),
        kind=Kind.FORWARDED_IN,
        title=f"上级人大转来:{_label(copy)}",
        body=f"由{forwarding.from_congress.name}转来,请按本级建议立案、交办。"
        + (f"转办说明:{forwarding.note}" if forwarding.note else ""),
        url=reverse("suggestions:detail", args=[copy.pk]),
        suggestion=copy,
    )


_FORWARDING_STEPS = {"replied": "已答复", "closed": "已办结", "returned": "不予立案,已退回"}


def forwarding_reported(forwarding, *, original: Suggestion, step: str) -> None:
    """The sender's staff hear that the lower congress replied, closed or returned it."""
    body = forwarding.result_line if step == "replied" else forwarding.returned_reason
    notify(
        recipients=_staff(original),
        kind=Kind.FORWARDING_RESULT,
        title=f"{forwarding.to_congress.name}{_FORWARDING_STEPS[step]}:{_label(original)}",
        body=body,
        url=reverse("suggestions:detail", args=[original.pk]),
        suggestion=original,
    )
