"""Reads of the ledger: a unit's (or every unit's) commitments, one page each in a fixed
number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q

from suggestions import access
from suggestions.models import Reply

from .models import Commitment, CommitmentNote

LEDGER_STATES = {
    "open": "待兑现",
    "late": "逾期未兑现",
    "done": "已兑现",
    "all": "全部",
}


def ledger(user, *, state: str, today, unit_id=None):
    qs = access.commitments_visible_to(user).select_related(
        "reply__assignment__suggestion", "reply__assignment__unit"
    )
    if unit_id:
        qs = qs.filter(reply__assignment__unit_id=unit_id)
    if state == "open":
        qs = qs.filter(completed_on__isnull=True, due_on__gte=today)
    elif state == "late":
        qs = qs.filter(completed_on__isnull=True, due_on__lt=today)
    elif state == "done":
        qs = qs.filter(completed_on__isnull=False)
    return qs.order_by("due_on", "id")


def ledger_counts(user, *, today, unit_id=None) -> dict:
    qs = access.commitments_visible_to(user)
    if unit_id:
        qs = qs.filter(reply__assignment__unit_id=unit_id)
    return qs.aggregate(
        open=Count("pk", filter=Q(completed_on__isnull=True, due_on__gte=today)),
        late=Count("pk", filter=Q(completed_on__isnull=True, due_on__lt=today)),
        done=Count("pk", filter=Q(completed_on__isnull=False)),
        all=Count("pk"),
    )


def commitment_page(user, pk) -> Commitment:
    qs = Commitment.objects.select_related(
        "reply__assignment__suggestion", "reply__assignment__unit"
    ).prefetch_related(
        Prefetch("notes", CommitmentNote.objects.order_by("noted_on", "id")), "evidence"
    )
    return access.commitment_for_user(user, pk, qs)


@dataclass
class ReplyCommitments:
    reply: Reply
    commitments: list
    all_done: bool
    can_follow_up: bool  # in force, B-class: workflow.reply_follow_up accepts it


def for_assignment(assignment, *, today) -> list[ReplyCommitments]:
    """The B/C replies of an assignment with their commitments (the assignment page's block):
    two queries."""
    replies = list(
        Reply.objects.filter(assignment=assignment, result__in=("B", "C"))
        .prefetch_related(Prefetch("commitments", Commitment.objects.order_by("due_on", "id")))
        .order_by("round", "replied_on", "id")
    )
    out = []
    for reply in replies:
        items = list(reply.commitments.all())
        for c in items:
            c.status_label = c.status(today)
        done = bool(items) and all(c.completed_on for c in items)
        out.append(
            ReplyCommitments(
                reply, items, done, done and not reply.superseded and reply.result == "B"
            )
        )
    return out
