"""Thin tasks on the `rollups` queue, apart from reminders so a long rollup never delays one.

Each runs once per active congress, acting in it (congresses.runs): one congress's failure is
logged and the others' figures are still stored."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from congresses.runs import each_active_congress

from . import services


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _each(run, what: str) -> int:
    return sum(each_active_congress(run, what=what).results.values())


@shared_task(acks_late=True)
def refresh_rollups(today: str | None = None) -> int:
    return _each(lambda: services.rollups_refresh(today=_day(today)), "Rollup refresh")


@shared_task(acks_late=True)
def compute_rollups_nightly(today: str | None = None) -> int:
    return _each(lambda: services.rollups_nightly(today=_day(today)), "Nightly rollups")


@shared_task(acks_late=True)
def compute_rollups(as_of: str | None = None) -> int:
    day = _day(as_of) or timezone.localdate()
    return _each(lambda: services.rollups_compute_all(as_of=day), "Rollups")
