"""A 督办意见 the unit has not acknowledged within INSTRUCTION_ACK_WORKING_DAYS (3) working
days is reminded once, through the reminders' claim (notifications.reminders): one
ReminderDelivery per instruction and assignment, however often or concurrently the job runs."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from notifications import reminders, tasks
from notifications.models import Notification, ReminderDelivery
from supervision import services

TODAY = dt.date(2026, 11, 20)  # Friday: due on Wednesday 11-25, reminded from Thursday 11-26
DUE = dt.date(2026, 11, 25)
NOW = timezone.now()


@pytest.fixture
def instruction(settings, people, journey):
    settings.PORTAL_TODAY = TODAY
    _suggestion, assignment = journey.accepted()
    action = services.action_record(
        actor=people.leader, kind="instruction", suggestion=assignment.suggestion, content="加快"
    )
    mail.outbox.clear()
    return action.acknowledgements.get()


def instruction_rows():
    return list(
        ReminderDelivery.objects.filter(kind__startswith="instruction:").values_list(
            "kind", "deadline", "state"
        )
    )


def instruction_notes():
    return Notification.objects.filter(kind="reminder.instruction")


def test_it_is_not_reminded_within_its_days(instruction):
    reminders.reminders_send(today=DUE, now=NOW)
    assert instruction_rows() == [] and not instruction_notes().exists()


def test_it_is_reminded_once_the_day_after(people, instruction):
    result = reminders.reminders_send(today=DUE + dt.timedelta(1), now=NOW)
    assert result.claimed == 1
    assert instruction_rows() == [(f"instruction:{instruction.action_id}", DUE, "sent")]
    note = instruction_notes().get()
    assert note.recipient == people.unit_user
    assert note.url == f"/inbox/{instruction.assignment_id}/"
    assert "督办意见待签收" in note.title and "2026-11-25" in note.title
    assert [m.subject for m in mail.outbox] == [f"[代表建议办理平台] {note.title}"]
    assert "签收期限:2026-11-25" in mail.outbox[0].body


def test_two_runs_give_one_effect(instruction):
    reminders.reminders_send(today=DUE + dt.timedelta(1), now=NOW)
    second = reminders.reminders_send(today=DUE + dt.timedelta(5), now=NOW)
    assert (second.claimed, second.sent) == (0, 0)
    assert instruction_notes().count() == 1 and len(mail.outbox) == 1


def test_a_lost_race_does_nothing(people, instruction):
    today = DUE + dt.timedelta(1)
    due = reminders.instruction_reminders_due(today=today)
    reminders.reminders_send(today=today, now=NOW)  # another worker got there first
    assert (
        reminders.reminder_claim(
            due=due[0], audience=reminders.Audience(users=[people.unit_user]), today=today, now=NOW
        )
        is None
    )
    assert instruction_notes().count() == 1 and len(instruction_rows()) == 1


def test_an_acknowledged_instruction_is_not_reminded(people, instruction):
    services.instruction_acknowledge(actor=people.unit_user, acknowledgement=instruction)
    assert reminders.reminders_send(today=DUE + dt.timedelta(1), now=NOW).claimed == 0
    assert instruction_rows() == []


def test_the_task_only_delegates_to_the_service(instruction):
    out = tasks.send_reminders.apply(args=[(DUE + dt.timedelta(1)).isoformat()]).get()
    assert out == str(reminders.RunResult(claimed=1, sent=1))
    assert len(instruction_rows()) == 1


def test_working_days_skip_the_calendars_rest_days(settings, people, journey):
    from suggestions.models import CalendarDay, CalendarYear

    CalendarYear.objects.get_or_create(year=2026)
    CalendarDay.objects.update_or_create(
        date=dt.date(2026, 11, 23), defaults={"is_workday": False, "name": "测试休息日"}
    )
    settings.PORTAL_TODAY = TODAY
    _s, assignment = journey.accepted()
    action = services.action_record(
        actor=people.leader, kind="instruction", suggestion=assignment.suggestion, content="x"
    )
    assert action.acknowledgements.get().due_on == dt.date(2026, 11, 26)


def test_the_setting_sets_the_days(settings, people, journey):
    settings.PORTAL = {**settings.PORTAL, "INSTRUCTION_ACK_WORKING_DAYS": 5}
    settings.PORTAL_TODAY = TODAY
    _s, assignment = journey.accepted()
    action = services.action_record(
        actor=people.leader, kind="instruction", suggestion=assignment.suggestion, content="x"
    )
    assert action.acknowledgements.get().due_on == dt.date(2026, 11, 27)
