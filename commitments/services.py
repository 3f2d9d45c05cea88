"""Writes of the commitments ledger (DESIGN.md §10): one transaction each, refusals as the
workflow's errors with a Chinese message. Only the reply's own unit writes; staff and
leaders read.

A commitment belongs to a B- or C-class reply in force; it is added after the reply, noted
on, and completed once with the day it was done and evidence (reply attachment rules).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from suggestions import dates
from suggestions.models import Reply
from suggestions.workflow import (
    InvalidTransition,
    NotPermitted,
    _check_attachments,
    _require_event_day,
    _require_text,
)

from .models import Commitment, CommitmentNote, Evidence

COMMITTING_RESULTS = (Reply.Result.B, Reply.Result.C)


def _require_own_unit(actor, reply: Reply) -> None:
    if not (getattr(actor, "is_unit_user", False) and actor.unit_id == reply.assignment.unit_id):
        raise NotPermitted("只有答复单位可以登记承诺事项", "not_this_unit")


@transaction.atomic
def commitment_add(*, actor, reply: Reply, what: str, due_on: date, responsible: str) -> Commitment:
    reply = Reply.objects.select_for_update().select_related("assignment").get(pk=reply.pk)
    _require_own_unit(actor, reply)
    if reply.result not in COMMITTING_RESULTS:
        raise InvalidTransition("只有B类、C类答复需要登记承诺事项", "not_committing_result")
    if reply.superseded:
        raise InvalidTransition("该答复已被跟踪答复替代,请在新的答复下登记", "reply_superseded")
    if due_on < reply.replied_on:
        raise InvalidTransition(
            f"承诺完成日期不能早于答复日期({reply.replied_on:%Y-%m-%d})", "due_before_reply"
        )
    return Commitment.objects.create(
        reply=reply,
        what=_require_text(what, "承诺事项"),
        due_on=due_on,
        responsible=_require_text(responsible, "责任人"),
        entered_on=dates.today(),
        created_by=actor,
    )


def _lock(commitment: Commitment) -> Commitment:
    return (
        Commitment.objects.select_for_update()
        .select_related("reply__assignment")
        .get(pk=commitment.pk)
    )


@transaction.atomic
def commitment_note(
    *, actor, commitment: Commitment, text: str, noted_on: date | None = None
) -> CommitmentNote:
    current = _lock(commitment)
    _require_own_unit(actor, current.reply)
    if current.completed_on is not None:
        raise InvalidTransition("该承诺事项已兑现,不能再记录进展", "already_done")
    noted_on = _require_event_day(
        noted_on, after=current.reply.replied_on, label="进展日期", after_label="答复日期"
    )
    return CommitmentNote.objects.create(
        commitment=current,
        text=_require_text(text, "进展情况"),
        noted_on=noted_on,
        created_by=actor,
    )


@transaction.atomic
def commitment_complete(
    *,
    actor,
    commitment: Commitment,
    note: str,
    completed_on: date | None = None,
    evidence: Sequence = (),
) -> Commitment:
    """兑现: the day it was done (a past day, not before the reply) and at least one file."""
    checked = _check_attachments(evidence)
    current = _lock(commitment)
    _require_own_unit(actor, current.reply)
    if current.completed_on is not None:
        raise InvalidTransition("该承诺事项已兑现", "already_done")
    if not evidence:
        raise InvalidTransition("请上传兑现的佐证材料", "missing_evidence")
    completed_on = _require_event_day(
        completed_on, after=current.reply.replied_on, label="完成日期", after_label="答复日期"
    )
    current.completed_on = completed_on
    current.completion_entered_on = dates.today()
    current.completion_note = _require_text(note, "完成情况")
    current.completed_by = actor
    current.save(
        update_fields=["completed_on", "completion_entered_on", "completion_note", "completed_by"]
    )
    for upload, info in zip(evidence, checked, strict=True):
        row = Evidence(
            commitment=current,
            name=info.name,
            kind=info.kind,
            size=info.size,
            sha256=info.sha256,
            created_by=actor,
        )
        row.file.save(info.name, upload, save=False)
        row.save()
    return current


def all_done(reply: Reply) -> bool:
    """Every commitment of the reply is completed (and it has some): the unit is prompted
    to send the follow-up reply (workflow.reply_follow_up), and the class may move."""
    counts = list(reply.commitments.values_list("completed_on", flat=True))
    return bool(counts) and all(day is not None for day in counts)
