"""GET /healthz: 200 when the database and the broker answer, 503 naming the one that does not.

The broker is whatever the suite was given (memory:// by `make test`, Redis in CI). Failures
are real ones: a broker port nobody listens on, a database that cannot be opened.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from congress.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parent.parent
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch):
    """Point the Celery app at a port nobody listens on; monkeypatch restores both after."""
    # Celery's conf.broker_url prefers the CELERY_BROKER_URL environment variable (which
    # `make test` and CI set) over its own value, so both are pointed there.
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    monkeypatch.setitem(celery_app.conf, "broker_url", UNREACHABLE_BROKER)
    assert celery_app.conf.broker_url == UNREACHABLE_BROKER


@pytest.mark.django_db
def test_it_reports_ok_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_it_is_never_cached_and_needs_no_login(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_quickly_when_the_broker_is_unreachable(client, broker_down):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "error"}
    assert elapsed < 2


def test_the_broker_fixture_restores_the_suite_broker():
    assert celery_app.conf.broker_url != UNREACHABLE_BROKER


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-directory/portal.sqlite3",  # the file cannot be opened
        "postgres://portal@127.0.0.1:1/portal",  # no server on that port
    ],
    ids=["sqlite-unopenable", "postgres-refused"],
)
def test_it_answers_503_when_the_database_is_unreachable(database_url, tmp_path):
    # A separate process, because the suite's own connection is the test database and is
    # kept open for the whole run; here the portal starts against a dead one.
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client(HTTP_HOST='localhost').get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress.settings",
        "PORTAL_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": "memory://",
        "DEBUG": "true",
        "ALLOWED_HOSTS": "localhost",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == (
        '503 {"status": "error", "database": "error", "broker": "ok"}'
    )
