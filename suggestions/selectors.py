"""Reads for pages and jobs, with their query shapes decided once."""

from datetime import timedelta

from django.utils import timezone

from .models import CalendarYear


def calendar_missing_years() -> list[int]:
    """Years a deadline set today can fall in (this year and, within the 6-month cap plus
    re-handling, the next) that have no official calendar entered. One query."""
    today = timezone.localdate()
    horizon = today + timedelta(days=366)
    wanted = set(range(today.year, horizon.year + 1))
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)
