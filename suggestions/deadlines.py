"""The deadline calculator (DESIGN.md §4). Every deadline in the portal comes from here.

A deadline is computed in two steps:
1. the rule gives a base date: the start date plus calendar months (a missing day clamps to the
   month's end: 1月31日 + 1个月 → 2月28/29日) or plus days;
2. a base date that falls on a rest day moves to the next official working day, using the
   portal's own calendar (weekends, holidays and 调休 working weekends). For a year whose
   calendar has not been entered the calculator falls back to Monday–Friday and says so.

Rules are frozen onto each assignment when it is made (`Rules.as_dict()`), so a later change
of the channel rules never moves a running clock.
"""

from __future__ import annotations

import calendar as _calendar
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from .models import CalendarDay, CalendarYear, ChannelRule, DeadlineChangeKind

logger = logging.getLogger(__name__)

# Channel defaults (DESIGN.md §4); staff edit them as ChannelRule rows.
DEFAULT_RULES: dict[str, dict[str, int]] = {
    "session": {"reply_months": 3, "reply_days": 0},
    "recess": {"reply_months": 3, "reply_days": 0},
    "voice": {"reply_months": 0, "reply_days": 15},
    "express": {"reply_months": 0, "reply_days": 7},
}
DEFAULT_LIMITS = {
    "max_total_months": 6,
    "reassign_window_days": 10,
    "co_opinion_months": 1,
    "rehandle_months": 1,
}

WEEKDAY_NAMES = "一二三四五六日"


class DeadlineError(ValueError):
    """A requested deadline breaks a rule; the message is shown to users."""


@dataclass(frozen=True)
class Rules:
    reply_months: int
    reply_days: int
    max_total_months: int = 6
    reassign_window_days: int = 10
    co_opinion_months: int = 1
    rehandle_months: int = 1

    @classmethod
    def from_dict(cls, data: dict) -> Rules:
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        return asdict(self)

    def reply_period_label(self) -> str:
        parts = []
        if self.reply_months:
            parts.append(f"{self.reply_months}个月")
        if self.reply_days:
            parts.append(f"{self.reply_days}日")
        return "".join(parts)


def rules_for_channel(channel: str, *, congress_id: int | None = None) -> Rules:
    """The rules in force now for a channel in a congress (the suggestion's; else the one acted
    in, else the default): its staff-edited row, else the defaults."""
    from congresses.context import default_congress_id

    congress_id = congress_id or default_congress_id()
    row = ChannelRule._base_manager.filter(congress_id=congress_id, channel=channel).first()
    if row is None:
        return Rules(**DEFAULT_RULES[channel], **DEFAULT_LIMITS)
    return Rules(
        reply_months=row.reply_months,
        reply_days=row.reply_days,
        max_total_months=row.max_total_months,
        reassign_window_days=row.reassign_window_days,
        co_opinion_months=row.co_opinion_months,
        rehandle_months=row.rehandle_months,
    )


def add_months(start: date, months: int) -> date:
    """Calendar months; a day missing in the target month clamps to its last day."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, _calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True)
class SkippedDay:
    date: date
    name: str


class WorkCalendar:
    """The official calendar: Monday–Friday plus the entered exceptions.

    `exceptions` maps a date to (is_workday, name); `known_years` are the years entered in full.
    """

    def __init__(self, exceptions: dict[date, tuple[bool, str]] | None = None, known_years=()):
        self.exceptions = dict(exceptions or {})
        self.known_years = frozenset(known_years)

    @classmethod
    def load(cls) -> WorkCalendar:
        """Read the whole calendar table: a few dozen rows a year, two queries."""
        exceptions = {
            d: (w, n) for d, w, n in CalendarDay.objects.values_list("date", "is_workday", "name")
        }
        return cls(exceptions, CalendarYear.objects.values_list("year", flat=True))

    def is_known(self, year: int) -> bool:
        return year in self.known_years

    def is_workday(self, day: date) -> bool:
        if self.is_known(day.year) and day in self.exceptions:
            return self.exceptions[day][0]
        return day.weekday() < 5

    def rest_name(self, day: date) -> str:
        if self.is_known(day.year) and day in self.exceptions and self.exceptions[day][1]:
            return self.exceptions[day][1]
        return f"星期{WEEKDAY_NAMES[day.weekday()]}"

    def next_workday(self, day: date) -> tuple[date, tuple[SkippedDay, ...]]:
        """The day itself if it is a working day, else the next one and the rest days skipped."""
        skipped = []
        while not self.is_workday(day):
            skipped.append(SkippedDay(day, self.rest_name(day)))
            day += timedelta(days=1)
        return day, tuple(skipped)

    def add_workdays(self, start: date, count: int) -> date:
        day = start
        while count > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                count -= 1
        return day

    def unknown_years(self, start: date, end: date) -> tuple[int, ...]:
        return tuple(y for y in range(start.year, end.year + 1) if not self.is_known(y))


@dataclass(frozen=True)
class Deadline:
    """A computed deadline that can explain itself."""

    start: date
    rule: str
    base_date: date
    date: date
    skipped: tuple[SkippedDay, ...] = ()
    fallback_years: tuple[int, ...] = field(default=())

    def explanation(self) -> dict:
        """JSON-ready form, stored with each deadline change."""
        return {
            "start": self.start.isoformat(),
            "rule": self.rule,
            "base_date": self.base_date.isoformat(),
            "date": self.date.isoformat(),
            "skipped": [[s.date.isoformat(), s.name] for s in self.skipped],
            "fallback_years": list(self.fallback_years),
        }


def explanation_lines(explanation: dict) -> list[str]:
    """Chinese sentences for a stored explanation, e.g. "2026-10-01 国庆节 → 2026-10-08"."""
    lines = [f"自 {explanation['start']} 起 {explanation['rule']},为 {explanation['base_date']}"]
    skipped = explanation.get("skipped") or []
    if skipped:
        first_date, first_name = skipped[0]
        names = "、".join(dict.fromkeys(name for _, name in skipped))
        lines.append(
            f"{first_date} {first_name} → {explanation['date']}(顺延,跳过{len(skipped)}天:{names})"
        )
    for year in explanation.get("fallback_years") or []:
        lines.append(f"{year}年法定节假日日历尚未录入,暂按周一至周五计算")
    return lines


def assignment_explanation(
    *,
    changes,
    assigned_on: date,
    rules: dict,
    role: str,
    calendar_loader=None,
) -> list[str]:
    """How an assignment's deadline in force came about, as sentences for its page.

    1. The current round starts at the newest INITIAL or REHANDLE change (by entry order): its
       stored explanation gives the start day, the rule and the rest days skipped.
    2. Each later change of the round (an approved extension, a calendar move) adds a line
       with the day it took effect and the rest days it skipped.
    Without a stored explanation (rows from before they were kept) the initial deadline is
    recomputed from the assignment's frozen rules; `calendar_loader` gives the calendar then,
    so a page loads it at most once.
    """
    ordered = sorted(changes, key=lambda c: (c.created_at, c.pk or 0))
    opening = (DeadlineChangeKind.INITIAL, DeadlineChangeKind.REHANDLE)
    starts = [i for i, c in enumerate(ordered) if c.kind in opening]
    round_changes = ordered[starts[-1] :] if starts else []
    first = round_changes[0] if round_changes else None
    if first is not None and first.explanation.get("start"):
        lines = explanation_lines(first.explanation)
    else:
        calendar = calendar_loader() if calendar_loader else WorkCalendar()
        initial = reply_deadline(
            assigned_on=assigned_on, rules=Rules.from_dict(rules), role=role, calendar=calendar
        )
        lines = explanation_lines(initial.explanation())
    for change in round_changes[1:]:
        old = f"{change.old_deadline:%Y-%m-%d}" if change.old_deadline else "—"
        what = "批准延期" if change.kind == DeadlineChangeKind.EXTENSION else "法定节假日日历变更"
        lines.append(
            f"{change.effective_on:%Y-%m-%d} {what}:{old} → {change.new_deadline:%Y-%m-%d}"
        )
        lines += explanation_lines(change.explanation)[1:] if change.explanation else []
    return lines


def _settle(start: date, rule: str, base: date, calendar: WorkCalendar) -> Deadline:
    day, skipped = calendar.next_workday(base)
    unknown = calendar.unknown_years(base, day)
    if unknown:
        logger.warning(
            "No official calendar for %s: deadline %s computed on Monday-Friday", unknown, day
        )
    return Deadline(
        start=start, rule=rule, base_date=base, date=day, skipped=skipped, fallback_years=unknown
    )


def _plus(start: date, months: int = 0, days: int = 0) -> date:
    return add_months(start, months) + timedelta(days=days)


def reply_deadline(
    *, assigned_on: date, rules: Rules, role: str, calendar: WorkCalendar
) -> Deadline:
    """Deadline of a new assignment: the reply period for lead/split units, the opinion period
    for co-handlers."""
    if role == "co":
        base = add_months(assigned_on, rules.co_opinion_months)
        return _settle(assigned_on, f"协办意见期限{rules.co_opinion_months}个月", base, calendar)
    base = _plus(assigned_on, rules.reply_months, rules.reply_days)
    return _settle(assigned_on, f"答复期限{rules.reply_period_label()}", base, calendar)


def rehandle_deadline(*, started_on: date, rules: Rules, calendar: WorkCalendar) -> Deadline:
    """Re-handling after 不满意: answer again within `rehandle_months` of its start."""
    base = add_months(started_on, rules.rehandle_months)
    return _settle(started_on, f"重新办理期限{rules.rehandle_months}个月", base, calendar)


def extension_cap(*, round_started_on: date, rules: Rules, calendar: WorkCalendar) -> Deadline:
    """The latest deadline an extension may reach: `max_total_months` from the round's start."""
    base = add_months(round_started_on, rules.max_total_months)
    return _settle(round_started_on, f"延期后最长{rules.max_total_months}个月", base, calendar)


def extended_deadline(
    *, round_started_on: date, current: date, requested: date, rules: Rules, calendar: WorkCalendar
) -> Deadline:
    """An extension to `requested`, refused past the cap or not later than the current deadline."""
    cap = extension_cap(round_started_on=round_started_on, rules=rules, calendar=calendar)
    if requested <= current:
        raise DeadlineError(f"延期后的期限必须晚于现有期限 {current:%Y-%m-%d}")
    if requested > cap.date:
        raise DeadlineError(
            f"延期不得超过自交办起{rules.max_total_months}个月,最晚为 {cap.date:%Y-%m-%d}"
        )
    return _settle(round_started_on, f"经批准延期至 {requested:%Y-%m-%d}", requested, calendar)


def resettle(*, explanation: dict, calendar: WorkCalendar) -> Deadline:
    """Recompute a stored deadline against a changed calendar, keeping its rule and base date."""
    return _settle(
        date.fromisoformat(explanation["start"]),
        explanation["rule"],
        date.fromisoformat(explanation["base_date"]),
        calendar,
    )


def reassignment_window_end(*, assigned_on: date, rules: Rules) -> date:
    """Last day (inclusive, calendar days) on which a unit may ask to be replaced."""
    return assigned_on + timedelta(days=rules.reassign_window_days)


def staff_assignment_due(*, received_on: date, working_days: int, calendar: WorkCalendar) -> date:
    """A suggestion received between meetings is assigned within this many working days."""
    return calendar.add_workdays(received_on, working_days)


def staff_assignment_late_cutoff(*, today: date, working_days: int, calendar: WorkCalendar) -> date:
    """The latest day of receipt whose assignment limit (`staff_assignment_due`) lies before
    today: an unassigned suggestion received on or before it is late. The due day grows with
    the day of receipt, so the first day back from yesterday whose due day has passed is it."""
    received = today - timedelta(days=1)
    while (
        staff_assignment_due(received_on=received, working_days=working_days, calendar=calendar)
        >= today
    ):
        received -= timedelta(days=1)
    return received


def publication_due(*, released_on: date, working_days: int, calendar: WorkCalendar) -> date:
    """The last day a public reply may wait before it is on the public page: this many working
    days after its release (DESIGN.md §4a, `PORTAL_PUBLISH_WITHIN_WORKING_DAYS`)."""
    return calendar.add_workdays(released_on, working_days)


def preassign_window_end(*, published_on: date, working_days: int, calendar: WorkCalendar) -> date:
    """预交办: the last day (inclusive) a proposed unit may accept or object to a plan
    published on `published_on` — that many working days after it (DESIGN.md §9)."""
    return calendar.add_workdays(published_on, working_days)


def preassign_reminder_day(*, answer_by: date, calendar: WorkCalendar) -> date:
    """The day units that have not answered a plan are reminded: the working day before its
    window closes (the publication day itself when the window is one day)."""
    day = answer_by - timedelta(days=1)
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day
