"""Prove a backup restores: back up a database and its uploaded files, restore them into a
fresh database and folder, and compare. Prints OK or every difference; exits 1 on any.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal MEDIA_ROOT=var/media \\
        .venv/bin/python scripts/backup_check.py [--keep]

With PORTAL_STORAGE=s3 (and the portal's PORTAL_S3_* settings) the files are the objects
of PORTAL_S3_BUCKET, restored into a scratch bucket `<bucket>-restorecheck` instead.

1. scripts/backup.sh into a temporary folder (pg_dump -Fc, tar of the files, manifest).
2. Create `<name>_restorecheck` (template0, UTF-8 C.UTF-8, dropped first if left over) and
   run scripts/restore.sh into it and into a temporary media folder (or scratch bucket).
3. Compare, source against restored: the row count of every table; every uploaded file
   (path, size and SHA-256); and the figures (suggestions.figures.compute) of every term as of
   today, computed by the portal itself on each database.
4. Drop the scratch database (unless --keep) and the temporary folders.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

FIGURES = """
import dataclasses, json, django
django.setup()
from django.utils import timezone
from deputies.models import Term
from suggestions import figures
today = timezone.localdate()
out = {
    str(term.pk): dataclasses.asdict(figures.compute(scope=figures.Scope(term=term.pk), as_of=today))
    for term in Term.objects.order_by("pk")
}
print(json.dumps(out, default=str, sort_keys=True))
"""


def with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin(url: str, sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(with_name(url, "postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def row_counts(url: str) -> dict[str, int]:
    out = subprocess.run(
        [str(ROOT / "scripts" / "row_counts.sh")],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {table: int(n) for table, n in (line.split() for line in out.splitlines())}


def files(folder: Path) -> dict[str, tuple[int, str]]:
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): (
            path.stat().st_size,
            hashlib.sha256(path.read_bytes()).hexdigest(),
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


S3 = os.environ.get("PORTAL_STORAGE") == "s3"


def s3_client():
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=os.environ.get("PORTAL_S3_ENDPOINT_URL") or None,
        region_name=os.environ.get("PORTAL_S3_REGION") or "us-east-1",
        aws_access_key_id=os.environ.get("PORTAL_S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=os.environ.get("PORTAL_S3_SECRET_ACCESS_KEY") or None,
    )


def bucket_files(bucket: str) -> dict[str, tuple[int, str]]:
    client, found = s3_client(), {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            found[item["Key"]] = (len(body), hashlib.sha256(body).hexdigest())
    return found


def empty_bucket(bucket: str, *, remove: bool) -> None:
    client = s3_client()
    for key in bucket_files(bucket):
        client.delete_object(Bucket=bucket, Key=key)
    if remove:
        client.delete_bucket(Bucket=bucket)


def scratch_bucket(bucket: str) -> str:
    """A new empty bucket for the restore, emptied first if left over."""
    scratch = f"{bucket}-restorecheck"
    client = s3_client()
    try:
        client.head_bucket(Bucket=scratch)
    except client.exceptions.ClientError:
        client.create_bucket(Bucket=scratch)
    else:
        empty_bucket(scratch, remove=False)
    return scratch


def figures_of(url: str, var_dir: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress.settings",
        "DATABASE_URL": url,
        "PORTAL_VAR_DIR": var_dir,
    }
    out = subprocess.run(
        [PYTHON, "-c", FIGURES], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def compare(label: str, source: dict, restored: dict) -> list[str]:
    diffs = []
    for key in sorted(set(source) | set(restored)):
        if source.get(key) != restored.get(key):
            diffs.append(
                f"{label} {key}: source {source.get(key)!r}, restored {restored.get(key)!r}"
            )
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument(
        "--media-root", default=os.environ.get("MEDIA_ROOT", str(ROOT / "var" / "media"))
    )
    parser.add_argument("--keep", action="store_true", help="keep the restored database")
    args = parser.parse_args()
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL (or --database-url) must be a PostgreSQL URL")

    source_name = urlsplit(args.database_url).path.lstrip("/")
    scratch = f"{source_name}_restorecheck"
    scratch_url = with_name(args.database_url, scratch)
    media = Path(args.media_root)

    with tempfile.TemporaryDirectory(prefix="portal-backup-check-") as tmp:
        # The scripts run manage.py (export_media, import_media) with this interpreter.
        env = {
            **os.environ,
            "DATABASE_URL": args.database_url,
            "MEDIA_ROOT": str(media),
            "PYTHON": PYTHON,
        }
        backup = (
            subprocess.run(
                [str(ROOT / "scripts" / "backup.sh"), f"{tmp}/backups"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        files_from = f"bucket {os.environ['PORTAL_S3_BUCKET']}" if S3 else media
        print(f"backed up {source_name} and {files_from} to {backup}")

        admin(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin(
            args.database_url,
            f"CREATE DATABASE \"{scratch}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
        )
        restored_media = Path(tmp) / "restored-media"
        restore_env = {**env, "DATABASE_URL": scratch_url, "MEDIA_ROOT": str(restored_media)}
        if S3:
            bucket = os.environ["PORTAL_S3_BUCKET"]
            restore_env["PORTAL_S3_BUCKET"] = restored_bucket = scratch_bucket(bucket)
        try:
            subprocess.run(
                [str(ROOT / "scripts" / "restore.sh"), backup], env=restore_env, check=True
            )
            counts = row_counts(args.database_url)
            diffs = compare("rows of", counts, row_counts(scratch_url))
            if S3:
                source_files = bucket_files(bucket)
                diffs += compare("object", source_files, bucket_files(restored_bucket))
            else:
                source_files = files(media)
                diffs += compare("file", source_files, files(restored_media))
            figures = figures_of(args.database_url, tmp)
            diffs += compare("figures of term", figures, figures_of(scratch_url, tmp))
        finally:
            if args.keep:
                print(f"kept {scratch_url}" + (f" and bucket {restored_bucket}" if S3 else ""))
            else:
                admin(args.database_url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
                if S3:
                    empty_bucket(restored_bucket, remove=True)

    print(
        f"compared {len(counts)} tables ({sum(counts.values())} rows), "
        f"{len(source_files)} files, figures of {len(figures)} terms as of today"
    )
    for diff in diffs:
        print(f"DIFF {diff}")
    print("OK: the restore matches the source" if not diffs else f"{len(diffs)} differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
