"""Backups restore: scripts/backup_check.py backs up a seeded database and its uploaded files,
restores them into a fresh database and folder, and finds the same rows, files and figures."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _needs_postgresql_and_its_tools():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: backups are pg_dump and pg_restore")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("needs pg_dump, pg_restore and psql (apt-get install postgresql-client)")


def _database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _backup_check(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    url = _database_url()
    connection.close()  # the check's own processes read the committed data
    return subprocess.run(
        [sys.executable, "scripts/backup_check.py", "--database-url", url, *args],
        cwd=BASE_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_files_and_figures(tmp_path):
    _needs_postgresql_and_its_tools()
    call_command("seed_demo", scale=60, seed=2026, stdout=io.StringIO())
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "答复函.pdf").write_bytes(b"%PDF-1.4 reply letter")

    result = _backup_check("--media-root", str(media))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "row counts match the manifest" in result.stdout
    # The letter above and the demo's two commitment evidence files.
    assert "3 files, figures of 2 terms" in result.stdout
    assert result.stdout.rstrip().endswith("OK: the restore matches the source")


def test_with_s3_storage_every_object_of_the_bucket_is_backed_up_and_restored(s3_bucket):
    # PORTAL_STORAGE=s3: the files are the bucket's objects (the demo's evidence is written
    # there by seed_demo through the storage); the check restores them into a scratch bucket.
    _needs_postgresql_and_its_tools()
    call_command("seed_demo", scale=60, seed=2026, stdout=io.StringIO())
    default_storage.save("attachments/2026/11/letter", ContentFile(b"%PDF-1.4 reply letter"))
    assert len(s3_bucket.keys()) == 3

    result = _backup_check(env=s3_bucket.environment())

    assert result.returncode == 0, result.stdout + result.stderr
    assert f"and bucket {s3_bucket.name} to " in result.stdout
    assert "3 files, figures of 2 terms" in result.stdout
    assert result.stdout.rstrip().endswith("OK: the restore matches the source")
    # The scratch bucket is gone again.
    names = {b["Name"] for b in s3_bucket.client.list_buckets()["Buckets"]}
    assert f"{s3_bucket.name}-restorecheck" not in names
