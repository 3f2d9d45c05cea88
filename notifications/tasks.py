"""Thin tasks on the `reminders` queue: parse arguments, call the service.

The periodic job runs once per active congress, acting in it (congresses.runs); a task for
one record acts in that record's congress."""

from datetime import date

from celery import shared_task

from congresses.context import acting_in

from . import reminders, services, sms
from .models import Notification, ReminderDelivery, SmsMessage


@shared_task(acks_late=True)
def send_reminders(today: str | None = None) -> str:
    """The periodic reminder job (beat, hourly in office hours); `today` only for tests.
    Each congress's reminders are claimed and sent acting in it; one congress's failure is
    logged and the others still run (each claim commits on its own, so a rerun sends only
    what is still due: exactly once)."""
    result, failed = reminders.reminders_send_each_congress(
        today=date.fromisoformat(today) if today else None
    )
    return str(result) + (f";未完成的人大 {','.join(failed)}" if failed else "")


@shared_task(acks_late=True)
def send_reminder_email(delivery_id: int) -> str:
    """A retry of one reminder e-mail, queued with a backoff after a failure."""
    congress_id = (
        ReminderDelivery._base_manager.filter(pk=delivery_id)
        .values_list("congress_id", flat=True)
        .first()
    )
    if congress_id is None:
        return "skipped"
    with acting_in(congress_id):
        return reminders.reminder_send_email(delivery_id=delivery_id)


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    """The e-mails of one `notify` call: each notification read in its own congress."""
    by_congress: dict[int, list[int]] = {}
    for pk, congress_id in Notification._base_manager.filter(pk__in=notification_ids).values_list(
        "pk", "congress_id"
    ):
        by_congress.setdefault(congress_id, []).append(pk)
    sent = 0
    for congress_id, ids in sorted(by_congress.items()):
        with acting_in(congress_id):
            sent += services.notification_emails_send(notification_ids=ids)
    return sent


@shared_task(acks_late=True)
def send_sms(message_id: int) -> str:
    """One text message, queued after the commit that wrote it; retries wait for the
    reminder run's sweep (notifications.sms.sms_send_pending)."""
    congress_id = (
        SmsMessage._base_manager.filter(pk=message_id).values_list("congress_id", flat=True).first()
    )
    if congress_id is None:
        return "skipped"
    with acting_in(congress_id):
        return sms.sms_send(message_id=message_id)
