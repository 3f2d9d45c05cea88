"""Writes of stored figures: complete days, and the job that keeps them current.

1. `rollups_compute_all` stores a complete day: every scope of every term as of that day,
   then the term's `RollupDay`, which says the set is whole and which events it reflects (the
   highest event id read before computing). The nightly job closes yesterday and stores
   today; `compute_rollups --as-of DATE` stores any day.
2. `rollups_refresh` is the watermark job (every `ROLLUP_DEBOUNCE_SECONDS`): it reads the
   audit events above its watermark (rollups.changes), recomputes the scopes they touch on
   every stored day they change, stores today completely if it is not stored yet, and
   advances the watermarks. Every write of the portal leaves an audit event, so every write
   reaches the stored figures, and no writer has to ask for it.
Both count the dated facts (rollups.facts), first brought up to the audit trail for the
suggestions changed since (`facts.sync`): the Python derivation follows the changes, and
each scope's counts are SQL over the stored facts.
Every row is upserted on (scope_kind, scope_key, day), so a rerun or a concurrent run only
rewrites the same numbers. Rows are computed outside any transaction and written in one short
one, so a reader sees a day's rows from one computation.
Each job works in one congress (DESIGN.md §11): acting in it, every read is narrowed to its
suggestions, stored days and watermark, and every row written is its own; called outside one
(a command, a test), it runs for each active congress in turn (congresses.runs).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from congresses import context
from congresses.runs import in_each_congress
from suggestions import figures
from suggestions.models import Assignment, AuditEvent, Suggestion

from . import changes, facts
from .models import Rollup, RollupDay, RollupWatermark, ScopeKind
from .scopes import figures_to_json, scope_for, scope_key, unit_row_to_json

logger = logging.getLogger(__name__)

ANSWERING_ROLES = tuple(str(r) for r in Assignment.ANSWERING_ROLES)
# A run that dies keeps the claim this long (the task's time limit), then the next run goes.
LEASE = timedelta(minutes=30)


# --- which scopes ----------------------------------------------------------------------------


def _scopes_of_suggestions(suggestions, assignments) -> dict[int, set]:
    """{term id: {(kind, key)}} for suggestion rows (term, meeting, channel, category) and
    answering assignment rows (term, unit, unit system)."""
    scopes = defaultdict(set)
    for term_id, meeting_id, channel, category_id in suggestions:
        scopes[term_id].add((ScopeKind.TERM, scope_key(term_id)))
        scopes[term_id].add((ScopeKind.CHANNEL, scope_key(term_id, channel)))
        if meeting_id is not None:
            scopes[term_id].add((ScopeKind.MEETING, scope_key(term_id, meeting_id)))
        if category_id is not None:
            scopes[term_id].add((ScopeKind.CATEGORY, scope_key(term_id, category_id)))
    for term_id, unit_id, system in assignments:
        scopes[term_id].add((ScopeKind.UNIT, scope_key(term_id, unit_id)))
        scopes[term_id].add((ScopeKind.SYSTEM, scope_key(term_id, system)))
    return scopes


def _scopes(suggestions, assignments) -> dict[int, set]:
    return _scopes_of_suggestions(
        suggestions.values_list("term_id", "meeting_id", "channel", "category_id")
        .distinct()
        .order_by(),
        assignments.filter(role__in=ANSWERING_ROLES)
        .values_list("suggestion__term_id", "unit_id", "unit__system")
        .distinct()
        .order_by(),
    )


def scopes_all(term_ids=None) -> dict[int, set]:
    """Every scope with suggestions in it (of the given terms): two DISTINCT queries. The
    suggestions are the congress's acted in (their manager), the assignments theirs."""
    suggestions, assignments = Suggestion.objects.all(), Assignment.objects.all()
    if context.current_id() is not None:
        # The assignment's own copy of its suggestion's congress: one congress's rows, not
        # every congress's joined to their suggestions.
        assignments = assignments.filter(congress_id=context.current_id())
    if term_ids is not None:
        suggestions = suggestions.filter(term_id__in=term_ids)
        assignments = assignments.filter(suggestion__term_id__in=term_ids)
    return _scopes(suggestions, assignments)


def scopes_of(suggestion_ids) -> dict[int, set]:
    return _scopes(
        Suggestion.objects.filter(pk__in=suggestion_ids),
        Assignment.objects.filter(suggestion_id__in=suggestion_ids),
    )


# --- compute and upsert ----------------------------------------------------------------------


def _rows(*, term_id: int, keys, as_of: date, now) -> list[Rollup]:
    """The rows of some scopes of one term as of a day, from one load of the term."""
    wanted = {(kind, key): scope_for(kind, key) for kind, key in sorted(keys)}
    whole = figures.Scope(term=term_id)
    _, computed, unit_rows = facts.compute_many(
        scope=whole, within=list(wanted.values()), as_of=as_of
    )
    by_unit = {r.unit_id: r for r in unit_rows}
    rows = []
    for (kind, key), scope in wanted.items():
        unit_row = by_unit.get(scope.unit) if kind == ScopeKind.UNIT else None
        rows.append(
            Rollup(
                scope_kind=kind,
                scope_key=key,
                term_id=term_id,
                day=as_of,
                figures=figures_to_json(computed[scope]),
                unit_row=unit_row_to_json(unit_row) if unit_row else None,
                computed_at=now,
            )
        )
    return rows


def _write(rows: list[Rollup], days: list[RollupDay]) -> None:
    """Upsert the rows and their days in one transaction."""
    with transaction.atomic():
        Rollup.objects.bulk_create(
            rows,
            batch_size=500,
            update_conflicts=True,
            unique_fields=["congress", "scope_kind", "scope_key", "day"],
            update_fields=["term", "figures", "unit_row", "computed_at"],
        )
        RollupDay.objects.bulk_create(
            days,
            update_conflicts=True,
            unique_fields=["term", "day"],
            update_fields=["computed_at", "seen_to"],
        )


@in_each_congress
def rollups_compute_all(*, as_of: date, term_ids=None) -> int:
    """A complete day: every scope of every term (or of `term_ids`) of the congress as of
    `as_of`."""
    top = changes.highest_event_id()  # read first: the rows reflect at least these events
    now = timezone.now()
    facts.sync(now=now)  # the figures are counted from the dated facts (rollups.facts)
    rows, days = [], []
    for term_id, keys in scopes_all(term_ids).items():
        rows += _rows(term_id=term_id, keys=keys, as_of=as_of, now=now)
        days.append(RollupDay(term_id=term_id, day=as_of, computed_at=now, seen_to=top))
    _write(rows, days)
    return len(rows)


def month_ends(*, as_of: date, months: int) -> list[date]:
    """The last day of each of the `months` months before the month of `as_of`, oldest first."""
    days, day = [], as_of.replace(day=1)
    for _ in range(months):
        day -= timedelta(days=1)  # the last day of the month before
        days.append(day)
        day = day.replace(day=1)
    return days[::-1]


def rollups_compute_history(*, as_of: date, months: int) -> int:
    """`as_of` and the month-end days before it (the monthly trend reads one stored day per
    month): what `make run` stores after seeding, so the demo's trend has a history."""
    return sum(
        rollups_compute_all(as_of=day) for day in [*month_ends(as_of=as_of, months=months), as_of]
    )


@in_each_congress
def rollups_nightly(*, today: date | None = None) -> int:
    """Closes yesterday (every event of it is in now) and stores today's starting point."""
    today = today or timezone.localdate()
    return rollups_compute_all(as_of=today - timedelta(days=1)) + rollups_compute_all(as_of=today)


# --- the watermark job -----------------------------------------------------------------------


@in_each_congress
def rollups_refresh(*, today: date | None = None, now=None) -> int:
    """Bring the congress's stored days up to the audit trail; returns the number of rows
    written.

    1. Claim the run (a conditional update of the congress's watermark's lease): a run that
       finds it taken does nothing.
    2. Read the events above the watermark, and those in its gaps, up to the highest id now:
       every congress's ids move the watermark, the congress's own suggestions' events are
       the ones that change its days.
    3. Per term: the stored days those events change (`changes.stale_days`) get the scopes of
       the changed suggestions recomputed (all scopes, after a retroactive correction).
    4. Today is stored completely for every term that has no stored today yet.
    5. Every stored day read in 3 and the watermark move up to that highest id; the ids not
       visible below it are kept as gaps to read again.
    """
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    congress_id = context.current_id()
    RollupWatermark.objects.get_or_create(congress_id=congress_id)
    watermark = RollupWatermark.objects.filter(congress_id=congress_id)
    claimed = watermark.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).update(
        lease_until=now + LEASE
    )
    if not claimed:
        return 0
    try:
        mark = watermark.get()
        top = changes.highest_event_id()
        facts.sync(now=now)  # the changed suggestions' dated facts: what the rows count
        unread = changes.unread_q(mark) & Q(id__lte=top)
        read = list(AuditEvent.objects.filter(unread).order_by().values_list("id", flat=True))
        events = changes.load_events(unread & Q(suggestion__congress_id=congress_id))
        by_term = defaultdict(list)
        for event in events:
            by_term[event.term_id].append(event)
        known = defaultdict(dict)
        known_ids = []
        for pk, term_id, day, seen_to in RollupDay.objects.values_list(
            "pk", "term_id", "day", "seen_to"
        ):
            known[term_id][day] = seen_to
            known_ids.append(pk)

        written = 0
        for term_id, term_events in by_term.items():
            stale = changes.stale_days(term_events, days=known[term_id], gaps=mark.gaps)
            if not stale:
                continue
            if any(changes.is_retroactive(e) for e in term_events):
                keys = scopes_all([term_id]).get(term_id, set())
            else:
                keys = scopes_of({e.suggestion_id for e in term_events}).get(term_id, set())
            for day in sorted(stale):
                rows = _rows(term_id=term_id, keys=keys, as_of=day, now=now)
                _write(rows, [RollupDay(term_id=term_id, day=day, computed_at=now, seen_to=top)])
                written += len(rows)
            logger.info("Rollups: term %s, %d stored days recomputed", term_id, len(stale))

        with_today = set(RollupDay.objects.filter(day=today).values_list("term_id", flat=True))
        missing = set(Suggestion.objects.values_list("term_id", flat=True).distinct()) - with_today
        if missing:
            written += rollups_compute_all(as_of=today, term_ids=sorted(missing))

        with transaction.atomic():
            RollupDay.objects.filter(pk__in=known_ids, seen_to__lt=top).update(
                seen_to=top, computed_at=now
            )
            watermark.update(
                seen_to=max(mark.seen_to, top),
                gaps=changes.gaps_after(mark, read=read, top=top, now=now),
                ran_at=now,
                lease_until=None,
            )
        return written
    except Exception:
        watermark.update(lease_until=None)
        raise
