"""`make bench`: every benchmark ratio of the issues in one run, on 100,000 suggestions, each
printed beside its target (issue 14) and marked MISS when it misses.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench make bench

1. The database BENCH_DATABASE_URL (default portal_bench on the local PostgreSQL) is created
   with a UTF-8 C.UTF-8 locale if missing, migrated, and seeded with `seed_demo --scale
   100000` unless it already holds that many suggestions (seeding takes 3-5 minutes).
2. `compute_rollups` stores today's figures.
3. Printed, each against its baseline: the full and incremental rollup and the reminder scan
   against bare SQL (scripts/bench_celery.py); the list, filtered list and search pages and
   the unit inbox against a trivial logged-in page (/notifications/); the dashboards against
   the same trivial page when the dashboards app is installed (pages from
   scripts/bench_dashboard.py); the load test (scripts/load_test.py: the floor and the mix
   through gunicorn, unless --skip-load); a 10,000-row Excel import (check, then import),
   rolled back.
4. The machine: CPU, RAM, PostgreSQL and Python versions; then every target, met or missed.

Province mode (issue 18): with BENCH_CONGRESSES and BENCH_SCALE (or --congresses and
--scale) it seeds `seed_demo --congresses N --scale M` into its own database,
BENCH_PROVINCE_DATABASE_URL (default portal_bench_province: never portal_bench), in a child
process whose time and peak memory it prints, then the same ratios for one congress's pages
(the demo city, the biggest: staff pages, unit inbox, leader dashboards), the province
overview /dashboard/lower/ as `leader_province` against the trivial page, the reminder scan
and the rollups of every congress against bare SQL. No load test and no import there.

Pages run through Django's WSGI handler in this process, as gunicorn calls it, with
production settings: DEBUG off, the static manifest (collectstatic into a temporary
STATIC_ROOT first), the database connection kept between requests. No test client and no
test instrumentation (which copies every template context): the median of --repeat
requests after one warm-up, each request alternating with one of the trivial page, whose
median over the same stretch is the page's baseline (the machine's other jobs weigh on both
alike). The query count comes from one more request, untimed, counted
with a connection execute wrapper (SQL statements; the request's BEGIN and COMMIT, which
the test client's count included, are not). Nothing is left behind except the seeded data and today's
stored figures (the bench's sessions are deleted).
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
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
DEFAULT_PROVINCE_DB = "postgres://postgres@127.0.0.1:5432/portal_bench_province"
PROVINCE_OVERVIEW = ("province overview", "/dashboard/lower/")

STAFF_PAGES = [
    ("list", "/suggestions/"),
    ("list, filtered", "/suggestions/?status=assigned&channel=session&sort=-number"),
    ("search, 4 characters", "/suggestions/?q=加装电梯"),
    ("search, 2 characters", "/suggestions/?q=公交"),
]
TRIVIAL = ("trivial page", "/notifications/")
# A filter combination on a past day no stored day holds (issue 14 item 3: any as-of day).
LIVE_PAST_DAY = "/dashboard/?category=1&key=on&as_of=2026-06-17"
HOST = "127.0.0.1"

# Issue 14's targets: the most a page may cost against the trivial page (by URL), a job
# against the bare SQL computing the same numbers, the import in seconds.
PAGE_TARGETS = {
    "/suggestions/": 4,
    "/suggestions/?status=assigned&channel=session&sort=-number": 4,
    "/suggestions/?q=加装电梯": 4,
    "/suggestions/?q=公交": 8,
    "/dashboard/key/": 2,
    "/dashboard/units/": 2,
    "/dashboard/?channel=session&key=on": 3,
    "/dashboard/?key=on": 3,
    "/dashboard/?channel=session&system=government": 3,
    LIVE_PAST_DAY: 3,
}
JOB_TARGETS = {
    "reminder scan": 3,
    # Item 2 (incremental means incremental) names no number: the changed suggestions' facts
    # are re-derived and their scopes counted from the stored facts in SQL, so after one
    # change the job should cost no more than the bare SQL of the term's counts.
    "incremental rollup": 1,
}
IMPORT_TARGET_SECONDS = 15


class Verdicts:
    """Every target checked in the run, for the summary at the end."""

    def __init__(self):
        self.rows: list[tuple[str, bool]] = []

    def mark(self, label: str, met: bool) -> str:
        self.rows.append((label, met))
        return "" if met else "MISS"

    def summary(self) -> str:
        missed = [label for label, met in self.rows if not met]
        text = f"Targets of issue 14: {len(self.rows) - len(missed)} of {len(self.rows)} met"
        return text + (f"; missed: {'; '.join(missed)}" if missed else "")


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
        ALLOWED_HOSTS=HOST,
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


class Handler:
    """Requests through Django's WSGI handler, as gunicorn makes them, signed in as one user."""

    def __init__(self, username: str):
        from django.contrib.auth import login
        from django.contrib.sessions.backends.db import SessionStore
        from django.http import HttpRequest

        from accounts.models import User

        request = HttpRequest()
        request.session = SessionStore()
        user = User.objects.get(username=username)
        login(request, user, backend=settings_backend())
        request.session.save()
        self.session = request.session
        # The WSGI application gunicorn serves (congress.wsgi): Django's handler, with the
        # process's collector tuned as a web worker's is (congress.collector).
        from congress.wsgi import application

        self.handler = application

    def get(self, url: str) -> int:
        from urllib.parse import quote
        from wsgiref.util import setup_testing_defaults

        from django.conf import settings

        path, _, query = url.partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": quote(query, safe="=&"),
            "HTTP_HOST": HOST,
            "SERVER_NAME": HOST,
            "REMOTE_ADDR": HOST,
            "HTTP_COOKIE": f"{settings.SESSION_COOKIE_NAME}={self.session.session_key}",
        }
        setup_testing_defaults(environ)
        response = self.handler(environ, lambda status, headers, exc_info=None: None)
        for _ in response:  # the body, as a server sends it
            pass
        response.close()  # request_finished: the connection is kept or closed as configured
        return response.status_code

    def close(self) -> None:
        self.session.delete()


def settings_backend() -> str:
    from django.conf import settings

    return settings.AUTHENTICATION_BACKENDS[0]


def count_work(handler: Handler, url: str) -> tuple[int, int]:
    """(SQL statements, Python function calls) of one untimed request. The calls do not
    depend on the machine's other jobs: a page's cost in them is comparable between runs
    when its milliseconds are not."""
    from django.db import connection

    queries, calls = [], 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call"):
            calls += 1

    with connection.execute_wrapper(lambda execute, *args: queries.append(1) or execute(*args)):
        sys.setprofile(count)
        try:
            handler.get(url)
        finally:
            sys.setprofile(None)
    return len(queries), calls


def measure_pages(handler: Handler, pages, repeat: int):
    """Per page: its median, the median of the trivial page's requests made alternately with
    it (so both see the same load from the machine's other jobs), and its query count."""
    trivial_url = TRIVIAL[1]
    rows = []
    for label, url in pages:
        for warm_up in (trivial_url, url):  # templates, connection
            status = handler.get(warm_up)
            assert status == 200, (warm_up, status)
        page_times, trivial_times = [], []
        for _ in range(repeat):
            for target, times in ((trivial_url, trivial_times), (url, page_times)):
                seconds, status = timed(lambda target=target: handler.get(target))
                assert status == 200, (target, status)
                times.append(seconds)
        rows.append(
            (
                label,
                url,
                statistics.median(page_times),
                statistics.median(trivial_times),
                *count_work(handler, url),
            )
        )
    return rows


def page_rows(username: str, pages, repeat: int):
    handler = Handler(username)
    try:
        trivial = measure_pages(handler, [TRIVIAL], repeat)
        return trivial + measure_pages(handler, pages, repeat)
    finally:
        handler.close()


def print_pages(title: str, rows, verdicts: Verdicts) -> None:
    print(f"\n{title}")
    print(
        f"  {'page':<34}{'median ms':>10}{'queries':>9}{'py calls':>10}{'x trivial':>11}   target"
    )
    for label, url, seconds, trivial, queries, calls in rows:
        ratio = 1.0 if url == TRIVIAL[1] else seconds / trivial
        target = PAGE_TARGETS.get(url)
        verdict = f"<= {target}x  " + verdicts.mark(label, ratio <= target) if target else ""
        print(
            f"  {label:<34}{seconds * 1000:>10.1f}{queries:>9}{calls:>10}{ratio:>11.2f}   "
            f"{verdict}".rstrip()
        )


def print_jobs(results, verdicts: Verdicts) -> None:
    for label, job, sql, note in results:
        ratio = job / sql if sql else float("inf")
        target = JOB_TARGETS.get(label)
        verdict = f"target <= {target}x  " + verdicts.mark(label, ratio <= target) if target else ""
        print(
            f"{label:<22} job {job:8.3f} s   bare SQL {sql:7.3f} s   ratio {ratio:7.1f}x  "
            f"{note}  {verdict}".rstrip()
        )


def print_load(load, verdicts: Verdicts) -> None:
    print(f"\nLoad test (scripts/load_test.py): {load.description}")
    print(
        f"  floor: {load.floor.requests()} requests of the login page in "
        f"{load.floor.seconds:.0f} s; mix: {load.mix.requests()} requests in {load.mix.seconds:.0f} s; "
        f"errors {load.floor.error_count() + load.mix.error_count()}"
    )
    for target in load.targets:
        verdicts.mark(target.label.split(" (")[0], target.met)
        print(target.line())


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
    from congresses.context import acting_in
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
        # Optional columns (an external system's ticket) stay empty, as in most workbooks.
        "external_source": "",
        "external_ticket": "",
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

    # Acting in the staff's congress, as the import's task and the upload's request do
    # (imports.tasks, congresses.middleware): every new row's congress is known, not looked up.
    try:
        with acting_in(staff.congress_id), transaction.atomic():
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
    parser.add_argument(
        "--database-url",
        help="default BENCH_DATABASE_URL or portal_bench; "
        "in province mode BENCH_PROVINCE_DATABASE_URL or portal_bench_province",
    )
    parser.add_argument("--scale", type=int, default=int(os.environ.get("BENCH_SCALE", SCALE)))
    parser.add_argument(
        "--congresses",
        type=int,
        default=int(os.environ["BENCH_CONGRESSES"]) if os.environ.get("BENCH_CONGRESSES") else None,
        help="province mode: seed_demo --congresses N --scale M into its own database",
    )
    parser.add_argument("--repeat", type=int, default=10, help="requests per page")
    parser.add_argument("--import-rows", type=int, default=IMPORT_ROWS)
    parser.add_argument("--skip-load", action="store_true", help="leave out the load test")
    parser.add_argument("--load-users", type=int, default=10)
    parser.add_argument("--load-duration", type=float, default=30, help="seconds of the mix")
    args = parser.parse_args()
    if args.database_url is None:
        if args.congresses:
            args.database_url = os.environ.get("BENCH_PROVINCE_DATABASE_URL", DEFAULT_PROVINCE_DB)
        else:
            args.database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)

    create_database_if_missing(args.database_url)
    var_dir = tempfile.mkdtemp(prefix="portal-bench-")
    try:
        if args.congresses:
            return bench_province(args, var_dir)
        return bench(args, var_dir)
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def bench(args, var_dir: str) -> int:
    production_like_environment(args.database_url, var_dir)

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
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
    # Measure the database as it is in service, where autovacuum has run since the last bulk
    # write: fresh planner statistics, and no dead rows or unset visibility map left by the
    # seed (its 10,000 updated suggestions were half a 2-character search's heap reads).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    seconds, _ = timed(lambda: call_command("compute_rollups", stdout=StringIO()))
    print(f"compute_rollups: {seconds:.1f} s")
    # The first run derives every suggestion's facts: statistics for those tables too, as
    # autovacuum gathers them in service (without, the planner takes 100,000 facts rows
    # for one, and the live dashboards' plans cost 2-3x).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    import bench_celery

    today = timezone.localdate()
    verdicts = Verdicts()
    print(f"\nJobs against bare SQL, {Suggestion.objects.count()} suggestions, as of {today}")
    print_jobs(
        [*bench_celery.bench_rollups(today), bench_celery.bench_reminder_scan(today)], verdicts
    )

    print_pages(
        f"Staff pages (median of {args.repeat}, through the WSGI handler)",
        page_rows("staff", STAFF_PAGES, args.repeat),
        verdicts,
    )
    print_pages("Unit pages", page_rows("unit", [("inbox", "/inbox/")], args.repeat), verdicts)
    pages = dashboard_pages()
    if pages is None:
        print("\nDashboards: dashboards not built (no `dashboards` app installed)")
    else:
        print_pages("Leader dashboards", page_rows("leader", pages, args.repeat), verdicts)

    if args.skip_load:
        print("\nLoad test: skipped (--skip-load); `make load` runs it alone")
    else:
        import load_test

        connection.close()  # the server's workers are the ones working now
        load = load_test.run(
            database_url=args.database_url,
            broker_url="memory://",  # pages queue nothing; no broker needed
            users=args.load_users,
            duration=args.load_duration,
        )
        print_load(load, verdicts)

    check, run, counts = bench_import(args.import_rows)
    total = check + run
    print(
        f"\nImport of {args.import_rows} rows: check {check:.1f} s, import {run:.1f} s, "
        f"total {total:.1f} s (target < {IMPORT_TARGET_SECONDS} s) "
        f"{verdicts.mark(f'import of {args.import_rows} rows', total < IMPORT_TARGET_SECONDS)}".rstrip()
        + f"; {sum(counts.values())} rows created then rolled back"
    )
    print(f"\nMachine: {machine()}")
    print(f"bench finished in {time.perf_counter() - started:.0f} s")
    print(f"\n{verdicts.summary()}")
    return 0


def seed_province(args) -> tuple[float, float] | None:
    """`seed_demo --congresses N --scale M` in a child process, as an operator runs it: its
    seconds and peak resident memory (MB), or None when the province is there already."""
    import resource
    import subprocess

    from django.db import connection

    from suggestions.demo import province

    present = province.present(args.congresses, 2026)
    connection.close()  # the child seeds; this process's connection would only idle
    if present:
        return None
    command = [sys.executable, str(SCRIPTS.parent / "manage.py"), "seed_demo"]
    command += ["--congresses", str(args.congresses), "--scale", str(args.scale)]
    seconds, done = timed(lambda: subprocess.run(command, capture_output=True, text=True))
    if done.returncode:
        sys.exit(f"seed_demo failed:\n{done.stdout}\n{done.stderr}")
    print(done.stdout.strip())
    # The largest of the children waited for: the seeder (migrate ran in this process).
    return seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_province(args, var_dir: str) -> int:
    production_like_environment(args.database_url, var_dir)

    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from congresses.models import Congress
    from suggestions.demo import province
    from suggestions.models import Suggestion

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    name = connection.settings_dict["NAME"]
    print(f"province mode: {args.congresses} congresses, {args.scale} suggestions in {name}")
    seeded = seed_province(args)
    if seeded is None:
        print(f"{name}: province present, seeding skipped")
    else:
        print(
            f"seed_demo --congresses {args.congresses} --scale {args.scale}: "
            f"{seeded[0]:.0f} s, peak RSS {seeded[1]:.0f} MB"
        )
    call_command("collectstatic", interactive=False, verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    levels = dict(Congress.objects.values_list("level").annotate(n=Count("id")))
    city = Congress.objects.get(code=settings_default_code())
    city_count = Suggestion._base_manager.filter(congress=city).count()
    print(
        f"congresses by level: {levels}; suggestions {Suggestion._base_manager.count()}, "
        f"of which the demo city ({city.name}, the biggest) {city_count}"
    )
    seconds, _ = timed(lambda: call_command("compute_rollups", stdout=StringIO()))
    print(f"compute_rollups (every congress): {seconds:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the facts it wrote, as in the one-congress mode

    import bench_celery

    today = timezone.localdate()
    verdicts = Verdicts()
    print(f"\nJobs against bare SQL, every congress, as of {today}")
    print_jobs(
        [*bench_celery.bench_rollups(today), bench_celery.bench_reminder_scan(today)], verdicts
    )
    print_pages(
        f"Staff pages of the demo city (median of {args.repeat}, through the WSGI handler)",
        page_rows("staff", STAFF_PAGES, args.repeat),
        verdicts,
    )
    print_pages("Unit pages", page_rows("unit", [("inbox", "/inbox/")], args.repeat), verdicts)
    pages = dashboard_pages()
    if pages is not None:
        print_pages("Leader dashboards", page_rows("leader", pages, args.repeat), verdicts)
    below = len(Congress.objects.exclude(code=province.PROVINCE_CODE))
    print_pages(
        f"Province overview as {province.LEADER} ({below} congresses below)",
        page_rows(province.LEADER, [PROVINCE_OVERVIEW], args.repeat),
        verdicts,
    )
    print(f"\nMachine: {machine()}")
    print(f"bench finished in {time.perf_counter() - started:.0f} s")
    print(f"\n{verdicts.summary()}")
    return 0


def settings_default_code() -> str:
    from django.conf import settings

    return settings.PORTAL_DEFAULT_CONGRESS["code"]


if __name__ == "__main__":
    sys.exit(main())
