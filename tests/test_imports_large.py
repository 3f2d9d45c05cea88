"""Big files are checked and imported by Celery tasks on the configured broker (memory:// by
default, Redis in CI), recording their progress for the page's progress bar."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from congress.celery import app
from imports import excel
from imports.models import ImportJob
from suggestions.models import AuditEvent, Suggestion

from .factories import category
from .test_pages import login
from .xlsx import confirm, latest_job, suggestion_row, upload, workbook

ROWS = 10_000

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def worker():
    """One worker thread for the module (start-up and shutdown cost seconds)."""
    with app.connection_for_write() as conn:
        # E-mails queued by earlier transactional tests (browser tests, faults) would run
        # first, in a thread without database access, and set `task_done` for the wrong task.
        for queue in ("default", "reminders", "rollups"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # a queue that was never declared
                pass
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield


@pytest.fixture
def task_done():
    """Set when a task has finished on the worker: the test then reads the database, never
    while the worker writes (SQLite's shared in-memory test database would refuse)."""
    done = threading.Event()

    def finished(**kwargs):
        connections.close_all()  # the worker thread's own; PostgreSQL drops the test DB later
        done.set()

    task_postrun.connect(finished, weak=False)
    yield done
    task_postrun.disconnect(finished)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def staff_client(client, people):
    category("城乡建设")
    login(client, people.staff)
    return client


def _wait(event: threading.Event) -> None:
    assert event.wait(timeout=300), "the Celery task did not finish"
    event.clear()


def test_a_10000_row_file_is_checked_and_imported_by_celery_tasks(
    staff_client, people, worker, task_done, capsys
):
    rows = [
        suggestion_row(number=n, title=f"关于第{n}号路口增设信号灯的建议", co_signers="李娜")
        for n in range(1, ROWS + 1)
    ]
    content = workbook(excel.SUGGESTIONS, rows)

    started = time.perf_counter()
    page = upload(staff_client, "suggestions", content).content.decode()
    assert "<progress" in page and "本页会自动更新" in page
    _wait(task_done)
    checked = time.perf_counter()
    job = latest_job()
    assert (job.state, job.total_rows, job.processed_rows) == ("ready", ROWS, ROWS)
    assert Suggestion.objects.count() == 0

    confirm(staff_client, job)
    _wait(task_done)
    imported = time.perf_counter()

    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE, job.message
    assert job.created_counts == {"代表建议": ROWS}
    assert Suggestion.objects.filter(status="registered").count() == ROWS
    assert Suggestion.co_signers.through.objects.count() == ROWS
    assert AuditEvent.objects.count() == 2 * ROWS
    assert staff_client.get(f"/imports/jobs/{job.pk}/progress/").json()["percent"] == 100
    with capsys.disabled():  # the timing goes in every run's log
        print(
            f"\n[import {ROWS} rows] check {checked - started:.1f} s, "
            f"import {imported - checked:.1f} s",
            end=" ",
        )


def test_errors_found_by_the_task_are_listed_and_nothing_is_saved(
    staff_client, people, worker, task_done, settings
):
    settings.PORTAL = {**settings.PORTAL, "IMPORT_INLINE_MAX_ROWS": 1}
    rows = [suggestion_row(number=1), suggestion_row(number=2, channel="网上")]

    upload(staff_client, "suggestions", workbook(excel.SUGGESTIONS, rows))
    _wait(task_done)

    page = staff_client.get(f"/imports/jobs/{latest_job().pk}/").content.decode()
    assert "<td>代表建议</td><td>3</td><td>来源</td><td>“网上”不正确" in page
    assert Suggestion.objects.count() == 0
