"""`make bench`: every benchmark ratio of the issues in one run, on 100,000 suggestions.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench make bench

1. The database BENCH_DATABASE_URL (default portal_bench on the local PostgreSQL) is created
   with a UTF-8 C.UTF-8 locale if missing, migrated, and seeded with `seed_demo --scale
   100000` unless it already holds that many suggestions (seeding takes 3-5 minutes).
2. `compute_rollups` stores today's figures.
3. Printed, each against its baseline: the full and incremental rollup and the reminder scan
   against bare SQL (scripts/bench_celery.py); the list, filtered list and search pages and
   the unit inbox against a trivial logged-in page (/notifications/); the dashboards against
   the same trivial page when the dashboards app is installed (pages from
   scripts/bench_dashboard.py); a 10,000-row Excel import (check, then import), rolled back.
4. The machine: CPU, RAM, PostgreSQL and Python versions.

Pages run through Django's test client in this process with DEBUG off (production settings
and static manifest): median of --repeat requests after one warm-up, with the query count.
Nothing is left behind except the seeded data and today's stored figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from io import BytesIO, StringIO
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS.parent))
sys.path.insert(0, str(SCRIPTS))

SCALE = 100_000
IMPORT_ROWS = 10_000
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"

STAFF_PAGES = [
    ("list", "/suggestions/"),
    ("list, filtered", "/suggestions/?status=assigned&channel=session&sort=-number"),
    ("search, 4 characters", "/suggestions/?q=加装电梯"),
    ("search, 2 characters", "/suggestions/?q=公交"),
]
TRIVIAL = ("trivial page", "/notifications/")


def create_database_if_missing(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if not cur.fetchone():
                print(f"creating database {name}")
                cur.execute(
                    f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
                )
    finally:
        conn.close()


def production_like_environment(url: str, var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="congress.settings",
        DATABASE_URL=url,
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="testserver",
        SECURE_COOKIES="false",
        PORTAL_VAR_DIR=var_dir,
        MEDIA_ROOT=str(Path(var_dir) / "media"),
        LOG_LEVEL="ERROR",
        # Nothing here should queue a task; if something does, it stays in this process.
        CELERY_BROKER_URL="memory://",
    )


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def machine() -> str:
    from django.db import connection

    cpu = "unknown CPU"
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        pg = cur.fetchone()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {ram_gb:.0f} GB RAM, PostgreSQL {pg}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )


def measure_page(client, url: str, repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up: templates, connection
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            seconds, response = timed(lambda: client.get(url))
        assert response.status_code == 200, (url, response.status_code)
        times.append(seconds)
    return statistics.median(times), len(queries)


def page_rows(username: str, pages, repeat: int) -> list[tuple[str, float, int]]:
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return [(label, *measure_page(client, url, repeat)) for label, url in [TRIVIAL, *pages]]


def print_pages(title: str, rows) -> None:
    print(f"\n{title}")
    print(f"  {'page':<34}{'median ms':>10}{'queries':>9}{'x trivial':>11}")
    base = rows[0][1]
    for label, seconds, queries in rows:
        print(f"  {label:<34}{seconds * 1000:>10.1f}{queries:>9}{seconds / base:>11.2f}")


def dashboard_pages():
    """The dashboards' pages when that app is installed (the lead merges it): the list in
    scripts/bench_dashboard.py, without its own trivial page. None when not built."""
    from django.apps import apps

    if not apps.is_installed("dashboards"):
        return None
    try:
        from bench_dashboard import PAGES
    except ImportError:
        return [("dashboard", "/dashboard/")]
    return [(label, url) for label, url in PAGES if url != TRIVIAL[1]]


def bench_import(rows: int) -> tuple[float, float, dict]:
    """Check and import a `rows`-row suggestions workbook through imports.services, as staff
    would (upload, preview, confirm), all in one transaction that is then rolled back."""
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from openpyxl import Workbook

    from accounts.models import User
    from deputies.models import Deputy
    from imports import excel, services
    from suggestions.models import Category

    deputy = Deputy.objects.filter(is_active=True).select_related("term").order_by("pk").first()
    category = Category.objects.order_by("pk").first()
    values = {
        "term": deputy.term.name,
        "meeting": "",
        "number": None,
        "kind": "建议、批评和意见",
        "channel": "闭会期间",
        "category": category.name,
        "content": "建议在新区增设公交站点,方便群众出行。",
        "lead_deputy": deputy.name,
        "co_signers": "",
        "submitted_on": "2026-03-01",
        "registered_on": "",
    }
    book = Workbook(write_only=True)
    sheet = book.create_sheet(excel.SUGGESTIONS.title)
    sheet.append(excel.SUGGESTIONS.headers)
    for n in range(rows):
        row = {**values, "title": f"关于第{n + 1}号路口增设信号灯的基准测试建议"}
        sheet.append([row[c.key] for c in excel.SUGGESTIONS.columns])
    buffer = BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile(
        "bench.xlsx", buffer.getvalue(), content_type=excel.XLSX_CONTENT_TYPE
    )

    staff = User.objects.get(username="staff")
    # Inline, so the service runs here rather than in a task: the same code the task calls.
    settings.PORTAL = {**settings.PORTAL, "IMPORT_INLINE_MAX_ROWS": rows}

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            check, job = timed(
                lambda: services.import_job_create(actor=staff, kind="suggestions", upload=upload)
            )
            assert job.state == job.State.READY, (job.state, job.errors[:3])
            run, _ = timed(lambda: services.import_job_confirm(actor=staff, job=job))
            job.refresh_from_db()
            assert job.state == job.State.DONE, (job.state, job.message)
            counts = job.created_counts
            raise Rollback
    except Rollback:
        pass
    return check, run, counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--scale", type=int, default=SCALE)
    parser.add_argument("--repeat", type=int, default=10, help="requests per page")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    args = parser.parse_args()

    create_database_if_missing(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="portal-bench-")
    production_like_environment(args.database_url, var_dir)

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from suggestions.models import Suggestion

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    existing = Suggestion.objects.count()
    if existing >= args.scale:
        print(f"{connection.settings_dict['NAME']}: {existing} suggestions, seeding skipped")
    else:
        print(f"seeding {args.scale} suggestions into {connection.settings_dict['NAME']} …")
        seconds, _ = timed(lambda: call_command("seed_demo", scale=args.scale, stdout=StringIO()))
        print(f"seed_demo --scale {args.scale}: {seconds:.0f} s")
    call_command("collectstatic", interactive=False, verbosity=0)
    # Measure on fresh planner statistics, as a database in service has (autovacuum).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds, _ = timed(lambda: call_command("compute_rollups", stdout=StringIO()))
    print(f"compute_rollups: {seconds:.1f} s")

    import bench_celery

    today = timezone.localdate()
    print(f"\nJobs against bare SQL, {Suggestion.objects.count()} suggestions, as of {today}")
    for result in [*bench_celery.bench_rollups(today), bench_celery.bench_reminder_scan(today)]:
        bench_celery.line(*result)

    setup_test_environment()  # the test client against this database
    print_pages(
        f"Staff pages (median of {args.repeat})", page_rows("staff", STAFF_PAGES, args.repeat)
    )
    print_pages("Unit pages", page_rows("unit", [("inbox", "/inbox/")], args.repeat))
    pages = dashboard_pages()
    if pages is None:
        print("\nDashboards: dashboards not built (no `dashboards` app installed)")
    else:
        print_pages("Leader dashboards", page_rows("leader", pages, args.repeat))

    check, run, counts = bench_import(args.import_rows)
    print(
        f"\nImport of {args.import_rows} rows: check {check:.1f} s, import {run:.1f} s, "
        f"{sum(counts.values())} rows created then rolled back"
    )
    print(f"\nMachine: {machine()}")
    print(f"bench finished in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
