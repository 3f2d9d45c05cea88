"""The deadline calculator (DESIGN.md §4): month arithmetic, rest days, 调休, caps."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suggestions import deadlines
from suggestions.deadlines import Rules, WorkCalendar, add_months
from suggestions.models import CalendarDay, CalendarYear

D = dt.date
SESSION = Rules(reply_months=3, reply_days=0)
VOICE = Rules(reply_months=0, reply_days=15)
EXPRESS = Rules(reply_months=0, reply_days=7)

# A hand-entered 2026 slice of the official calendar, independent of the database.
CAL_2026 = WorkCalendar(
    {
        **{D(2026, 10, d): (False, "国庆节") for d in range(1, 8)},
        D(2026, 9, 20): (True, "国庆节调休上班"),
        D(2026, 10, 10): (True, "国庆节调休上班"),
        D(2026, 2, 14): (True, "春节调休上班"),
        D(2026, 2, 28): (True, "春节调休上班"),
        **{D(2026, 2, d): (False, "春节") for d in range(15, 24)},
    },
    known_years=[2026],
)


# --- calendar months -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2026, 8, 31), 3, D(2026, 11, 30)),
        (D(2026, 11, 30), 3, D(2027, 2, 28)),
        (D(2026, 3, 15), 3, D(2026, 6, 15)),
        (D(2026, 10, 31), 6, D(2027, 4, 30)),
    ],
)
def test_calendar_months_clamp_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


# --- rest days and 调休 -------------------------------------------------------------------


def test_a_deadline_on_national_day_moves_to_the_next_working_day():
    deadline = deadlines.reply_deadline(
        assigned_on=D(2026, 7, 1), rules=SESSION, role="lead", calendar=CAL_2026
    )
    assert deadline.base_date == D(2026, 10, 1)
    assert deadline.date == D(2026, 10, 8)
    assert [s.date for s in deadline.skipped] == [D(2026, 10, d) for d in range(1, 8)]
    lines = deadlines.explanation_lines(deadline.explanation())
    assert any(line.startswith("2026-10-01 国庆节 → 2026-10-08") for line in lines)


def test_a_tiaoxiu_working_weekend_counts_as_a_working_day():
    # 2026-10-10 is a Saturday worked in lieu: a deadline landing on it stays there.
    assert D(2026, 10, 10).weekday() == 5
    deadline = deadlines.reply_deadline(
        assigned_on=D(2026, 7, 10), rules=SESSION, role="lead", calendar=CAL_2026
    )
    assert deadline.date == D(2026, 10, 10)
    assert deadline.skipped == ()


def test_an_ordinary_weekend_moves_to_monday():
    # 2026-03-01 + 15 days = Monday 03-16; + 7 days from 2026-03-07 = Saturday 03-14 → Monday 03-16.
    assert deadlines.reply_deadline(
        assigned_on=D(2026, 3, 1), rules=VOICE, role="lead", calendar=CAL_2026
    ).date == D(2026, 3, 16)
    deadline = deadlines.reply_deadline(
        assigned_on=D(2026, 3, 7), rules=EXPRESS, role="lead", calendar=CAL_2026
    )
    assert deadline.date == D(2026, 3, 16)
    assert [s.name for s in deadline.skipped] == ["星期六", "星期日"]


def test_co_handlers_get_one_month_for_their_opinion():
    deadline = deadlines.reply_deadline(
        assigned_on=D(2026, 1, 31), rules=SESSION, role="co", calendar=CAL_2026
    )
    assert deadline.base_date == D(2026, 2, 28)
    assert deadline.date == D(2026, 2, 28)  # a Saturday worked in lieu (调休)


def test_a_year_without_a_calendar_falls_back_to_monday_to_friday_and_says_so():
    # 2027-01-01 (New Year) is not known: treated as an ordinary Friday.
    deadline = deadlines.reply_deadline(
        assigned_on=D(2026, 10, 1), rules=SESSION, role="lead", calendar=CAL_2026
    )
    assert deadline.date == D(2027, 1, 1)
    assert deadline.fallback_years == (2027,)
    assert "2027年法定节假日日历尚未录入,暂按周一至周五计算" in deadlines.explanation_lines(
        deadline.explanation()
    )


def test_exceptions_in_a_year_not_marked_entered_are_ignored():
    partial = WorkCalendar({D(2027, 1, 1): (False, "元旦")}, known_years=[])
    assert partial.is_workday(D(2027, 1, 1))


# --- extensions, re-handling, windows --------------------------------------------------------


def test_an_extension_up_to_six_months_is_allowed():
    deadline = deadlines.extended_deadline(
        round_started_on=D(2026, 3, 2),
        current=D(2026, 6, 2),
        requested=D(2026, 9, 2),
        rules=SESSION,
        calendar=CAL_2026,
    )
    assert deadline.date == D(2026, 9, 2)


def test_an_extension_beyond_six_months_is_refused():
    with pytest.raises(deadlines.DeadlineError, match="最晚为 2026-09-02"):
        deadlines.extended_deadline(
            round_started_on=D(2026, 3, 2),
            current=D(2026, 6, 2),
            requested=D(2026, 9, 3),
            rules=SESSION,
            calendar=CAL_2026,
        )


def test_an_extension_must_be_later_than_the_current_deadline():
    with pytest.raises(deadlines.DeadlineError, match="必须晚于现有期限"):
        deadlines.extended_deadline(
            round_started_on=D(2026, 3, 2),
            current=D(2026, 6, 2),
            requested=D(2026, 6, 2),
            rules=SESSION,
            calendar=CAL_2026,
        )


def test_the_cap_itself_moves_off_a_holiday():
    # 2026-04-01 + 6 months = 10-01 (National Day): the cap is the next working day, 10-08.
    cap = deadlines.extension_cap(round_started_on=D(2026, 4, 1), rules=SESSION, calendar=CAL_2026)
    assert cap.date == D(2026, 10, 8)


def test_rehandling_gives_one_month_from_its_start():
    deadline = deadlines.rehandle_deadline(
        started_on=D(2026, 8, 31), rules=SESSION, calendar=CAL_2026
    )
    assert deadline.base_date == D(2026, 9, 30)
    assert deadline.date == D(2026, 9, 30)


def test_the_reassignment_window_is_ten_days_after_assignment():
    assert deadlines.reassignment_window_end(assigned_on=D(2026, 3, 2), rules=SESSION) == D(
        2026, 3, 12
    )


def test_staff_assign_recess_suggestions_within_five_working_days():
    # Received Friday 2026-09-25: Mon 28, Tue 29, Wed 30, then the National Day week,
    # Thu 10-08, Fri 10-09.
    due = deadlines.staff_assignment_due(
        received_on=D(2026, 9, 25), working_days=5, calendar=CAL_2026
    )
    assert due == D(2026, 10, 9)


def test_rules_round_trip_through_the_frozen_snapshot():
    rules = Rules(reply_months=2, reply_days=5, max_total_months=4, reassign_window_days=7)
    assert Rules.from_dict(rules.as_dict()) == rules
    assert rules.reply_period_label() == "2个月5日"


# --- properties ----------------------------------------------------------------------------

dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2030, 12, 31))
rules_st = st.builds(
    Rules,
    reply_months=st.integers(0, 6),
    reply_days=st.integers(0, 31),
    max_total_months=st.integers(1, 12),
    rehandle_months=st.integers(1, 3),
    co_opinion_months=st.integers(1, 3),
)


@given(start=dates, months=st.integers(0, 36))
def test_add_months_lands_in_the_right_month_never_past_the_day(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert result.day == start.day or result.month != (result + dt.timedelta(days=1)).month


@given(start=dates, a=st.integers(0, 24), b=st.integers(0, 24))
def test_add_months_is_monotonic(start, a, b):
    if a <= b:
        assert add_months(start, a) <= add_months(start, b)


@given(day=dates)
def test_the_next_working_day_is_a_working_day_with_only_rest_days_skipped(day):
    result, skipped = CAL_2026.next_workday(day)
    assert result >= day
    assert CAL_2026.is_workday(result)
    assert [s.date for s in skipped] == [
        day + dt.timedelta(days=i) for i in range((result - day).days)
    ]
    assert all(not CAL_2026.is_workday(s.date) for s in skipped)


@given(start=dates, rules=rules_st, role=st.sampled_from(["lead", "split", "co"]))
def test_every_deadline_is_a_working_day_on_or_after_its_rule_date(start, rules, role):
    if rules.reply_months == 0 and rules.reply_days == 0:
        rules = Rules(**{**rules.as_dict(), "reply_days": 1})
    deadline = deadlines.reply_deadline(
        assigned_on=start, rules=rules, role=role, calendar=CAL_2026
    )
    assert deadline.date >= deadline.base_date > start
    assert CAL_2026.is_workday(deadline.date)
    assert (deadline.date - deadline.base_date).days == len(deadline.skipped)


@settings(max_examples=200)
@given(start=dates, rules=rules_st, extra_days=st.integers(1, 400))
def test_no_extension_is_ever_granted_past_the_cap(start, rules, extra_days):
    cap = deadlines.extension_cap(round_started_on=start, rules=rules, calendar=CAL_2026)
    requested = start + dt.timedelta(days=extra_days)
    current = start
    try:
        deadline = deadlines.extended_deadline(
            round_started_on=start,
            current=current,
            requested=requested,
            rules=rules,
            calendar=CAL_2026,
        )
    except deadlines.DeadlineError:
        assert requested > cap.date
    else:
        assert deadline.date <= cap.date
        assert CAL_2026.is_workday(deadline.date)


# --- the calendar the portal owns ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_seeded_calendar_knows_2026_holidays_and_tiaoxiu():
    calendar = WorkCalendar.load()
    assert calendar.next_workday(D(2026, 9, 30))[0] == D(2026, 9, 30)
    assert calendar.next_workday(D(2026, 10, 1))[0] == D(2026, 10, 8)
    for worked_weekend in [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ]:
        assert worked_weekend.weekday() >= 5
        assert calendar.is_workday(worked_weekend), worked_weekend
    assert set(range(2004, 2027)) <= set(calendar.known_years)


@pytest.mark.django_db
def test_a_year_entered_by_staff_is_used_instead_of_the_fallback():
    calendar = WorkCalendar.load()
    assert calendar.is_workday(D(2027, 1, 1))  # fallback: an ordinary Friday
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知")
    calendar = WorkCalendar.load()
    assert not calendar.is_workday(D(2027, 1, 1))
    assert calendar.next_workday(D(2027, 1, 1))[0] == D(2027, 1, 4)


@pytest.mark.django_db
def test_channel_rules_are_read_from_the_table_staff_edit():
    from suggestions.models import ChannelRule

    assert deadlines.rules_for_channel("voice").reply_days == 15
    ChannelRule.objects.filter(channel="voice").update(reply_days=20)
    assert deadlines.rules_for_channel("voice").reply_days == 20
