"""Reads for pages and jobs, with their query shapes decided once."""

from django.db.models import Count, Q
from django.utils import timezone

from .deadlines import DEFAULT_LIMITS, add_months
from .models import Assignment, CalendarYear, Suggestion


def calendar_missing_years() -> list[int]:
    """Years a deadline set today can reach (the 6-month extension cap plus a month of
    re-handling) that have no official calendar entered. One query."""
    today = timezone.localdate()
    horizon = add_months(
        today, DEFAULT_LIMITS["max_total_months"] + DEFAULT_LIMITS["rehandle_months"]
    )
    wanted = set(range(today.year, horizon.year + 1))
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)


def home_tiles(user) -> list[dict]:
    """The few counts a user sees on the home page, scoped to what they may see.
    One aggregate query whatever the data size."""
    tiles = []
    if user.is_committee_staff or user.is_leader:
        counts = Suggestion.objects.aggregate(
            submitted=Count("id", filter=Q(status=Suggestion.Status.SUBMITTED)),
            open=Count("id", filter=Q(status=Suggestion.Status.ASSIGNED)),
            replied=Count("id", filter=Q(status=Suggestion.Status.REPLIED)),
        )
        tiles += [
            {"label": "待立案", "value": counts["submitted"]},
            {"label": "办理中", "value": counts["open"]},
            {"label": "已答复待办结", "value": counts["replied"]},
        ]
    if user.is_unit_user and user.unit_id:
        counts = Assignment.objects.filter(unit_id=user.unit_id).aggregate(
            pending=Count("id", filter=Q(state=Assignment.State.ASSIGNED)),
            handling=Count("id", filter=Q(state=Assignment.State.ACCEPTED)),
            overdue=Count(
                "id",
                filter=Q(state__in=[Assignment.State.ASSIGNED, Assignment.State.ACCEPTED])
                & Q(deadline__lt=timezone.localdate()),
            ),
        )
        tiles += [
            {"label": "本单位待签收", "value": counts["pending"]},
            {"label": "本单位办理中", "value": counts["handling"]},
            {"label": "本单位已逾期", "value": counts["overdue"]},
        ]
    if user.is_deputy:
        led = Suggestion.objects.filter(lead_deputy__user=user).count()
        tiles.append({"label": "我领衔的建议", "value": led})
    return tiles
