"""Backups restore: scripts/backup_check.py backs up a seeded database and its uploaded files,
restores them into a fresh database and folder, and finds the same rows, files and figures."""

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_backup_restores_into_a_fresh_database_with_the_same_rows_files_and_figures(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: backups are pg_dump and pg_restore")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("needs pg_dump, pg_restore and psql (apt-get install postgresql-client)")
    call_command("seed_demo", scale=60, seed=2026, stdout=io.StringIO())
    media = tmp_path / "media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "答复函.pdf").write_bytes(b"%PDF-1.4 reply letter")
    db = connection.settings_dict
    url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    connection.close()  # the check's own processes read the committed data

    result = subprocess.run(
        [sys.executable, "scripts/backup_check.py", "--database-url", url]
        + ["--media-root", str(media)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "row counts match the manifest" in result.stdout
    # The letter above and the demo's two commitment evidence files.
    assert "3 files, figures of 1 terms" in result.stdout
    assert result.stdout.rstrip().endswith("OK: the restore matches the source")
