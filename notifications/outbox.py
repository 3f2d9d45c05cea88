"""How the portal sends one message that may fail (reminder e-mails, text messages): the row
is the outbox entry, an attempt owns it through a lease taken with a conditional update, and a
failure backs off (1, 2, 4, 8 … minutes) until the last of MAX_ATTEMPTS marks it failed.

The models using it (ReminderDelivery, SmsMessage) share the fields `state` (DeliveryState),
`sending_until`, `next_attempt_at` and `last_error`."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q

from .models import DeliveryState

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5


def retry_delay(attempts: int) -> timedelta:
    """Backoff after the n-th failed attempt: 1, 2, 4, 8 … minutes."""
    return timedelta(minutes=2 ** max(attempts - 1, 0))


def take_lease(model, *, pk: int, now: datetime, **update) -> bool:
    """Own a pending row for one attempt (with `update` applied too); False if it is sent,
    failed, leased by a live attempt or waiting for its backoff."""
    return bool(
        model.objects.filter(
            Q(sending_until__isnull=True) | Q(sending_until__lt=now),
            pk=pk,
            state=DeliveryState.PENDING,
            next_attempt_at__lte=now,
        ).update(sending_until=now + LEASE, **update)
    )


def record_failure(model, *, pk: int, attempts: int, exc: Exception, now: datetime):
    """After the `attempts`-th attempt failed: failed for good (returns None) or pending again
    after the backoff (returns the delay, for the caller to queue the retry)."""
    final = attempts >= MAX_ATTEMPTS
    delay = retry_delay(attempts)
    model.objects.filter(pk=pk).update(
        state=DeliveryState.FAILED if final else DeliveryState.PENDING,
        last_error=f"{type(exc).__name__}: {exc}"[:1000],
        sending_until=None,
        next_attempt_at=None if final else now + delay,
    )
    logger.warning("%s %s attempt %s failed: %s", model.__name__, pk, attempts, exc)
    return None if final else delay
