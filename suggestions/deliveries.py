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
    # A copy forwarded from an upper congress has no deputy here: its result goes back to
    # that congress instead (workflow._report_to_sender).
    found = []
    if suggestion.lead_deputy_id is not None:
        found.append((suggestion.lead_deputy_id, DeliveryRole.LEAD, suggestion.pk))
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


def deliveries_record_missing(*, replies=None) -> int:
    """Bulk `reply_deliver` for replies written in bulk without their deliveries (the demo
    seeder; migration 0012 did the same for the replies before deliveries existed): the same
    recipients, in a handful of queries whatever the number of replies. Returns rows made."""
    replies = Reply.objects.all() if replies is None else replies
    replies = replies.filter(deliveries__isnull=True)
    merged_from: dict[int, list[tuple[int, int]]] = {}
    for pk, into, lead in Suggestion.objects.filter(status=Suggestion.Status.MERGED).values_list(
        "pk", "merged_into_id", "lead_deputy_id"
    ):
        merged_from.setdefault(into, []).append((pk, lead))
    made, after = 0, 0
    while True:
        # By id, a batch at a time, each read whole before its rows are written.
        batch = list(
            replies.filter(pk__gt=after)
            .order_by("pk")
            .values_list(
                "pk",
                "replied_on",
                "assignment__suggestion_id",
                "assignment__suggestion__lead_deputy_id",
            )[:BATCH]
        )
        if not batch:
            return made
        suggestions = replies.filter(pk__gt=after, pk__lte=batch[-1][0]).values(
            "assignment__suggestion_id"
        )
        made += _deliver_batch(batch, suggestions, merged_from)
        after = batch[-1][0]


BATCH = 5000  # replies per round: a million replies never stand in memory at once


def _deliver_batch(batch, suggestions, merged_from) -> int:
    co_signers: dict[int, list[int]] = {}
    for suggestion_id, deputy_id in (
        CoSignature.objects.filter(state__in=CoSignature.COUNTED, suggestion_id__in=suggestions)
        .order_by("id")
        .values_list("suggestion_id", "deputy_id")
    ):
        co_signers.setdefault(suggestion_id, []).append(deputy_id)
    rows = []
    for reply_id, day, suggestion_id, lead_id in batch:
        seen = {lead_id}
        found = [(lead_id, DeliveryRole.LEAD, suggestion_id)] if lead_id is not None else []
        for deputy_id in co_signers.get(suggestion_id, []):
            if deputy_id not in seen:
                seen.add(deputy_id)
                found.append((deputy_id, DeliveryRole.CO_SIGNER, suggestion_id))
        queue, visited = [suggestion_id], {suggestion_id}
        while queue:
            for merged_id, merged_lead in merged_from.get(queue.pop(0), []):
                if merged_id in visited:
                    continue
                visited.add(merged_id)
                queue.append(merged_id)
                if merged_lead not in seen:
                    seen.add(merged_lead)
                    found.append((merged_lead, DeliveryRole.MERGED, merged_id))
        rows += [
            ReplyDelivery(reply_id=reply_id, deputy_id=d, role=role, via_id=via, sent_on=day)
            for d, role, via in found
        ]
    ReplyDelivery.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
