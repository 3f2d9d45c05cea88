"""Every deputy answered (DESIGN.md §4a, §8): to whom a reply goes, and the record of it.

Owned by the workflow: `reply_deliver` is called by the workflow step that makes a reply
reach the deputies, right before `notices.reply_posted(reply)` (which reads the rows it
writes to decide who is told). Today that is the reply itself and its follow-up; with 签发
and review it is the release.

Who receives a reply, each once (the first role that names them wins):
1. the suggestion's lead deputy (领衔) — their verdicts are the reply's Feedback, the only
   ones the figures read;
2. each confirmed co-signer (联名; `CoSignature.COUNTED`) — informed, not asked; pending
   co-signers (待确认) and declined ones are not sent it;
3. the lead deputy of every suggestion merged into this one (并案), also through a chain
   of merges — each may give their own verdicts on their row, shown beside the lead's and
   never counted; their 不满意 does not reopen handling.
"""

from __future__ import annotations

from .models import CoSignature, DeliveryRole, Reply, ReplyDelivery, Suggestion


def recipients(suggestion: Suggestion) -> list[tuple[int, str, int]]:
    """(deputy id, role, the deputy's own suggestion id) for everyone a reply to this
    suggestion goes to, in the order above. One query per level of merges plus one."""
    found = [(suggestion.lead_deputy_id, DeliveryRole.LEAD, suggestion.pk)]
    seen = {suggestion.lead_deputy_id}
    for deputy_id in (
        CoSignature.objects.filter(suggestion=suggestion, state__in=CoSignature.COUNTED)
        .order_by("id")
        .values_list("deputy_id", flat=True)
    ):
        if deputy_id not in seen:
            seen.add(deputy_id)
            found.append((deputy_id, DeliveryRole.CO_SIGNER, suggestion.pk))
    level, visited = [suggestion.pk], {suggestion.pk}
    while level:
        merged = list(
            Suggestion.objects.filter(merged_into__in=level, status=Suggestion.Status.MERGED)
            .exclude(pk__in=visited)
            .order_by("id")
            .values_list("pk", "lead_deputy_id")
        )
        level = [pk for pk, _ in merged]
        visited.update(level)
        for pk, deputy_id in merged:
            if deputy_id not in seen:
                seen.add(deputy_id)
                found.append((deputy_id, DeliveryRole.MERGED, pk))
    return found


def reply_deliver(*, reply: Reply) -> list[ReplyDelivery]:
    """Record the reply as sent, on its day, to everyone `recipients` names. Inside the
    workflow's transaction; a reply is delivered once (a unique constraint)."""
    suggestion = reply.assignment.suggestion
    return ReplyDelivery.objects.bulk_create(
        [
            ReplyDelivery(
                reply=reply, deputy_id=deputy_id, role=role, via_id=via, sent_on=reply.replied_on
            )
            for deputy_id, role, via in recipients(suggestion)
        ]
    )
