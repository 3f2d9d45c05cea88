"""Making a reply official (DESIGN.md §8): draft → 签发 → (review) → released.

The workflow's transitions for reply letters, beside `suggestions.workflow` (which owns the
helpers and errors used here). A letter in preparation is a `ReplyDraft`; a `Reply` row is
written only when the letter is released to the deputy, so figures, feedback, notices and the
public page, which read replies, count released letters only, dated on their release day.

1. The unit's clerk drafts and edits (`reply_draft_save`, `reply_follow_up_draft`).
2. A user of the same unit with the signing right signs (`reply_sign`): the signer is that
   account and the day; the letter gets its 文号 from the unit's pattern and yearly sequence.
3. Without review (PORTAL["REPLY_REVIEW"]) signing releases it. With review, committee staff
   or a 督查室 user (government units) release it (`reply_release`, may change its class with
   a reason) or return it for redo (`reply_return`, with a reason) to the clerk.
Every step writes one audit event carrying the version it acted on, so history keeps each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.selectors import unit_users
from notifications.services import notify
from units.models import DocNumberCounter, Unit

from . import deadlines, notices
from .models import Assignment, Attachment, Reply, ReplyDraft, Suggestion
from .workflow import (
    A,
    InvalidTransition,
    NotPermitted,
    S,
    _audit,
    _check_attachments,
    _deliver_reply,
    _lock_assignment,
    _mark_answered,
    _report_to_sender,
    _require_co_handler_opinions,
    _require_event_day,
    _require_text,
    _round_started_on,
    _set_status,
    _today,
)

Stage = ReplyDraft.Stage
Publication = ReplyDraft.Publication


# --- who may do what ----------------------------------------------------------------------


def review_required(suggestion: Suggestion) -> bool:
    """Whether a signed reply on this suggestion waits for a reviewer (PORTAL_REPLY_REVIEW)."""
    mode = settings.PORTAL.get("REPLY_REVIEW", "key")
    return mode == "all" or (mode == "key" and suggestion.is_key)


def can_review(user, assignment: Assignment) -> bool:
    """Committee staff review every unit's replies; a 督查室 user those of government units."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_committee_staff:
        return True
    return bool(user.is_inspector) and assignment.unit.system == Unit.System.GOVERNMENT


def can_sign(user, assignment: Assignment) -> bool:
    return bool(
        getattr(user, "is_unit_user", False)
        and user.unit_id == assignment.unit_id
        and user.can_sign_replies
    )


def _require_clerk(actor, assignment: Assignment) -> None:
    if not (getattr(actor, "is_unit_user", False) and actor.unit_id == assignment.unit_id):
        raise NotPermitted("只有本交办的承办单位可以起草答复", "not_this_unit")


def require_signer(actor, assignment: Assignment) -> None:
    if not (getattr(actor, "is_unit_user", False) and actor.unit_id == assignment.unit_id):
        raise NotPermitted("只能签发本单位的答复", "not_this_unit")
    if not actor.can_sign_replies:
        raise NotPermitted("您没有签发权限,请由本单位有签发权的负责人签发", "no_signing_right")


def require_reviewer(actor, assignment: Assignment) -> None:
    if not can_review(actor, assignment):
        raise NotPermitted("只有工作人员或督查室可以审核答复", "not_reviewer")


# --- the draft -----------------------------------------------------------------------------


def _lock_draft(draft: ReplyDraft) -> tuple[Suggestion, Assignment, ReplyDraft]:
    suggestion, assignment = _lock_assignment(draft.assignment)
    draft = ReplyDraft.objects.select_for_update().get(pk=draft.pk)
    draft.assignment = assignment
    return suggestion, assignment, draft


def _clean_publication(publication: str, summary: str, not_public_reason: str) -> tuple:
    if publication not in Publication.values:
        raise InvalidTransition("请选择公开方式", "bad_publication")
    summary = (summary or "").strip()
    reason = (not_public_reason or "").strip()
    if publication == Publication.SUMMARY and not summary:
        raise InvalidTransition("摘要公开的答复请填写公开摘要", "missing_summary")
    if publication == Publication.PRIVATE and not reason:
        raise InvalidTransition("不公开的答复请填写不公开理由", "missing_not_public_reason")
    return (
        summary if publication == Publication.SUMMARY else "",
        reason if publication == Publication.PRIVATE else "",
    )


def _snapshot(draft: ReplyDraft) -> dict:
    """What one version of the letter said: kept in its audit event."""
    return {
        "draft": draft.pk,
        "version": draft.version,
        "text": draft.text,
        "result": draft.result,
        "publication": draft.publication,
        "summary": draft.summary,
        "not_public_reason": draft.not_public_reason,
    }


@transaction.atomic
def reply_draft_save(
    *,
    actor,
    assignment: Assignment,
    text: str,
    result: str,
    publication: str = Publication.PUBLIC,
    summary: str = "",
    not_public_reason: str = "",
    publish_later: bool = False,
    contact_person: str = "",
    contact_phone: str = "",
    attachments: Sequence = (),
    replaces: Reply | None = None,
) -> ReplyDraft:
    """The clerk writes (or rewrites) the assignment's letter in preparation. Editing a draft
    returned for redo puts it back to 起草中; a signed draft waits for its reviewer and
    cannot be changed."""
    _require_clerk(actor, assignment)
    checked = _check_attachments(attachments)
    suggestion, assignment = _lock_assignment(assignment)
    if not assignment.answers_deputy:
        raise InvalidTransition(
            "协办单位不直接答复代表,请向主办单位提交协办意见", "co_handler_reply"
        )
    draft = (
        ReplyDraft.objects.select_for_update()
        .filter(assignment=assignment)
        .exclude(stage=Stage.RELEASED)
        .first()
    )
    if draft is None:
        _require_can_start(assignment, replaces)
    else:
        if draft.stage == Stage.SIGNED:
            raise InvalidTransition("该答复已签发,等待审核,不能修改", "already_signed")
        if draft.replaces_id != (replaces.pk if replaces else None):
            raise InvalidTransition("本交办已有一份起草中的答复,请先完成它", "other_draft_open")
    if result not in Reply.Result.values:
        raise InvalidTransition("请选择答复类别(A/B/C/D)", "bad_result")
    summary, not_public_reason = _clean_publication(publication, summary, not_public_reason)
    fields = {
        "text": _require_text(text, "答复内容"),
        "result": result,
        "publication": publication,
        "summary": summary,
        "not_public_reason": not_public_reason,
        "publish_later": bool(publish_later) and publication != Publication.PRIVATE,
        "contact_person": (contact_person or "").strip(),
        "contact_phone": (contact_phone or "").strip(),
    }
    from_stage = draft.stage if draft else ""
    if draft is None:
        draft = ReplyDraft.objects.create(
            assignment=assignment,
            round=assignment.round,
            replaces=replaces,
            created_by=actor,
            **fields,
        )
    else:
        for name, value in fields.items():
            setattr(draft, name, value)
        draft.version += 1
        draft.stage = Stage.DRAFTING
        draft.save()
    for upload, info in zip(attachments, checked, strict=True):
        attachment = Attachment(
            draft=draft,
            name=info.name,
            kind=info.kind,
            size=info.size,
            sha256=info.sha256,
            created_by=actor,
        )
        attachment.file.save(info.name, upload, save=False)
        attachment.save()
    _audit(
        actor=actor,
        action="reply.draft.save",
        suggestion=suggestion,
        assignment=assignment,
        from_state=from_stage,
        to_state=Stage.DRAFTING,
        data=_snapshot(draft) | {"attachments": [c.name for c in checked]},
    )
    return draft


def _require_can_start(assignment: Assignment, replaces: Reply | None) -> None:
    if replaces is None:
        if assignment.state == A.ASSIGNED:
            raise InvalidTransition("请先签收再答复", "not_accepted")
        if assignment.state != A.ACCEPTED:
            raise InvalidTransition("该交办已答复或已结束,不能重复答复", "already_replied")
        return
    _require_follow_up_target(assignment, replaces)


def _require_follow_up_target(assignment: Assignment, reply: Reply) -> None:
    if reply.superseded or reply.round != assignment.round or assignment.state != A.REPLIED:
        raise InvalidTransition("只能对当前有效的答复进行跟踪答复", "reply_not_current")
    if reply.result != Reply.Result.B:
        raise InvalidTransition("只有B类(正在解决或列入计划解决)答复需要跟踪答复", "not_b_class")


def reply_follow_up_draft(*, actor, reply: Reply, **fields) -> ReplyDraft:
    """跟踪办理: the letter that will supersede a B-class reply when the matter is solved; it
    is signed and reviewed like any reply."""
    _require_clerk(actor, reply.assignment)
    reply = Reply.objects.get(pk=reply.pk)
    _require_follow_up_target(reply.assignment, reply)
    fields.setdefault("contact_person", reply.contact_person)
    fields.setdefault("contact_phone", reply.contact_phone)
    return reply_draft_save(actor=actor, assignment=reply.assignment, replaces=reply, **fields)


# --- 签发 ---------------------------------------------------------------------------------


def _next_doc_number(unit: Unit, year: int) -> str:
    """The unit's next 文号 of the year. The counter row is locked until the signing commits:
    a concurrent signing waits for it, then reads the number this one took."""
    DocNumberCounter.objects.get_or_create(unit=unit, year=year)
    counter = (
        DocNumberCounter.objects.select_for_update()
        .select_related("unit")
        .get(unit=unit, year=year)
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.format(counter.last)


@transaction.atomic
def reply_sign(*, actor, draft: ReplyDraft, signed_on: date | None = None) -> ReplyDraft:
    """签发 by a user of the drafting unit with the signing right. Gives the 文号 (kept if a
    returned letter is signed again). Without review it releases the letter at once."""
    require_signer(actor, draft.assignment)
    suggestion, assignment, draft = _lock_draft(draft)
    if draft.stage in (Stage.SIGNED, Stage.RELEASED):
        raise InvalidTransition("该答复已签发,不能重复签发", "already_signed")
    if draft.stage == Stage.RETURNED:
        raise InvalidTransition("退回重办的答复须先修改,再签发", "returned_not_redone")
    if draft.replaces_id is None:
        if assignment.state != A.ACCEPTED:
            raise InvalidTransition("该交办已答复或已结束,不能签发", "assignment_not_open")
        earliest = _round_started_on(assignment)
        earliest_label = "重新办理开始日期" if assignment.round > 1 else "交办日期"
    else:
        _require_follow_up_target(assignment, draft.replaces)
        earliest, earliest_label = draft.replaces.replied_on, "原答复日期"
    _require_co_handler_opinions(assignment)
    signed_on = _require_event_day(
        signed_on, after=earliest, label="签发日期", after_label=earliest_label
    )
    if not draft.doc_number:
        draft.doc_number = _next_doc_number(assignment.unit, signed_on.year)
    draft.signed_by, draft.signed_on = actor, signed_on
    draft.needs_review = review_required(suggestion)
    draft.stage = Stage.SIGNED
    draft.save()
    _audit(
        actor=actor,
        action="reply.draft.sign",
        suggestion=suggestion,
        assignment=assignment,
        from_state=Stage.DRAFTING,
        to_state=Stage.SIGNED,
        data=_snapshot(draft) | {"doc_number": draft.doc_number},
        on=signed_on,
    )
    if not draft.needs_review:
        _release(
            actor=actor, suggestion=suggestion, assignment=assignment, draft=draft, on=signed_on
        )
    return draft


# --- review ---------------------------------------------------------------------------------


def _require_signed(draft: ReplyDraft) -> None:
    if draft.stage != Stage.SIGNED:
        raise InvalidTransition("只有已签发、待审核的答复可以审核", "not_awaiting_review")


@transaction.atomic
def reply_release(
    *,
    actor,
    draft: ReplyDraft,
    result: str = "",
    reason: str = "",
    released_on: date | None = None,
) -> Reply:
    """The reviewer releases a signed letter to the deputy, changing its class first if
    `result` differs (a reason is then required; the unit sees it)."""
    require_reviewer(actor, draft.assignment)
    suggestion, assignment, draft = _lock_draft(draft)
    _require_signed(draft)
    if result and result != draft.result:
        if result not in Reply.Result.values:
            raise InvalidTransition("请选择答复类别(A/B/C/D)", "bad_result")
        reason = _require_text(reason, "调整类别的理由")
        old = draft.result
        draft.result, draft.review_note = result, reason
        draft.save(update_fields=["result", "review_note"])
        _audit(
            actor=actor,
            action="reply.draft.reclass",
            suggestion=suggestion,
            assignment=assignment,
            from_state=old,
            to_state=result,
            reason=reason,
            data=_snapshot(draft),
        )
    return _release(
        actor=actor, suggestion=suggestion, assignment=assignment, draft=draft, on=released_on
    )


@transaction.atomic
def reply_return(*, actor, draft: ReplyDraft, reason: str) -> ReplyDraft:
    """退回重办: the signed letter goes back to the clerk with the reviewer's reason. It never
    reached the deputy and never appears anywhere but in its unit's file."""
    require_reviewer(actor, draft.assignment)
    suggestion, assignment, draft = _lock_draft(draft)
    _require_signed(draft)
    reason = _require_text(reason, "退回理由")
    draft.stage, draft.review_note = Stage.RETURNED, reason
    draft.save(update_fields=["stage", "review_note"])
    _audit(
        actor=actor,
        action="reply.draft.return",
        suggestion=suggestion,
        assignment=assignment,
        from_state=Stage.SIGNED,
        to_state=Stage.RETURNED,
        reason=reason,
        data=_snapshot(draft),
    )
    notify(
        recipients=unit_users(assignment.unit_id),
        kind="reply.returned",
        title=f"答复被退回重办:{suggestion.display_number}《{suggestion.title}》",
        body=f"退回理由:{reason}",
        url=reverse("inbox:assignment", args=[assignment.pk]),
        suggestion=suggestion,
        assignment=assignment,
    )
    return draft


# --- release --------------------------------------------------------------------------------


def _release(
    *, actor, suggestion: Suggestion, assignment: Assignment, draft: ReplyDraft, on: date | None
) -> Reply:
    """Write the Reply the deputy receives, dated on its release day, and everything that
    follows from it (the assignment answered, the deputy told, the suggestion replied)."""
    released_on = _require_event_day(
        on, after=draft.signed_on, label="发布日期", after_label="签发日期"
    )
    replaces = draft.replaces
    if replaces is None and assignment.state != A.ACCEPTED:
        raise InvalidTransition("该交办已答复或已结束,不能发布", "assignment_not_open")
    if replaces is not None:
        replaces = Reply.objects.select_for_update().get(pk=replaces.pk)
        _require_follow_up_target(assignment, replaces)
        replaces.superseded = True
        replaces.save(update_fields=["superseded"])
    public = draft.publication != Publication.PRIVATE
    publish_by = None
    if public:
        publish_by = deadlines.publication_due(
            released_on=released_on,
            working_days=settings.PORTAL.get("PUBLISH_WITHIN_WORKING_DAYS", 20),
            calendar=deadlines.WorkCalendar.load(),
        )
    reply = Reply.objects.create(
        assignment=assignment,
        round=draft.round,
        text=draft.text,
        result=draft.result,
        signer=draft.signed_by.display_name,
        signed_by=draft.signed_by,
        signed_on=draft.signed_on,
        doc_number=draft.doc_number,
        replied_on=released_on,
        is_public=public,
        publication=draft.publication,
        summary=draft.summary,
        not_public_reason=draft.not_public_reason,
        publish_on=(None if draft.publish_later else released_on) if public else None,
        publish_by=publish_by,
        contact_person=draft.contact_person,
        contact_phone=draft.contact_phone,
        created_by=draft.created_by,
    )
    draft.attachments.update(reply=reply)
    draft.stage, draft.reply = Stage.RELEASED, reply
    draft.save(update_fields=["stage", "reply"])
    names = list(draft.attachments.values_list("name", flat=True))
    if replaces is None:
        _mark_answered(
            actor=actor,
            suggestion=suggestion,
            assignment=assignment,
            action="reply.post",
            data={
                "reply": reply.pk,
                "draft": draft.pk,
                "version": draft.version,
                "result": reply.result,
                "round": reply.round,
                "doc_number": reply.doc_number,
                "attachments": names,
            },
            on=released_on,
        )
    else:
        _audit(
            actor=actor,
            action="reply.follow_up",
            suggestion=suggestion,
            assignment=assignment,
            data={
                "reply": reply.pk,
                "draft": draft.pk,
                "replaces": replaces.pk,
                "result": reply.result,
                "previous_result": replaces.result,
                "doc_number": reply.doc_number,
            },
            on=released_on,
        )
    # Released to the deputy: the one moment the deputy is told (and deliveries hook in).
    _deliver_reply(actor, reply)
    notices.reply_posted(reply)
    # A copy forwarded from an upper congress: the result goes back to it (分级处理).
    _report_to_sender(actor=actor, copy=suggestion, step="replied", reply=reply)
    if replaces is None:
        waiting = suggestion.assignments.filter(role__in=Assignment.ANSWERING_ROLES).exclude(
            state__in=[A.REPLIED, A.ENDED]
        )
        if suggestion.status == S.ASSIGNED and not waiting.exists():
            old = _set_status(suggestion, S.REPLIED)
            _audit(
                actor=actor,
                action="suggestion.replied",
                suggestion=suggestion,
                from_state=old,
                to_state=S.REPLIED,
                on=released_on,
            )
    return reply


# --- publication ----------------------------------------------------------------------------


@transaction.atomic
def reply_set_publish_day(*, actor, reply: Reply, publish_on: date | None = None) -> Reply:
    """Staff choose the day a public reply goes on the public page (today when not given):
    not before its release, not after its latest day (20 working days after release)."""
    if not getattr(actor, "is_committee_staff", False):
        raise NotPermitted("只有工作人员可以确定公开日期", "staff_only")
    suggestion, assignment = _lock_assignment(reply.assignment)
    reply = Reply.objects.select_for_update().get(pk=reply.pk)
    if not reply.is_public:
        raise InvalidTransition("该答复不公开", "not_public")
    day = publish_on or _today()
    if day < reply.replied_on:
        raise InvalidTransition(
            f"公开日期不能早于答复发布日期({reply.replied_on:%Y-%m-%d})", "before_release"
        )
    if reply.publish_by and day > reply.publish_by:
        raise InvalidTransition(
            f"公开日期不能晚于最迟公开日期({reply.publish_by:%Y-%m-%d})", "after_publish_by"
        )
    old = reply.publish_on
    reply.publish_on = day
    reply.save(update_fields=["publish_on"])
    _audit(
        actor=actor,
        action="reply.publish_day",
        suggestion=suggestion,
        assignment=assignment,
        data={
            "reply": reply.pk,
            "from": old.isoformat() if old else None,
            "to": day.isoformat(),
        },
    )
    return reply
