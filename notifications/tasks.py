"""Thin tasks on the `reminders` queue: parse arguments, call the service."""

from datetime import date

from celery import shared_task

from . import reminders, services, sms


@shared_task(acks_late=True)
def send_reminders(today: str | None = None) -> str:
    """The periodic reminder job (beat, hourly in office hours); `today` only for tests."""
    return str(reminders.reminders_send(today=date.fromisoformat(today) if today else None))


@shared_task(acks_late=True)
def send_reminder_email(delivery_id: int) -> str:
    """A retry of one reminder e-mail, queued with a backoff after a failure."""
    return reminders.reminder_send_email(delivery_id=delivery_id)


@shared_task(acks_late=True)
def send_notification_emails(notification_ids: list[int]) -> int:
    return services.notification_emails_send(notification_ids=notification_ids)


@shared_task(acks_late=True)
def send_sms(message_id: int) -> str:
    """One text message, queued after the commit that wrote it; retries wait for the
    reminder run's sweep (notifications.sms.sms_send_pending)."""
    return sms.sms_send(message_id=message_id)
