"""What users notice when a service fails: the broker down, a worker killed mid-job, the
database gone mid-request. Every failure here is a real one (a port nobody listens on, a
SIGKILL, a terminated PostgreSQL backend); none of our code is replaced."""

import datetime as dt
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from congress.celery import app
from imports import excel
from imports.models import ImportJob
from notifications import reminders, tasks
from notifications.models import Notification, ReminderDelivery
from suggestions.models import Assignment, AuditEvent

from .factories import category
from .xlsx import suggestion_row, upload, workbook

BASE_DIR = Path(__file__).resolve().parent.parent
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


def _reset_producer_pools():
    # Celery caches its connection and producer pools on first publish; the same reset it
    # does after a fork makes the next publish connect to the broker URL now configured.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker_down(monkeypatch):
    """Celery's broker is a port nobody listens on, for publishing and for /healthz."""
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    monkeypatch.setitem(app.conf, "broker_url", UNREACHABLE_BROKER)
    _reset_producer_pools()
    yield
    monkeypatch.undo()
    _reset_producer_pools()


def login(client, user) -> Client:
    client.force_login(user)
    return client


# --- Redis (the broker) down ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)  # on_commit hooks run only on a real commit
def test_with_the_broker_down_pages_work_and_assigning_commits(
    client, people, journey, broker_down, caplog
):
    suggestion = journey.registered()
    staff = login(client, people.staff)
    for url in ("/", "/suggestions/", f"/suggestions/{suggestion.pk}/", "/notifications/"):
        assert staff.get(url).status_code == 200, url

    started = time.monotonic()
    with caplog.at_level(logging.ERROR):
        response = staff.post(
            f"/suggestions/{suggestion.pk}/assign/",
            {"lead": people.unit.pk, "assigned_on": timezone.localdate().isoformat()},
        )
    elapsed = time.monotonic() - started

    # The page answers at once and the assignment is saved; the e-mails could not be queued
    # (logged) but the unit still finds the assignment in its inbox and notifications.
    assert response.status_code == 302
    assert elapsed < 5
    assignment = Assignment.objects.get(suggestion=suggestion)
    assert Notification.objects.filter(
        recipient=people.unit_user, assignment=assignment, kind="assignment.new"
    ).exists()
    assert "notification e-mails not queued" in caplog.text
    unit = login(Client(), people.unit_user)
    assert unit.get("/inbox/").status_code == 200
    assert unit.get(f"/inbox/{assignment.pk}/").status_code == 200

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["broker"] == "error"


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_a_big_import_says_so_instead_of_waiting_forever(
    client, people, broker_down, settings, caplog
):
    settings.PORTAL = {**settings.PORTAL, "IMPORT_INLINE_MAX_ROWS": 1}  # two rows go to a task
    category("城乡建设")
    rows = [suggestion_row(number=n) for n in (1, 2)]

    with caplog.at_level(logging.ERROR):
        page = upload(login(client, people.staff), "suggestions", workbook(excel.SUGGESTIONS, rows))

    assert page.status_code == 200
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.INVALID
    assert "后台任务服务暂时不可用" in page.content.decode()
    assert "check task not queued" in caplog.text


# --- a worker killed mid-job ------------------------------------------------------------------


def _needs_postgres_and_redis():
    if connection.vendor != "postgresql" or not app.conf.broker_url.startswith("redis://"):
        pytest.skip(
            "needs PostgreSQL and Redis: the killed worker is another process, which cannot "
            "reach SQLite's in-memory test database or the in-memory broker"
        )


class Worker:
    """`celery worker` in a process of its own, on the suite's database and broker."""

    def __init__(self, tmp_path: Path, name: str, **env):
        db = connection.settings_dict
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "congress.settings",
            "DEBUG": "true",
            "PORTAL_VAR_DIR": str(tmp_path),
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
                f"{db['PORT'] or 5432}/{db['NAME']}"
            ),
            "CELERY_BROKER_URL": app.conf.broker_url,
            "EMAIL_BACKEND": "tests.mail_to_files.EmailBackend",
            **env,
        }
        self.name = name
        self.log = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "congress", "worker", "--pool=solo"]
            + ["-Q", "reminders", "-n", f"{name}@%h", "--without-mingle", "--without-gossip"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def wait_for(condition, what: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_reminder_run_loses_and_doubles_nothing_after_restart(
    people, journey, tmp_path
):
    _needs_postgres_and_redis()
    mails = tmp_path / "mails"
    mails.mkdir()
    assignments = [journey.assigned()[1] for _ in range(3)]
    today = assignments[0].deadline - dt.timedelta(7)
    with app.connection_for_write() as conn:  # e-mails queued by assigning: not this test's
        conn.default_channel.queue_purge("reminders")
    workers = []
    try:
        # 1. The worker claims the three reminders, mails the first, then its SMTP hangs.
        first = Worker(
            tmp_path, "doomed", MAIL_TO_FILES_DIR=str(mails), MAIL_TO_FILES_HANG_AFTER="1"
        )
        workers.append(first)
        tasks.send_reminders.delay(today.isoformat())
        wait_for(
            lambda: (
                ReminderDelivery.objects.filter(state="sent").count() == 1
                and ReminderDelivery.objects.filter(
                    state="pending", sending_until__isnull=False
                ).count()
                == 1
            ),
            "the first mail sent and the second one's lease taken",
        )
        assert len(list(mails.iterdir())) == 1
        # 2. Killed mid-job: no warm shutdown, no chance to tidy up.
        os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait()
        states = sorted(ReminderDelivery.objects.values_list("state", flat=True))
        assert states == ["pending", "pending", "sent"]

        # 3. Five minutes later the dead worker's lease has run out; a new worker takes the
        # next hourly run.
        ReminderDelivery.objects.filter(sending_until__isnull=False).update(
            sending_until=timezone.now() - dt.timedelta(seconds=1)
        )
        workers.append(Worker(tmp_path, "restarted", MAIL_TO_FILES_DIR=str(mails)))
        tasks.send_reminders.delay(today.isoformat())
        wait_for(
            lambda: ReminderDelivery.objects.filter(state="sent").count() == 3,
            "the restarted worker to send the rest",
        )
        # And the run after that finds nothing left to do.
        again = reminders.reminders_send(today=today)
        assert (again.claimed, again.sent) == (0, 0)
    finally:
        for worker in workers:
            worker.stop()
        with app.connection_for_write() as conn:
            # The killed run's unacknowledged message would come back in an hour, to some
            # later test run's worker: drop it.
            conn.default_channel.client.delete("unacked", "unacked_index")
        connection.close()

    # Each of the three reminders reached the unit once: in the inbox and by e-mail.
    sent_to = sorted(
        ReminderDelivery.objects.values_list("assignment_id", "state").order_by("assignment_id")
    )
    assert sent_to == [(a.pk, "sent") for a in assignments]
    assert len(list(mails.iterdir())) == 3
    notes = Notification.objects.filter(kind__startswith="reminder.")
    assert sorted(notes.values_list("assignment_id", flat=True)) == [a.pk for a in assignments]


# --- the database gone mid-request ------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_gone_mid_request_shows_the_error_page_and_writes_nothing(
    people, journey, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the connection is ended from another session")
    assert settings.DEBUG is False
    suggestion = journey.registered()
    client = login(Client(raise_request_exception=False), people.staff)
    client.get("/")  # the session is loaded; the next request's first write is the assignment
    backend_pid = connection.connection.info.backend_pid

    def end_session_after_the_first_write(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith('INSERT INTO "suggestions_assignment"'):
            # An administrator, a failover or a network cut ends the session right here.
            other = connections.create_connection("default")
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
            other.close()
        return result

    with connection.execute_wrapper(end_session_after_the_first_write):
        response = client.post(
            f"/suggestions/{suggestion.pk}/assign/",
            {"lead": people.unit.pk, "assigned_on": timezone.localdate().isoformat()},
        )

    page = response.content.decode()
    assert response.status_code == 500
    assert "系统暂时出现错误" in page and "没有保存任何内容" in page
    assert "Traceback" not in page and "INSERT" not in page
    connection.close()
    # The request's one transaction died with its session: the first write is gone too.
    assert not Assignment.objects.filter(suggestion=suggestion).exists()
    assert not AuditEvent.objects.filter(action="assignment.create").exists()
    suggestion.refresh_from_db()
    assert suggestion.status == "registered"


SERVER_APP = "portal_faults_gunicorn"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_dropped_is_replaced_before_the_next_request(tmp_path):
    # gunicorn with production settings keeps its database connection between requests
    # (DB_CONN_MAX_AGE's default); a restart or failover that drops it must not answer the
    # next request with an error: the connection is checked first and opened again.
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the server's connection is ended from this session")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress.settings",
        "DEBUG": "false",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}?application_name={SERVER_APP}"
        ),
        "CELERY_BROKER_URL": "memory://",
    }
    env.pop("DB_CONN_MAX_AGE", None)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = open(tmp_path / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "congress.wsgi", f"--bind=127.0.0.1:{port}"]
        + ["--workers=1", "--threads=1", "--no-control-socket"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )

    def healthz():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            return answer.status, json.loads(answer.read())

    def server_backends():
        # The server's own sessions, by name: earlier tests' live servers and workers may
        # still hold sessions of this database.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND application_name = %s AND backend_type = 'client backend'",
                [SERVER_APP],
            )
            return [pid for (pid,) in cursor.fetchall()]

    try:
        wait_for(lambda: _answers(healthz), "gunicorn to start", timeout=30)
        kept = server_backends()
        assert healthz()[0] == 200
        assert len(kept) == 1 and server_backends() == kept  # one connection, kept

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", kept)
        wait_for(lambda: not server_backends(), "the backend to end")

        assert healthz() == (200, {"status": "ok", "database": "ok", "broker": "ok"})
        assert len(server_backends()) == 1 and server_backends() != kept
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _answers(request) -> bool:
    try:
        return request()[0] == 200
    except OSError:
        return False


# --- the error pages --------------------------------------------------------------------------


def test_the_error_pages_are_chinese_and_need_no_database(people):
    from django.template.loader import render_to_string

    with connections["default"].execute_wrapper(_no_queries):
        assert "系统暂时出现错误" in render_to_string("500.html")
    client = login(Client(), people.nobody)
    missing = client.get("/suggestions/999999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    refused = client.get("/suggestions/new/")
    assert refused.status_code == 403 and "无权进行此操作" in refused.content.decode()


def _no_queries(execute, sql, params, many, context):
    raise AssertionError(f"the error page queried the database: {sql}")
