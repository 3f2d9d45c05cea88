"""The rules demo data keeps that the database does not enforce by itself."""

from datetime import datetime, time

from deputies.models import Term
from suggestions.models import (
    Assignment,
    AuditEvent,
    Contact,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Opinion,
    ReassignmentRequest,
    Reply,
    RequestState,
    Suggestion,
)

from . import seeder
from .seeder import TERM_NAME, TZ, A, R, S

# --- the rules the data keeps ----------------------------------------------------------------


def problems(limit: int = 20, term_name: str = TERM_NAME) -> list[str]:
    """Every rule the demo data must keep that the database does not enforce by itself: the
    deadline history, replies behind every replied suggestion, the audit trail's state chains,
    numbering, dates. Returns at most `limit` descriptions; [] when all hold. A congress of the
    province demo: acting in it, with its term's name."""
    from collections import defaultdict

    term = Term.objects.get(name=term_name)
    out: list[str] = []

    def bad(message):
        if len(out) < limit:
            out.append(message)

    sugs = {
        row[0]: row
        for row in Suggestion.objects.filter(term=term).values_list(
            "id", "status", "number", "submitted_on", "registered_on", "closed_on"
        )
    }
    latest_deadline = {}
    for aid, new in (
        DeadlineChange.objects.filter(assignment__suggestion__term=term)
        .order_by("created_at", "id")
        .values_list("assignment_id", "new_deadline")
    ):
        latest_deadline[aid] = new
    in_force = {}
    for aid, rnd, day in Reply.objects.filter(
        assignment__suggestion__term=term, superseded=False
    ).values_list("assignment_id", "round", "replied_on"):
        if (aid, rnd) in in_force:
            bad(f"assignment {aid}: two replies in force for round {rnd}")
        in_force[aid, rnd] = day
    opinions = set(
        Opinion.objects.filter(assignment__suggestion__term=term).values_list(
            "assignment_id", flat=True
        )
    )
    by_suggestion = defaultdict(list)
    states = {}
    waived = set(
        Assignment.objects.filter(
            suggestion__term=term, opinion_waived_on__isnull=False
        ).values_list("id", flat=True)
    )
    for aid, sid, role, state, rnd, deadline, assigned_on, accepted_on in Assignment.objects.filter(
        suggestion__term=term
    ).values_list(
        "id", "suggestion_id", "role", "state", "round", "deadline", "assigned_on", "accepted_on"
    ):
        by_suggestion[sid].append((aid, role, state, rnd))
        states[aid] = state
        if latest_deadline.get(aid) != deadline:
            bad(f"assignment {aid}: deadline {deadline} is not its latest deadline change")
        if assigned_on > seeder.REFERENCE_DATE or (accepted_on and accepted_on < assigned_on):
            bad(f"assignment {aid}: dates out of order")
        answered = (aid, rnd) in in_force if role != R.CO else aid in opinions
        if state == A.REPLIED and not answered:
            bad(f"assignment {aid}: replied without a reply or opinion")
        if state in (A.ASSIGNED, A.ACCEPTED) and role != R.CO and answered:
            bad(f"assignment {aid}: open but has a reply for round {rnd}")
    for sid, (_, status, _number, submitted_on, registered_on, closed_on) in sugs.items():
        answering = [a for a in by_suggestion[sid] if a[1] != R.CO and a[2] != A.ENDED]
        replied = [a for a in answering if (a[0], a[3]) in in_force]
        if status in (S.REPLIED, S.CLOSED) and (not answering or len(replied) != len(answering)):
            bad(f"suggestion {sid} ({status}): a lead or split assignment has no reply")
        if status == S.ASSIGNED and (not answering or len(replied) == len(answering)):
            bad(f"suggestion {sid} (assigned): nothing left to answer")
        # Co-handlers first (DESIGN.md §8): no lead reply while a co-handler owes its opinion.
        owing = [
            a[0]
            for a in by_suggestion[sid]
            if a[1] == R.CO and a[2] in (A.ASSIGNED, A.ACCEPTED) and a[0] not in waived
        ]
        if replied and owing:
            bad(f"suggestion {sid}: a lead replied while co-handler {owing[0]} owes its opinion")
        if status in (S.DRAFT,) and by_suggestion[sid]:
            bad(f"suggestion {sid}: a draft with assignments")
        if registered_on and submitted_on and registered_on < submitted_on:
            bad(f"suggestion {sid}: registered before submission")
        if closed_on and closed_on > seeder.REFERENCE_DATE:
            bad(f"suggestion {sid}: closed in the future")
    numbers = sorted(row[2] for row in sugs.values() if row[2] is not None)
    if numbers != list(range(1, len(numbers) + 1)):
        bad("suggestion numbers are not 1..N")
    by_number = sorted((row[2], row[3]) for row in sugs.values() if row[2] is not None)
    if any(a[1] > b[1] for a, b in zip(by_number, by_number[1:], strict=False)):
        bad("suggestion numbers do not follow the order of submission")
    for model in (ReassignmentRequest, ExtensionRequest):
        for aid in model.objects.filter(
            assignment__suggestion__term=term, state=RequestState.PENDING
        ).values_list("assignment_id", flat=True):
            if states[aid] not in (A.ASSIGNED, A.ACCEPTED):
                bad(f"{model.__name__} pending on closed assignment {aid}")
    for fid, given, replied_on in Feedback.objects.filter(deputy__term=term).values_list(
        "id", "given_on", "reply__replied_on"
    ):
        if given < replied_on or given > seeder.REFERENCE_DATE:
            bad(f"feedback {fid}: given on {given}, reply of {replied_on}")
    for cid, day, assigned_on in Contact.objects.filter(
        assignment__suggestion__term=term
    ).values_list("id", "contacted_on", "assignment__assigned_on"):
        if day < assigned_on or day > seeder.REFERENCE_DATE:
            bad(f"contact {cid}: dated {day}, assignment of {assigned_on}")

    # The audit trail: each object's from/to states chain up to its current state.
    chain_s, chain_a = {}, {}
    last_day = datetime.combine(seeder.REFERENCE_DATE, time.max, tzinfo=TZ)
    for sid, aid, action, frm, to, at in (
        AuditEvent.objects.filter(suggestion__term=term)
        .order_by("at", "id")
        .values_list("suggestion_id", "assignment_id", "action", "from_state", "to_state", "at")
    ):
        if at > last_day:
            bad(f"event {action} of suggestion {sid} after the reference date")
        if not to:
            continue
        chain, key = (chain_a, aid) if aid else (chain_s, sid)
        if chain.get(key, "") != frm:
            bad(
                f"{action} on {'assignment' if aid else 'suggestion'} {key}: from {frm!r}, "
                f"but it was {chain.get(key, '')!r}"
            )
        chain[key] = to
    for sid, row in sugs.items():
        if chain_s.get(sid) != row[1]:
            bad(f"suggestion {sid}: events end in {chain_s.get(sid)!r}, status is {row[1]!r}")
    for aid, state in states.items():
        if chain_a.get(aid) != state:
            bad(f"assignment {aid}: events end in {chain_a.get(aid)!r}, state is {state!r}")
    return out
