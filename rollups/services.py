"""Writes of stored figures: the full rollup, the incremental (debounced) one, and the hook
the workflow calls on every change.

1. `rollup_mark_changed` (from suggestions.workflow._audit, inside the change's transaction)
   records the suggestion and, once the transaction commits, `rollup_schedule` queues one
   recompute `ROLLUP_DEBOUNCE_SECONDS` later unless one is already waiting (a conditional
   update on the single `RollupSchedule` row decides).
2. `rollups_recompute_changed` recomputes, as of today, the scopes of the suggestions changed
   since, then deletes the change rows it consumed.
3. `rollups_compute_all` recomputes every scope of every term as of a day; the nightly job
   closes yesterday and stores today.
Every row is upserted on (scope_kind, scope_key, day), so a rerun or a concurrent run only
rewrites the same numbers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from suggestions import figures
from suggestions.models import Assignment, Suggestion

from .models import Rollup, RollupChange, RollupSchedule, ScopeKind
from .scopes import figures_to_json, scope_for, scope_key, unit_row_to_json

logger = logging.getLogger(__name__)

ANSWERING_ROLES = tuple(str(r) for r in Assignment.ANSWERING_ROLES)


# --- which scopes ----------------------------------------------------------------------------


def _scopes_of_suggestions(suggestions, assignments) -> dict[int, set]:
    """{term id: {(kind, key)}} for suggestion rows (term, meeting, channel, category) and
    answering assignment rows (term, unit)."""
    scopes = defaultdict(set)
    for term_id, meeting_id, channel, category_id in suggestions:
        scopes[term_id].add((ScopeKind.TERM, scope_key(term_id)))
        scopes[term_id].add((ScopeKind.CHANNEL, scope_key(term_id, channel)))
        if meeting_id is not None:
            scopes[term_id].add((ScopeKind.MEETING, scope_key(term_id, meeting_id)))
        if category_id is not None:
            scopes[term_id].add((ScopeKind.CATEGORY, scope_key(term_id, category_id)))
    for term_id, unit_id in assignments:
        scopes[term_id].add((ScopeKind.UNIT, scope_key(term_id, unit_id)))
    return scopes


def scopes_all() -> dict[int, set]:
    """Every scope with suggestions in it: two DISTINCT queries."""
    return _scopes_of_suggestions(
        Suggestion.objects.values_list("term_id", "meeting_id", "channel", "category_id")
        .distinct()
        .order_by(),
        Assignment.objects.filter(role__in=ANSWERING_ROLES)
        .values_list("suggestion__term_id", "unit_id")
        .distinct()
        .order_by(),
    )


def scopes_of(suggestion_ids) -> dict[int, set]:
    return _scopes_of_suggestions(
        Suggestion.objects.filter(pk__in=suggestion_ids)
        .values_list("term_id", "meeting_id", "channel", "category_id")
        .distinct()
        .order_by(),
        Assignment.objects.filter(suggestion_id__in=suggestion_ids, role__in=ANSWERING_ROLES)
        .values_list("suggestion__term_id", "unit_id")
        .distinct()
        .order_by(),
    )


# --- compute and upsert ----------------------------------------------------------------------


def rollups_compute(*, scopes: dict[int, set], as_of: date) -> int:
    """Computes each scope as of `as_of` with `suggestions.figures` (one load per term) and
    upserts its row."""
    now = timezone.now()
    rows = []
    for term_id, keys in scopes.items():
        wanted = {(kind, key): scope_for(kind, key) for kind, key in sorted(keys)}
        computed, unit_rows = figures.compute_term(
            term=term_id, scopes=list(wanted.values()), as_of=as_of
        )
        by_unit = {r.unit_id: r for r in unit_rows}
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
    Rollup.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["scope_kind", "scope_key", "day"],
        update_fields=["term", "figures", "unit_row", "computed_at"],
    )
    return len(rows)


def rollups_compute_all(*, as_of: date) -> int:
    """The full rollup: every scope of every term as of `as_of`."""
    return rollups_compute(scopes=scopes_all(), as_of=as_of)


def rollups_nightly(*, today: date | None = None) -> int:
    """Closes yesterday (every event of it is in now) and stores today's starting point."""
    today = today or timezone.localdate()
    return rollups_compute_all(as_of=today - timedelta(days=1)) + rollups_compute_all(as_of=today)


def rollups_recompute_changed(*, today: date | None = None) -> int:
    """The incremental rollup: the scopes of suggestions changed since the last run, as of
    today. Change rows are deleted only after their scopes are stored; one committed while
    this runs queues its own run."""
    RollupSchedule.objects.filter(pk=1).update(pending_since=None)
    today = today or timezone.localdate()
    changes = list(RollupChange.objects.values_list("pk", "suggestion_id"))
    if not changes:
        return 0
    stored = rollups_compute(scopes=scopes_of({sid for _, sid in changes}), as_of=today)
    RollupChange.objects.filter(pk__in=[pk for pk, _ in changes]).delete()
    return stored


# --- the debounce ----------------------------------------------------------------------------


def rollup_mark_changed(*, suggestion_id: int) -> None:
    """Called by the workflow in the change's transaction: the change row commits with it,
    and the debounced recompute is queued once it has committed."""
    RollupChange.objects.create(suggestion_id=suggestion_id)
    # One schedule per transaction, however many events it writes.
    if not any(func is rollup_schedule for _, func, _ in connection.run_on_commit):
        transaction.on_commit(rollup_schedule, robust=True)


def rollup_schedule(now=None) -> bool:
    """Queue the incremental rollup after the debounce delay, unless one is waiting. A
    waiting mark older than ten delays (a lost message) is taken over."""
    from .tasks import recompute_rollups_changed

    now = now or timezone.now()
    delay = settings.PORTAL["ROLLUP_DEBOUNCE_SECONDS"]
    stale = now - timedelta(seconds=max(10 * delay, 600))
    claimed = (
        RollupSchedule.objects.filter(pk=1)
        .filter(Q(pending_since__isnull=True) | Q(pending_since__lt=stale))
        .update(pending_since=now)
    )
    if not claimed:
        _, claimed = RollupSchedule.objects.get_or_create(pk=1, defaults={"pending_since": now})
    if not claimed:
        return False
    try:
        recompute_rollups_changed.apply_async(countdown=delay)
    except Exception:
        RollupSchedule.objects.filter(pk=1).update(pending_since=None)
        raise
    return True
