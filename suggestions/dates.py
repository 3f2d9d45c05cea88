"""The range a day may take when it records the past: 提出 and 交办 dates, and the as-of
day of a figure. One rule for every surface (page forms, API serializers, imports, admin,
dashboards): not before the portal's earliest day, not after today.

The earliest day is the start of the first term on record (no suggestion, assignment or
figure predates the congress's first term in the portal), and never before FLOOR, so a typo
in a term's start cannot open the door to year 1 again.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from deputies.models import Term

FLOOR = date(2000, 1, 1)


def today() -> date:
    """Today, the portal's one clock for its rules about days (the workflow's steps and the
    range below). Tests set the day with `settings.PORTAL_TODAY` (a date) instead of depending
    on the calendar; it is never set in production."""
    return getattr(settings, "PORTAL_TODAY", None) or timezone.localdate()


def earliest_day() -> date:
    """The first term's start, or FLOOR when there is no term (or it starts earlier)."""
    first = Term.objects.aggregate(first=Min("start_date"))["first"]
    return max(first, FLOOR) if first else FLOOR


def validate_past_day(
    day: date, *, field_label: str, earliest: date | None = None, on: date | None = None
) -> date:
    """The day if it lies between the earliest day and today (`on`, default `today()`), else
    ValidationError with a Chinese message. Callers checking many rows pass `earliest` (one
    query for all)."""
    earliest = earliest or earliest_day()
    if day < earliest:
        raise ValidationError(f"{field_label}不能早于{earliest:%Y-%m-%d}", code="too_early")
    if day > (on or today()):
        raise ValidationError(f"{field_label}不能晚于今天", code="future_date")
    return day


@deconstructible
class PastDay:
    """`validate_past_day` as a field validator, for form and serializer date fields."""

    def __init__(self, field_label: str):
        self.field_label = field_label

    def __call__(self, day: date) -> None:
        validate_past_day(day, field_label=self.field_label)

    def __eq__(self, other):
        return isinstance(other, PastDay) and other.field_label == self.field_label
