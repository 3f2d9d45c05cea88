"""Deadline reminders (DESIGN.md §4): each stage once per assignment, kind and deadline.

Dates are passed in (`today`, `now`), never read from the clock, so each test sits at a
chosen distance from the deadline."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.utils import timezone

from notifications import reminders, tasks
from notifications.models import Notification, ReminderDelivery
from suggestions import workflow

from .factories import FIVE_FIXED, UserFactory

NOW = timezone.now()


class FailingBackend:
    """An SMTP server that is down: every send raises."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


class WorkerDied(BaseException):
    """Stands for the process being killed: not an Exception, so nothing catches it."""


class DiesOnSecondMessageBackend:
    sent = 0

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        DiesOnSecondMessageBackend.sent += 1
        if DiesOnSecondMessageBackend.sent == 2:
            raise WorkerDied()
        mail.outbox.extend(messages)
        return len(messages)


def reminder_notes():
    """Inbox rows written by the reminder job (the workflow writes others of its own)."""
    return Notification.objects.filter(kind__startswith="reminder.")


@pytest.fixture
def assignment(journey):
    _s, a = journey.assigned()
    return a


def deliveries():
    return list(ReminderDelivery.objects.order_by("kind").values_list("kind", "state", "attempts"))


@pytest.mark.parametrize(
    "days_left, stages",
    [
        (20, []),
        (14, ["before:14"]),
        (8, ["before:14"]),
        (7, ["before:7"]),
        (3, ["before:3"]),
        (0, ["before:3"]),
        (-1, ["overdue:0"]),
        (-7, ["overdue:0"]),
        (-8, ["overdue:1"]),
        (-15, ["overdue:2"]),
        (-16, ["overdue:2", "escalation"]),
    ],
)
def test_each_day_has_its_stage(days_left, stages):
    deadline = dt.date(2026, 3, 31)
    assert reminders.stages_on(deadline=deadline, today=deadline - dt.timedelta(days_left)) == (
        stages
    )


def test_one_step_sends_the_due_reminder_by_inbox_and_mail(people, assignment):
    result = reminders.reminders_send(today=assignment.deadline - dt.timedelta(7), now=NOW)

    assert (result.claimed, result.sent) == (1, 1)
    assert deliveries() == [("before:7", "sent", 1)]
    assert [m.to for m in mail.outbox] == [[people.unit_user.email]]
    assert "将于" in mail.outbox[0].subject
    note = reminder_notes().get()
    assert (note.recipient, note.assignment_id) == (people.unit_user, assignment.pk)
    assert note.url == f"/inbox/{assignment.pk}/"


def test_two_runs_give_one_effect(people, assignment):
    today = assignment.deadline - dt.timedelta(3)
    reminders.reminders_send(today=today, now=NOW)
    second = reminders.reminders_send(today=today, now=NOW)

    assert (second.claimed, second.sent) == (0, 0)
    assert len(mail.outbox) == 1
    assert reminder_notes().count() == 1


def test_a_lost_race_does_nothing(people, assignment):
    today = assignment.deadline + dt.timedelta(1)
    due = reminders.reminders_due(today=today)
    # Another worker recorded the same stage between our scan and our claim.
    reminders.reminders_send(today=today, now=NOW)
    mail.outbox.clear()

    assert (
        reminders.reminder_claim(
            due=due[0], audience=reminders.Audience(users=[people.unit_user]), today=today, now=NOW
        )
        is None
    )
    assert reminder_notes().count() == 1
    assert ReminderDelivery.objects.count() == 1


def test_an_answered_assignment_gets_no_reminder(people, journey):
    _s, reply = journey.replied()
    deadline = reply.assignment.deadline
    assert reminders.reminders_send(today=deadline + dt.timedelta(1), now=NOW).claimed == 0


def test_a_new_deadline_starts_its_stages_afresh(people, assignment):
    reminders.reminders_send(today=assignment.deadline - dt.timedelta(3), now=NOW)
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment, **FIVE_FIXED)
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=assignment.deadline + dt.timedelta(30),
        reason="涉及多部门协调",
        deputy_informed=True,
    )
    workflow.extension_decide(actor=people.staff, request=request, approve=True)
    assignment.refresh_from_db()

    reminders.reminders_send(today=assignment.deadline - dt.timedelta(3), now=NOW)
    assert [k for k, *_ in deliveries()] == ["before:3", "before:3"]


def test_weekly_overdue_reminders_then_escalation_to_supervisor_and_staff(
    people, journey, assignment
):
    suggestion = assignment.suggestion
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
    )
    for days in (1, 3, 8, 16):
        reminders.reminders_send(today=assignment.deadline + dt.timedelta(days), now=NOW)

    assert [k for k, *_ in deliveries()] == ["escalation", "overdue:0", "overdue:1", "overdue:2"]
    escalation = ReminderDelivery.objects.get(kind="escalation")
    assert escalation.recipients == [people.leader.email, people.staff.email]
    assert set(
        reminder_notes()
        .filter(kind="reminder.escalation")
        .values_list("recipient__username", flat=True)
    ) == {"leader1", "staff1"}
    unit_notes = reminder_notes().filter(recipient=people.unit_user)
    assert unit_notes.count() == 3
    assert "已逾期16天" in mail.outbox[-1].subject


def test_escalation_of_an_ordinary_suggestion_goes_to_staff_only(people, assignment):
    reminders.reminders_send(today=assignment.deadline + dt.timedelta(16), now=NOW)
    escalation = ReminderDelivery.objects.get(kind="escalation")
    assert escalation.recipients == [people.staff.email]


def test_the_threshold_is_a_setting(people, assignment, settings):
    settings.PORTAL = {**settings.PORTAL, "OVERDUE_ESCALATION_DAYS": 2}
    reminders.reminders_send(today=assignment.deadline + dt.timedelta(3), now=NOW)
    assert ReminderDelivery.objects.filter(kind="escalation").exists()


def test_a_unit_without_accounts_is_mailed_at_its_address(people, journey):
    people.other_unit.email = "office@jyj.example.org"
    people.other_unit.save()
    _s, a = journey.assigned(roles=(("other_unit", "lead"),))
    people.other_unit_user.is_active = False
    people.other_unit_user.save()
    reminders.reminders_send(today=a.deadline - dt.timedelta(14), now=NOW)
    assert mail.outbox[0].to == ["office@jyj.example.org"]


# --- mail failures ---------------------------------------------------------------------------


def test_a_mail_failure_is_retried_with_backoff_without_sending_twice(people, assignment, settings):
    today = assignment.deadline - dt.timedelta(7)
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    first = reminders.reminders_send(today=today, now=NOW)

    assert (first.claimed, first.retry) == (1, 1)
    delivery = ReminderDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert "smtp down" in delivery.last_error
    assert delivery.next_attempt_at == NOW + dt.timedelta(minutes=1)
    # Before the backoff has passed, neither a retry nor a run sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    soon = NOW + dt.timedelta(seconds=30)
    assert reminders.reminder_send_email(delivery_id=delivery.pk, now=soon) == "skipped"
    assert reminders.reminders_send(today=today, now=soon).sent == 0
    later = NOW + dt.timedelta(minutes=2)
    assert reminders.reminder_send_email(delivery_id=delivery.pk, now=later) == "sent"
    assert reminders.reminders_send(today=today, now=later + dt.timedelta(hours=1)).sent == 0

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)


def test_after_the_last_attempt_the_reminder_is_marked_failed(people, assignment, settings):
    settings.EMAIL_BACKEND = "tests.test_reminders.FailingBackend"
    now = NOW
    reminders.reminders_send(today=assignment.deadline - dt.timedelta(7), now=now)
    delivery = ReminderDelivery.objects.get()
    outcomes = []
    for _ in range(reminders.MAX_ATTEMPTS - 1):
        now += dt.timedelta(hours=1)
        outcomes.append(reminders.reminder_send_email(delivery_id=delivery.pk, now=now))

    assert outcomes == ["retry", "retry", "retry", "failed"]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 5, None)
    assert reminder_notes().count() == 1  # the inbox row was never at risk


def test_a_worker_dying_mid_run_leaves_the_rest_for_the_next_run(people, journey, settings):
    # Three due reminders; the "process" dies while sending the second e-mail.
    assignments = [journey.assigned()[1] for _ in range(3)]
    deadline = max(a.deadline for a in assignments)
    today = deadline - dt.timedelta(3)
    DiesOnSecondMessageBackend.sent = 0
    settings.EMAIL_BACKEND = "tests.test_reminders.DiesOnSecondMessageBackend"
    with pytest.raises(WorkerDied):
        reminders.reminders_send(today=today, now=NOW)
    assert sorted(s for _, s, _ in deliveries()) == ["pending", "pending", "sent"]
    assert len(mail.outbox) == 1

    # Within the dead attempt's lease nobody touches its row; after it, the next run sends
    # the two left, once each.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders.reminders_send(today=today, now=NOW + dt.timedelta(minutes=1)).sent == 1
    assert reminders.reminders_send(today=today, now=NOW + dt.timedelta(minutes=6)).sent == 1
    assert reminders.reminders_send(today=today, now=NOW + dt.timedelta(minutes=60)).sent == 0

    assert len(mail.outbox) == 3
    assert reminder_notes().count() == 3
    assert sorted(s for _, s, _ in deliveries()) == ["sent", "sent", "sent"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(people, journey):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for truly concurrent transactions (SQLite serialises)")
    assignments = [journey.assigned()[1] for _ in range(5)]
    today = max(a.deadline for a in assignments) - dt.timedelta(3)
    barrier = threading.Barrier(2)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(reminders.reminders_send(today=today, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(r.claimed for r in results) == 5
    assert sum(r.sent for r in results) == 5
    # Only reminder mails: assigning the suggestions above also mailed the unit.
    assert len([m for m in mail.outbox if "提醒" in m.subject]) == 5
    assert reminder_notes().count() == 5


# --- the task --------------------------------------------------------------------------------


def test_the_task_only_delegates_to_the_service(people, assignment):
    today = assignment.deadline - dt.timedelta(14)
    out = tasks.send_reminders.apply(args=[today.isoformat()]).get()

    assert out == str(reminders.RunResult(claimed=1, sent=1))
    assert deliveries() == [("before:14", "sent", 1)]


def test_reminder_tasks_go_to_the_reminders_queue():
    from congress.celery import app

    for task in (tasks.send_reminders, tasks.send_reminder_email, tasks.send_notification_emails):
        assert app.amqp.router.route({}, task.name)["queue"].name == "reminders"
        assert task.acks_late


def test_the_command_runs_the_job(people, assignment):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    today = assignment.deadline + dt.timedelta(1)
    call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    assert "新记录 1" in out.getvalue()
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("send_reminders", "--today", "2026-02-30")


def test_an_inactive_unit_user_is_not_reminded(people, journey):
    extra = UserFactory(username="unit3", is_unit_user=True, unit=people.unit, is_active=False)
    _s, a = journey.assigned()
    reminders.reminders_send(today=a.deadline - dt.timedelta(3), now=NOW)
    assert not reminder_notes().filter(recipient=extra).exists()
