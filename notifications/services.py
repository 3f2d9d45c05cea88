"""Writes for the in-portal inbox: `notify` is the one way to tell users something.

The workflow (and anything else) calls `notify(...)` inside its transaction; the rows commit
with the change and the e-mails are queued only once it has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    recipients: Iterable,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    suggestion=None,
    assignment=None,
    email: bool = True,
    sms: tuple[str, dict] | None = None,
    congress_id: int | None = None,
) -> list[Notification]:
    """One inbox row per distinct recipient; with `email`, an e-mail each after commit; with
    `sms` (the message kind and its template parameters), a text message to each recipient
    who opted in (notifications.sms), sent after commit. The rows are the congress of the
    suggestion they are about, else of the one acted in."""
    owned = owner_of(suggestion=suggestion, assignment=assignment, congress_id=congress_id)
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                title=title,
                body=body,
                url=url,
                suggestion=suggestion,
                assignment=assignment,
                **owned,
            )
        )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    if sms is not None:
        from .sms import sms_queue

        sms_kind, params = sms
        sms_queue(
            users=[n.recipient for n in created], kind=sms_kind, text=title, params=params, **owned
        )
    if email:
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            transaction.on_commit(lambda: _queue_emails(ids))
    return created


def owner_of(*, suggestion=None, assignment=None, congress_id=None) -> dict:
    """The `congress_id` of a row about a suggestion or assignment: the suggestion's (a
    notice written outside a request still lands in its own congress), else the one given;
    {} for the column's default (the congress acted in, else the default one)."""
    if congress_id is not None:
        return {"congress_id": congress_id}
    if suggestion is None and assignment is not None:
        suggestion = assignment.suggestion
    return {"congress_id": suggestion.congress_id} if suggestion is not None else {}


def _queue_emails(notification_ids: list[int]) -> None:
    """After commit: queue the e-mails. The inbox rows are the record and have committed; a
    broker that is down costs the e-mails (logged), never the user's change or the page."""
    from .tasks import send_notification_emails

    try:
        send_notification_emails.delay(notification_ids)
    except Exception as exc:
        logger.error(
            "notification e-mails not queued (broker unreachable?): %s: %s",
            notification_ids,
            exc,
        )


def notification_mark_read(*, user, notification_id: int) -> bool:
    """Marks one of the user's own notifications read; False when it is not theirs."""
    updated = Notification.objects.filter(
        pk=notification_id, recipient=user, read_at__isnull=True
    ).update(read_at=timezone.now())
    return bool(updated) or Notification.objects.filter(pk=notification_id, recipient=user).exists()


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_emails_send(*, notification_ids: list[int]) -> int:
    """E-mails the notifications' recipients; one connection for the batch. Returns how many
    went out. Inbox rows are the record; a failed e-mail is logged, not retried."""
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related("recipient")
    messages = [
        EmailMessage(
            subject=f"[代表建议办理平台] {n.title}",
            body=_email_body(n.body, n.url),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[n.recipient.email],
        )
        for n in notifications
        if n.recipient.email
    ]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:
        logger.exception("notification e-mails failed: %s", notification_ids)
        return 0


def _email_body(body: str, url: str) -> str:
    return f"{body}\n\n{url}" if url else body
