"""Reads for the inbox, the nav badge and the staff page of reminders."""

from django.core.paginator import Paginator

from .models import Notification, ReminderDelivery, SmsMessage

PAGE_SIZE = 50


def unread_count(*, user) -> int:
    """One COUNT on the partial unread index."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox_page(*, user, page: str | int | None = 1):
    """The user's notifications, newest first, a page at a time (a count and a slice)."""
    qs = Notification.objects.filter(recipient=user).order_by("-created_at", "-id")
    return Paginator(qs, PAGE_SIZE).get_page(page)


def deliveries_page(*, state: str = "", page: str | int | None = 1):
    """Reminders recorded, newest first, with what the page shows joined in."""
    qs = (
        ReminderDelivery.objects.select_related("assignment__suggestion", "assignment__unit")
        .prefetch_related("sms_messages")
        .order_by("-created_at", "-id")
    )
    if state in ReminderDelivery.State.values:
        qs = qs.filter(state=state)
    return Paginator(qs, PAGE_SIZE).get_page(page)


def unsent_other_sms(*, limit: int = PAGE_SIZE) -> list:
    """Text messages outside reminders (notices) not sent yet or failed, newest first."""
    return list(
        SmsMessage.objects.filter(delivery__isnull=True)
        .exclude(state=SmsMessage.State.SENT)
        .select_related("recipient")
        .order_by("-created_at", "-id")[:limit]
    )
