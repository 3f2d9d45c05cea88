"""The jobs on a real Celery worker (celery.contrib.testing), on the broker the suite is given:
Redis in CI, the in-memory transport on a fresh machine (worker and test share the process).

One worker for the module: starting and stopping one costs seconds."""

import datetime as dt
import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection

from congress.celery import app
from notifications import reminders, tasks
from notifications.models import Notification, ReminderDelivery
from rollups import selectors
from rollups.tasks import compute_rollups, refresh_rollups
from suggestions import figures, workflow

from .conftest import purge_broker_queues
from .test_rollups import build_published_report


class Finished:
    """Ids of the tasks the worker has run, from the worker's own signal."""

    def __init__(self):
        self.ids = set()
        task_postrun.connect(self.record, weak=False)

    def record(self, task_id=None, **kwargs):
        self.ids.add(task_id)

    def wait(self, *results, timeout=30):
        deadline = time.monotonic() + timeout
        while not {r.id for r in results} <= self.ids:
            assert time.monotonic() < deadline, "the worker did not run the tasks in time"
            time.sleep(0.05)


def reminder_mails():
    """Reminder e-mails only: assigning the test's suggestions also mails the units."""
    return [m for m in mail.outbox if "提醒" in m.subject or "督办" in m.subject]


def reminder_notes():
    """Inbox rows written by the reminder job (the workflow writes others of its own)."""
    return Notification.objects.filter(kind__startswith="reminder.")


# Module scope: the worker must be gone before other modules' tests queue tasks of their own.
@pytest.fixture(scope="module")
def worker():
    purge_broker_queues()  # left over from earlier tests or an interrupted run
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield Finished()


@pytest.fixture
def on_worker(worker, transactional_db):
    # The worker thread opens its own database connection; data must be committed.
    yield worker
    connection.close()


def due_assignments(journey, count):
    return [journey.assigned()[1] for _ in range(count)]


def test_two_concurrent_runs_send_each_reminder_once_with_escalation(on_worker, people, journey):
    assignments = due_assignments(journey, 3)
    workflow.suggestion_mark_key(
        actor=people.staff,
        suggestion=assignments[0].suggestion,
        is_key=True,
        supervisor=people.leader,
    )
    today = (assignments[0].deadline + dt.timedelta(16)).isoformat()

    # Two runs queued for the worker, and one more in this thread at the same time.
    queued = [tasks.send_reminders.delay(today), tasks.send_reminders.delay(today)]
    here = threading.Thread(
        target=lambda: (tasks.send_reminders.apply(args=[today]), connection.close())
    )
    here.start()
    here.join()
    on_worker.wait(*queued)

    # Each assignment: overdue:2 to the unit, escalation to the supervisor (key) and staff.
    kinds = sorted(ReminderDelivery.objects.values_list("assignment_id", "kind", "state"))
    assert kinds == sorted(
        (a.pk, kind, "sent") for a in assignments for kind in ("overdue:2", "escalation")
    )
    assert len(reminder_mails()) == 6
    assert reminder_notes().filter(recipient=people.unit_user).count() == 3
    assert reminder_notes().filter(recipient=people.staff).count() == 3
    assert reminder_notes().filter(recipient=people.leader).count() == 1


def test_a_run_after_a_crash_mid_run_sends_what_was_left_once(on_worker, people, journey):
    assignments = due_assignments(journey, 3)
    today = assignments[0].deadline - dt.timedelta(7)
    # A worker claimed all three, mailed the first, and died while mailing the second.
    crashed_at = reminders.timezone.now() - dt.timedelta(hours=1)
    due = reminders.reminders_due(today=today)
    claimed = [
        reminders.reminder_claim(
            due=d,
            audience=reminders.Audience(users=[people.unit_user], emails=["u@example.org"]),
            today=today,
            now=crashed_at,
        )
        for d in due
    ]
    assert reminders.reminder_send_email(delivery_id=claimed[0].pk, now=crashed_at) == "sent"
    assert reminders.reminder_take_lease(delivery_id=claimed[1].pk, now=crashed_at)
    assert len(reminder_mails()) == 1

    first = tasks.send_reminders.delay(today.isoformat())
    on_worker.wait(first)
    again = tasks.send_reminders.delay(today.isoformat())
    on_worker.wait(again)

    assert len(reminder_mails()) == 3
    assert sorted(ReminderDelivery.objects.values_list("state", flat=True)) == ["sent"] * 3
    assert reminder_notes().count() == 3


def test_a_change_is_rolled_up_by_the_watermark_job_on_the_worker(on_worker, people, journey):
    suggestion, _ = journey.assigned()
    today = reminders.timezone.localdate()
    scope = figures.Scope(term=people.term.pk)

    on_worker.wait(refresh_rollups.delay(today.isoformat()))
    found = selectors.figure_set(scope=scope, as_of=today, units=True)
    assert found.provenance.stored and found.figures.assigned == 1

    # A change after it: live until the next run, stored and equal to the live figures after.
    journey.assigned(roles=(("other_unit", "lead"),))
    assert not selectors.figure_set(scope=scope, as_of=today).provenance.stored
    on_worker.wait(refresh_rollups.delay(today.isoformat()))
    found = selectors.figure_set(scope=scope, as_of=today, units=True)
    assert found.provenance.stored
    assert found.figures == figures.compute(scope=scope, as_of=today)
    assert len(found.units) == 2


def test_the_worker_stores_the_published_figures(on_worker, people):
    day = reminders.timezone.localdate() - dt.timedelta(10)
    build_published_report(people, as_of=day)
    on_worker.wait(compute_rollups.delay(day.isoformat()))

    found = selectors.figure_set(
        scope=figures.Scope(term=people.term.pk), as_of=day, breakdown=True
    )
    assert found.provenance.stored
    term = found.figures
    assert (term.submitted, term.assigned, str(term.assigned_share)) == (203, 201, "99.0%")
    assert (term.results["A"], term.results["B"], term.results["C"]) == (166, 24, 11)
    assert str(term.solved_rate) == "82.6%"
    session = found.by_channel["session"]
    assert (session.assigned, str(session.completion_rate)) == (83, "69.9%")
