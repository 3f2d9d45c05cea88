"""Thin tasks on the `rollups` queue, apart from reminders so a long rollup never delays one."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import services


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(acks_late=True)
def refresh_rollups(today: str | None = None) -> int:
    return services.rollups_refresh(today=_day(today))


@shared_task(acks_late=True)
def compute_rollups_nightly(today: str | None = None) -> int:
    return services.rollups_nightly(today=_day(today))


@shared_task(acks_late=True)
def compute_rollups(as_of: str | None = None) -> int:
    return services.rollups_compute_all(as_of=_day(as_of) or timezone.localdate())
