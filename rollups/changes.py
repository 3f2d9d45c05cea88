"""What the audit trail says has changed since the stored figures were computed (DESIGN.md §7).

Every write leaves an `AuditEvent` beside its rows: pages, API and admin through the workflow,
Excel imports and the demo seeder in bulk, commands through the workflow. So the audit trail
itself tells which suggestions, and which stored days, have changed; no writer has to mark
anything for the rollups.

- The rollup job records how far it has read (`RollupWatermark.seen_to`, the highest event id
  it has processed) and the id ranges below that it could not see yet (`gaps`: a transaction
  still open when it passed, or one rolled back). Each stored day records the highest event
  id it reflects (`RollupDay.seen_to`).
- An event changes the stored days from `affects_from(event)` on: the day it happened
  (`event_day`), or every day for a correction of what figures read as it is today (the
  category, channel, meeting or date of submission of a suggestion).
- A stored day is current when no event it does not reflect changes it (`stale_days`):
  dashboards compute live otherwise, and the job recomputes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, Max, Min, Q, Window
from django.db.models.functions import Lead
from django.utils import timezone

from suggestions.models import AuditEvent, Feedback, Reply

from .models import RollupWatermark

# A gap older than this is a rolled-back transaction, not an open one: longer than any task
# may run (CELERY_TASK_TIME_LIMIT is 30 minutes) and far longer than any request.
GAP_SETTLE = timedelta(hours=1)

# Corrections of these fields change which scopes a suggestion is in, or its 提出 date, on
# every day: figures read them as they are today.
RETROACTIVE_FIELDS = frozenset({"term", "meeting", "channel", "category", "submitted_on"})

# Events whose day is the date on the row they recorded (interim: see `event_day`).
_ROW_DAY = {
    "reply.post": "reply",
    "reply.follow_up": "reply",
    "feedback.record": "feedback",
    "assignment.create": "assigned_on",
    "assignment.end": "ended_on",
    "suggestion.create": "submitted_on",
    "suggestion.submit": "submitted_on",
    "suggestion.close": "closed_on",
}


@dataclass(frozen=True)
class ChangeEvent:
    """What the rollups need of one audit event."""

    id: int
    suggestion_id: int
    term_id: int
    action: str
    entered_on: date  # the local day it was entered (AuditEvent.at)
    data: dict
    row_day: date | None = None  # the date on the row it recorded (reply, feedback, …)
    happened_on: date | None = None  # the day a person said it happened (AuditEvent.happened_on)


def event_day(event: ChangeEvent) -> date:
    """The day an event happened (DESIGN.md §7): the one place that decides it.

    The day recorded on the event when a step was entered later (`AuditEvent.happened_on`);
    otherwise, for events recorded without one, the date the event's data or the row it
    recorded carries (a reply's replied_on, a feedback's given_on, an assignment's
    assigned_on or ended_on, …), never later than the day it was entered.
    """
    if event.happened_on is not None:
        return event.happened_on
    days = [event.entered_on]
    if event.row_day is not None:
        days.append(event.row_day)
    carried = event.data.get("date") if isinstance(event.data, dict) else None
    if isinstance(carried, str):
        try:
            days.append(date.fromisoformat(carried))
        except ValueError:
            pass
    return min(days)


def is_retroactive(event: ChangeEvent) -> bool:
    changes = event.data.get("changes") if isinstance(event.data, dict) else None
    return event.action == "suggestion.update" and bool(RETROACTIVE_FIELDS & set(changes or ()))


def affects_from(event: ChangeEvent) -> date:
    """The first day whose figures the event can change."""
    return date.min if is_retroactive(event) else event_day(event)


@dataclass(frozen=True)
class Mark:
    """A watermark's reading position alone (`seen_to`, `gaps`): a model row would ask the
    database for its congress's default just to be built."""

    seen_to: int = 0
    gaps: list = ()


def unread_q(mark: RollupWatermark | Mark, *, since: int | None = None) -> Q:
    """Events above `since` (default: the job's watermark) or in the gaps it could not read."""
    q = Q(id__gt=mark.seen_to if since is None else since)
    for low, high, _ in mark.gaps:
        q |= Q(id__gte=low, id__lte=high)
    return q


def load_events(q: Q) -> list[ChangeEvent]:
    """The events matching `q`, oldest first, with the dates `event_day` reads: one query,
    plus one each for replies and feedback when some events recorded them."""
    rows = list(
        AuditEvent.objects.filter(q)
        .order_by("id")
        .values_list(
            "id",
            "suggestion_id",
            "suggestion__term_id",
            "action",
            "at",
            "happened_on",
            "data",
            "assignment__assigned_on",
            "assignment__ended_on",
            "suggestion__submitted_on",
            "suggestion__closed_on",
        )
    )
    wanted = {"reply": set(), "feedback": set()}
    for row in rows:
        source = _ROW_DAY.get(row[3])
        if source in wanted and isinstance(row[6], dict) and isinstance(row[6].get(source), int):
            wanted[source].add(row[6][source])
    found = {
        "reply": dict(Reply.objects.filter(pk__in=wanted["reply"]).values_list("pk", "replied_on"))
        if wanted["reply"]
        else {},
        "feedback": dict(
            Feedback.objects.filter(pk__in=wanted["feedback"]).values_list("pk", "given_on")
        )
        if wanted["feedback"]
        else {},
    }
    events = []
    for (
        id_,
        suggestion_id,
        term_id,
        action,
        at,
        happened_on,
        data,
        assigned_on,
        ended_on,
        submitted_on,
        closed_on,
    ) in rows:
        data = data if isinstance(data, dict) else {}
        source = _ROW_DAY.get(action)
        row_day = {
            "assigned_on": assigned_on,
            "ended_on": ended_on,
            "submitted_on": submitted_on,
            "closed_on": closed_on,
        }.get(source)
        if source in found:
            row_day = found[source].get(data.get(source))
        events.append(
            ChangeEvent(
                id=id_,
                suggestion_id=suggestion_id,
                term_id=term_id,
                action=action,
                entered_on=timezone.localdate(at),
                data=data,
                row_day=row_day,
                happened_on=happened_on,
            )
        )
    return events


def in_gaps(event_id: int, gaps: list) -> bool:
    return any(low <= event_id <= high for low, high, _ in gaps)


def stale_days(events: Iterable[ChangeEvent], *, days: dict, gaps: list) -> set:
    """The stored days (day → the highest event id it reflects) that an event they do not
    reflect changes. An event in a gap counts for every day: it was not visible when the
    job read past it, so no day may be trusted to hold it."""
    stale = set()
    for event in events:
        first = affects_from(event)
        gap = in_gaps(event.id, gaps)
        stale.update(d for d, seen_to in days.items() if d >= first and (gap or event.id > seen_to))
    return stale


def highest_event_id() -> int:
    return AuditEvent.objects.aggregate(top=Max("id"))["top"] or 0


def gaps_after(mark: RollupWatermark | Mark, *, read: Iterable[int], top: int, now) -> list:
    """The gaps left after reading the ids `read` up to `top`: the old gaps minus what is now
    read, plus the ids above the watermark that were not visible, dropping gaps older than
    GAP_SETTLE (rolled back, never to appear)."""
    read = set(read)
    gaps = []

    def add(low, high, since):
        missing = [i for i in range(low, high + 1) if i not in read]
        # Contiguous runs of what is still missing, each keeping its first-seen time.
        start = prev = None
        for i in missing:
            if start is None:
                start = prev = i
            elif i == prev + 1:
                prev = i
            else:
                gaps.append([start, prev, since])
                start = prev = i
        if start is not None:
            gaps.append([start, prev, since])

    settle = (now - GAP_SETTLE).isoformat()
    for low, high, since in mark.gaps:
        if since >= settle:
            add(low, high, since)
    if top > mark.seen_to:
        add(mark.seen_to + 1, top, now.isoformat())
    return gaps


def gaps_below(top: int, *, now) -> list:
    """The gaps of a first reading of every id up to `top`: `gaps_after(Mark(), read=every
    visible id, top=top)`, found by the database (each visible id followed by one more than
    the next), so a first sync does not bring every congress's event ids into Python."""
    if top <= 0:
        return []
    since = now.isoformat()
    visible = AuditEvent.objects.filter(id__lte=top)
    lowest = visible.aggregate(low=Min("id"))["low"]
    if lowest is None:
        return [[1, top, since]]
    gaps = [[1, lowest - 1, since]] if lowest > 1 else []
    followed = (
        visible.annotate(next_id=Window(Lead("id"), order_by=F("id").asc()))
        .filter(Q(next_id__gt=F("id") + 1) | Q(next_id__isnull=True))
        .order_by("id")
        .values_list("id", "next_id")
    )
    for low, next_id in followed:
        high = top if next_id is None else next_id - 1
        if high > low:
            gaps.append([low + 1, high, since])
    return gaps
