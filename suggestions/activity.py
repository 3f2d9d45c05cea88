"""A suggestion's latest activity (`Suggestion.latest_at`, `latest_action`): the newest
AuditEvent by ("-at", "-id"), copied onto the suggestion in the transaction that writes the
event, so lists read it from the row instead of a subquery over the events per row.

Every writer of AuditEvent calls one of these: `event_written` for one event (the workflow's
`_audit`), `refresh` for bulk-created events (imports, supervision actions, the demo seeder)
and the backfill migration."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import AuditEvent, Suggestion


def event_written(event: AuditEvent) -> None:
    """One new event: the suggestion's latest unless an event of a later moment exists (a
    later id at the same moment is newer, as the ("-at", "-id") order has it)."""
    Suggestion.objects.filter(pk=event.suggestion_id).filter(
        Q(latest_at__isnull=True) | Q(latest_at__lte=event.at)
    ).update(latest_at=event.at, latest_action=event.action)


def refresh(suggestions: Iterable[int] | QuerySet | None = None) -> int:
    """Recompute from the events, for the given suggestions (ids or a queryset of them; all
    when None): one UPDATE."""
    latest = AuditEvent.objects.filter(suggestion=OuterRef("pk")).order_by("-at", "-id")
    qs = Suggestion.objects.all()
    if isinstance(suggestions, QuerySet):
        qs = suggestions
    elif suggestions is not None:
        qs = qs.filter(pk__in=list(suggestions))
    return qs.update(
        latest_at=Subquery(latest.values("at")[:1]),
        latest_action=Coalesce(
            Subquery(latest.values("action")[:1]), Value(""), output_field=CharField()
        ),
    )
