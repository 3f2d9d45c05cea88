"""Settings read from the environment: production refuses unsafe values, development needs no
server, and the suite says which database and broker it actually runs on.

Each configuration is loaded in a fresh interpreter, since settings are read once at import.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
SETTINGS_SOURCE = (BASE_DIR / "congress" / "settings.py").read_text()
SETTINGS_VARIABLES = sorted(
    set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z0-9_]+)"', SETTINGS_SOURCE))
)
PRINT_DATABASE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; print(json.dumps({'ENGINE': db['ENGINE'], "
    "'NAME': str(db['NAME']), 'HOST': db.get('HOST', '')}))"
)


def run_django(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Set up Django in a child process whose environment holds only `env` of the variables
    settings read (so CI's DATABASE_URL and the like do not leak in)."""
    child_env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    child_env.update(DJANGO_SETTINGS_MODULE="congress.settings", PORTAL_VAR_DIR=str(tmp_path))
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def production(**env: str) -> dict[str, str]:
    values = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "portal.example.org",
    }
    values.update(env)
    return {k: v for k, v in values.items() if v is not None}


def test_it_reads_the_variables_it_is_expected_to():
    # Guards the regex the other tests rely on to clear the environment.
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL"} <= set(
        SETTINGS_VARIABLES
    )


@pytest.mark.parametrize(
    "secret_key",
    [None, "dev-only-insecure-key-do-not-use-in-production", "short-but-set"],
    ids=["missing", "development-default", "too-short"],
)
def test_production_refuses_an_unsafe_secret_key(tmp_path, secret_key):
    result = run_django(
        "import django; django.setup()", tmp_path, **production(SECRET_KEY=secret_key)
    )

    assert result.returncode != 0
    assert "ConfigError: SECRET_KEY must be set to a random value" in result.stderr


def test_production_refuses_missing_allowed_hosts(tmp_path):
    result = run_django("import django; django.setup()", tmp_path, **production(ALLOWED_HOSTS=""))

    assert result.returncode != 0
    assert "ConfigError: ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_production_starts_with_a_random_secret_key_and_allowed_hosts(tmp_path):
    code = (
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check'])"
    )
    result = run_django(code, tmp_path, **production())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEBUG", "maybe"), ("DEBUG", "ture"), ("EMAIL_USE_TLS", "enabled"), ("SECURE_COOKIES", "2")],
)
def test_a_bad_boolean_is_refused(tmp_path, name, value):
    result = run_django("import django; django.setup()", tmp_path, **{name: value})

    assert result.returncode != 0
    assert f"ConfigError: Environment variable {name} must be a boolean, got {value!r}" in (
        result.stderr
    )


def test_a_bad_integer_is_refused(tmp_path):
    result = run_django("import django; django.setup()", tmp_path, EMAIL_PORT="twenty-five")

    assert result.returncode != 0
    assert "ConfigError: Environment variable EMAIL_PORT must be an integer" in result.stderr


def test_without_database_url_the_database_is_sqlite_under_var(tmp_path):
    child_env = {k: v for k, v in os.environ.items() if k not in SETTINGS_VARIABLES}
    child_env["DJANGO_SETTINGS_MODULE"] = "congress.settings"
    # No PORTAL_VAR_DIR either: the repository's own var/.
    result = subprocess.run(
        [sys.executable, "-c", PRINT_DATABASE],
        cwd=BASE_DIR,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout.splitlines()[-1])
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == BASE_DIR / "var" / "portal.sqlite3"


def test_a_postgres_database_url_selects_postgresql(tmp_path):
    url = "postgres://portal:secret@db.example.org:5432/portal"
    result = run_django(PRINT_DATABASE, tmp_path, DATABASE_URL=url)

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout.splitlines()[-1])
    assert database == {
        # Django's PostgreSQL backend, telling the server the congress acted in (for RLS).
        "ENGINE": "congresses.db.postgresql",
        "NAME": "portal",
        "HOST": "db.example.org",
    }


PRINT_ROLE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {}).get('assume_role')))"
)


def test_the_application_role_is_assumed_only_where_it_is_set(tmp_path):
    url = "postgres://portal:secret@db.example.org:5432/portal"
    with_role = run_django(PRINT_ROLE, tmp_path, DATABASE_URL=url, PORTAL_DB_APP_ROLE="portal_app")
    without = run_django(PRINT_ROLE, tmp_path, DATABASE_URL=url)
    bad = run_django(PRINT_ROLE, tmp_path, DATABASE_URL=url, PORTAL_DB_APP_ROLE="x; DROP")

    assert json.loads(with_role.stdout.splitlines()[-1]) == "portal_app", with_role.stderr
    assert json.loads(without.stdout.splitlines()[-1]) is None, without.stderr
    assert bad.returncode != 0 and "PORTAL_DB_APP_ROLE" in bad.stderr


PRINT_CONNECTIONS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (production(), [60, True]),
        (production(DB_CONN_MAX_AGE="0"), [0, True]),
        (production(DB_CONN_MAX_AGE="300"), [300, True]),
        ({"DEBUG": "true"}, [0, True]),
    ],
    ids=["production", "production-per-request", "production-longer", "development"],
)
def test_production_keeps_database_connections_and_checks_them(tmp_path, env, expected):
    result = run_django(PRINT_CONNECTIONS, tmp_path, DATABASE_URL="postgres://p@db/portal", **env)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == expected


def test_the_web_process_freezes_what_it_loaded_and_collects_less_often(tmp_path):
    """congress.wsgi (what gunicorn serves) tunes the collector (congress.collector): the
    objects loaded at start-up, the URLconf among them, are out of every collection."""
    code = (
        "import gc, json; before = gc.get_threshold()[0]; import congress.wsgi; "
        "from django.urls import get_resolver; "
        "print(json.dumps([before, gc.get_threshold()[0], gc.get_freeze_count() > 10000, "
        "gc.is_tracked(get_resolver().url_patterns) and get_resolver().url_patterns "
        "not in gc.get_objects()]))"
    )
    result = run_django(code, tmp_path, **production())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [700, 50_000, True, True]


def test_a_negative_connection_age_is_refused(tmp_path):
    result = run_django("import django; django.setup()", tmp_path, DB_CONN_MAX_AGE="-1")

    assert result.returncode != 0
    assert "ConfigError: DB_CONN_MAX_AGE must be 0 or more seconds" in result.stderr


PRINT_STORAGE = (
    "import json, django; django.setup(); from django.core.files.storage import storages; "
    "s = storages['default']; "
    "print(json.dumps({'class': type(s).__name__, **{k: str(getattr(s, k, None)) for k in "
    "('location', 'bucket_name', 'endpoint_url', 'addressing_style', 'querystring_auth', "
    "'file_overwrite', 'default_acl', 'access_key', 'region_name')}}))"
)


def test_uploaded_files_stay_in_media_root_by_default(tmp_path):
    result = run_django(PRINT_STORAGE, tmp_path)

    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.splitlines()[-1])
    assert storage["class"] == "FileSystemStorage"
    assert storage["location"] == str(tmp_path / "media")


def test_s3_storage_puts_uploaded_files_in_a_private_bucket(tmp_path):
    result = run_django(
        PRINT_STORAGE,
        tmp_path,
        PORTAL_STORAGE="s3",
        PORTAL_S3_BUCKET="portal-media",
        PORTAL_S3_ENDPOINT_URL="http://minio:9000",
        PORTAL_S3_ACCESS_KEY_ID="portal",
        PORTAL_S3_SECRET_ACCESS_KEY="secret-of-portal",
    )

    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout.splitlines()[-1])
    assert storage == {
        "class": "S3Storage",
        "location": "",
        "bucket_name": "portal-media",
        "endpoint_url": "http://minio:9000",
        "addressing_style": "path",
        "querystring_auth": "True",  # any URL it makes is signed; objects are private
        "file_overwrite": "False",
        "default_acl": "None",
        "access_key": "portal",
        "region_name": "us-east-1",
    }


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PORTAL_STORAGE": "s3"},
            "PORTAL_S3_BUCKET must name the bucket when PORTAL_STORAGE is s3",
        ),
        (
            {"PORTAL_STORAGE": "s3", "PORTAL_S3_BUCKET": ""},
            "PORTAL_S3_BUCKET must name the bucket when PORTAL_STORAGE is s3",
        ),
        ({"PORTAL_STORAGE": "minio"}, "PORTAL_STORAGE must be filesystem or s3"),
    ],
    ids=["s3-without-bucket", "s3-empty-bucket", "unknown"],
)
def test_a_storage_without_its_settings_is_refused(tmp_path, env, message):
    result = run_django("import django; django.setup()", tmp_path, **env)

    assert result.returncode != 0
    assert f"ConfigError: {message}" in result.stderr


def test_env_example_lists_every_variable_settings_read():
    example = (BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))

    assert set(SETTINGS_VARIABLES) - listed == set()


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_and_broker_it_was_given(capsys):
    url = os.environ.get("DATABASE_URL", "")
    expected_vendor = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    with capsys.disabled():  # shown in every run, so a log says which backends were tested
        print(f"\n[backends] database: {connection.vendor}, broker: {broker}://", end=" ")

    assert connection.vendor == expected_vendor
    assert settings.CELERY_BROKER_URL == os.environ.get("CELERY_BROKER_URL", "filesystem://")
