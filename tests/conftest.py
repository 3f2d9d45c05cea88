"""Shared test setup: a user of every role and an outsider of each kind, and helpers that
take a suggestion through the workflow to a given state."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from congresses.rls import as_owner
from suggestions import workflow
from suggestions.models import Assignment

from .factories import (
    FIVE_FIXED,
    DeputyFactory,
    SuggestionFactory,
    TermFactory,
    UnitFactory,
    UserFactory,
    release_reply,
)


@dataclass
class People:
    staff: object
    leader: object
    unit_user: object  # of `unit`
    other_unit_user: object  # of `other_unit`: an outsider for `unit`'s assignments
    deputy_user: object  # leads the suggestions made by `submitted()`
    other_deputy_user: object
    nobody: object  # logged in, no role
    unit: object
    other_unit: object
    deputy: object
    other_deputy: object
    term: object


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 costs ~0.3 s per user; tests create many users and never test the hash strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections_at_the_end(django_db_setup, django_db_blocker):
    """Threads of the live server and of test workers may leave a PostgreSQL session open;
    end them before pytest-django drops the test database, so the drop never fails."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    # As the owner: the application role may not end the owner's sessions.
    with django_db_blocker.unblock(), as_owner(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session", autouse=True)
def _requests_as_the_application_role(django_db_setup, django_db_blocker):
    """With PORTAL_DB_APP_ROLE set on PostgreSQL, every request a test client makes acts as
    that role, as the web service's do, so row-level security binds the pages; the tests' own
    setup and checks act as the tables' owner (as seed_demo does), which it does not bind."""
    from django.core.signals import request_finished, request_started
    from django.db import connection

    role = connection.settings_dict["OPTIONS"].get("assume_role")
    if connection.vendor != "postgresql" or not role:
        yield
        return

    def run(sql):
        connection.ensure_connection()
        with connection.connection.cursor() as cursor:  # raw: query counts stay as they are
            cursor.execute(sql)

    def enter(**kwargs):
        run(connection.ops.compose_sql("SET ROLE %s", [role]))

    def leave(**kwargs):
        run("RESET ROLE")

    with django_db_blocker.unblock(), as_owner():
        request_started.connect(enter, dispatch_uid="tests.app_role.enter")
        request_finished.connect(leave, dispatch_uid="tests.app_role.leave")
        try:
            yield
        finally:
            request_started.disconnect(dispatch_uid="tests.app_role.enter")
            request_finished.disconnect(dispatch_uid="tests.app_role.leave")


@pytest.fixture(scope="session", autouse=True)
def _flush_as_history_maintenance():
    """Between transactional tests the runner empties every table with TRUNCATE, which the
    audit trail's trigger refuses on PostgreSQL: that flush is a deliberate act, so it runs
    through the one maintenance path."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from suggestions.history import history_maintenance

    flush = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with history_maintenance(using=self.connection.alias):
            flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(BaseDatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files of a test go to its own folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _sms_to_a_file(settings, tmp_path):
    """No text message leaves in a test: the file backend writes them to the test's folder."""
    settings.SMS_BACKEND = "notifications.sms.FileSmsBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "sms" / "outbox.jsonl")


@pytest.fixture
def people(db) -> People:
    term = TermFactory()
    unit, other_unit = UnitFactory(name="市交通运输局"), UnitFactory(name="市教育局")
    deputy_user = UserFactory(username="deputy1", is_deputy=True)
    other_deputy_user = UserFactory(username="deputy2", is_deputy=True)
    return People(
        staff=UserFactory(username="staff1", is_committee_staff=True),
        leader=UserFactory(username="leader1", is_leader=True),
        unit_user=UserFactory(
            username="unit1", is_unit_user=True, unit=unit, can_sign_replies=True
        ),
        other_unit_user=UserFactory(username="unit2", is_unit_user=True, unit=other_unit),
        deputy_user=deputy_user,
        other_deputy_user=other_deputy_user,
        nobody=UserFactory(username="nobody"),
        unit=unit,
        other_unit=other_unit,
        deputy=DeputyFactory(term=term, name="张伟", user=deputy_user),
        other_deputy=DeputyFactory(term=term, name="李娜", user=other_deputy_user),
        term=term,
    )


class Journey:
    """Takes a suggestion along the happy path, one workflow call per step."""

    def __init__(self, people: People):
        self.p = people

    def submitted(self, **kwargs):
        kwargs.setdefault("term", self.p.term)
        kwargs.setdefault("lead_deputy", self.p.deputy)
        return SuggestionFactory(**kwargs)

    def registered(self, **kwargs):
        suggestion = self.submitted(**kwargs)
        return workflow.suggestion_register(actor=self.p.staff, suggestion=suggestion)

    def assigned(self, roles=(("unit", "lead"),), assigned_on=None, **kwargs) -> tuple:
        suggestion = self.registered(**kwargs)
        units = [(getattr(self.p, name), role) for name, role in roles]
        assignments = workflow.suggestion_assign(
            actor=self.p.staff, suggestion=suggestion, units=units, assigned_on=assigned_on
        )
        return suggestion, assignments[0]

    def accepted(self, **kwargs) -> tuple:
        suggestion, assignment = self.assigned(**kwargs)
        workflow.assignment_accept(actor=self.p.unit_user, assignment=assignment, **FIVE_FIXED)
        return suggestion, Assignment.objects.get(pk=assignment.pk)

    def replied(self, result="A", attachments=(), **kwargs) -> tuple:
        suggestion, assignment = self.accepted(**kwargs)
        reply = release_reply(
            actor=self.p.unit_user,
            assignment=assignment,
            text="经研究,已采纳并落实。",
            result=result,
            is_public=True,
            attachments=attachments,
        )
        suggestion.refresh_from_db()
        return suggestion, reply


@pytest.fixture
def journey(people) -> Journey:
    return Journey(people)


# --- browser tests ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def page(monkeypatch):
    """A page in Debian's Chromium under Playwright (never a downloaded browser).

    Playwright is started per test: its event loop must be gone before the database teardown,
    and the ORM may run beside it only while the test runs.
    """
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip(
            "Chromium is not installed (apt-get install chromium fonts-noto-cjk); browser test skipped"
        )
    from playwright.sync_api import sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        page = context.new_page()
        # Anything the Content-Security-Policy blocks is a broken page: fail the test.
        blocked = []
        page.on(
            "console",
            lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
        )
        yield page
        context.close()
        browser.close()
        assert not blocked, f"the CSP blocked: {blocked}"


def screenshot(page, name: str) -> Path:
    """Saved under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def purge_broker_queues() -> None:
    """Drop tasks queued by earlier tests (a committed assignment queues its e-mails) before a
    test worker starts: they would run against this test's database, or wait on its lock."""
    from congress.celery import app

    with app.connection_for_write() as conn:
        for queue in ("default", "reminders", "rollups"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: BLE001 - a queue that was never declared has nothing to purge
                pass


# --- S3-compatible object storage (PORTAL_STORAGE=s3) --------------------------------------
S3_KEYS = {"access_key": "portal-test", "secret_key": "portal-test-secret"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """A real S3 HTTP endpoint on loopback (moto's server, shared/STACK.md), one per session."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


class S3Bucket:
    def __init__(self, client, name, endpoint):
        self.client, self.name, self.endpoint = client, name, endpoint

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def environment(self) -> dict[str, str]:
        """The portal's settings for this bucket, for a child process."""
        return {
            "PORTAL_STORAGE": "s3",
            "PORTAL_S3_BUCKET": self.name,
            "PORTAL_S3_ENDPOINT_URL": self.endpoint,
            "PORTAL_S3_ACCESS_KEY_ID": S3_KEYS["access_key"],
            "PORTAL_S3_SECRET_ACCESS_KEY": S3_KEYS["secret_key"],
            "PORTAL_S3_REGION": "us-east-1",
        }


@pytest.fixture
def s3_bucket(s3_endpoint, settings):
    """A new private bucket, and the portal's default storage switched to it with the options
    the settings build. Changing STORAGES resets Django's storage cache
    (django.test.signals.storages_changed), so every FileField, whose storage is the lazy
    default_storage, reads and writes the bucket."""
    import uuid

    import boto3

    from congress.storage import s3_storage_options

    name = f"portal-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=S3_KEYS["access_key"],
        aws_secret_access_key=S3_KEYS["secret_key"],
    )
    client.create_bucket(Bucket=name)
    options = s3_storage_options(
        bucket=name, endpoint_url=s3_endpoint, region="us-east-1", **S3_KEYS
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    return S3Bucket(client, name, s3_endpoint)
