"""A bounded load test on loopback: gunicorn with production settings, then the floor (the
login page, the least a request can cost) and the mix (signed-in staff, unit and leader users
reading their pages) measured by the same client in the same run, with the targets of issue 14.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python scripts/load_test.py [--users 10 --duration 30]

1. Collect static files into a temporary PORTAL_VAR_DIR (DEBUG off serves hashed names).
2. Start gunicorn on a free loopback port with the repository's gunicorn.conf.py (workers and
   threads as docker-compose.yml runs them; --workers/--threads override) and DEBUG=false, a
   random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, SECURE_COOKIES=false (plain HTTP), on the
   database and broker given (Redis by default). Database connections are kept between
   requests as in production (DB_CONN_MAX_AGE's default, unless the environment sets it).
3. Warm-up: every page of every role once, untimed (templates, connections, caches).
4. The floor: `--users` anonymous threads request /accounts/login/ back to back for
   `--floor-duration` seconds.
5. The mix: `--users` threads sign in through the login form as the demo accounts `staff`,
   `unit` and `leader` (password portal-demo, from `seed_demo`), in turn, and each requests
   its role's pages back to back, with no think time, for `--duration` seconds.
6. Print per page and overall: requests, requests per second, p50/p95/p99 in ms, errors; then
   the targets: the mix at least a third of the floor's requests per second, and p95 under
   300 ms for every list and search page. Exit 1 on any error (a status other than 200, or
   no answer in 30 s); a missed target is printed, not an error.

A small threaded client rather than locust: one standard dependency (requests), no event loop
to patch. Client and server share the machine's cores, at the floor as in the mix, so compare
the ratio, not the absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import runpy
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"
PASSWORD = "portal-demo"
SEARCH_TERMS = ["加装电梯", "共享单车", "养老服务", "公交", "学校"]
FLOOR_URL = "/accounts/login/"
# Issue 14's targets for the mix.
MIX_SHARE_OF_FLOOR = 1 / 3
LIST_P95_MS = 300


def server_env(database_url: str, broker_url: str, var_dir: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "PORTAL_VAR_DIR": var_dir,
        "MEDIA_ROOT": str(Path(var_dir) / "media"),
        "LOG_LEVEL": "WARNING",
    }


def sample_ids(env: dict) -> dict:
    """Suggestion ids for staff and leaders, assignment ids of the `unit` account's unit."""
    code = (
        "import django, json; django.setup()\n"
        "from suggestions.models import Suggestion, Assignment\n"
        "from accounts.models import User\n"
        "unit = User.objects.get(username='unit').unit_id\n"
        "s = list(Suggestion.objects.filter(assignments__isnull=False)"
        ".order_by('?').values_list('id', flat=True)[:200])\n"
        "a = list(Assignment.objects.filter(unit_id=unit).order_by('?')"
        ".values_list('id', flat=True)[:200])\n"
        "print(json.dumps({'suggestions': s, 'assignments': a}))\n"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def role_pages(role: str, ids: dict, with_dashboard: bool):
    """One round of (label, url) for one role."""
    s, a = ids["suggestions"], ids["assignments"]
    if role == "staff":
        return [
            ("list", "/suggestions/"),
            ("list filtered", "/suggestions/?status=assigned&channel=session&sort=-number"),
            ("search", f"/suggestions/?q={random.choice(SEARCH_TERMS)}"),
            ("suggestion", f"/suggestions/{random.choice(s)}/"),
            ("notifications", "/notifications/"),
        ]
    if role == "unit":
        return [
            ("inbox", "/inbox/"),
            ("inbox tab", f"/inbox/?tab={random.choice(['handling', 'due_soon', 'overdue'])}"),
            ("assignment", f"/inbox/{random.choice(a)}/"),
            ("notifications", "/notifications/"),
        ]
    return [
        ("list", "/suggestions/?key=on"),
        ("suggestion", f"/suggestions/{random.choice(s)}/"),
        *([("dashboard", "/dashboard/")] if with_dashboard else []),
        ("home", "/"),
    ]


def pages_for(role: str, ids: dict, with_dashboard: bool):
    """(label, url) to request next, forever, for one role."""
    while True:
        yield from role_pages(role, ids, with_dashboard)


def floor_pages():
    while True:
        yield "login page", FLOOR_URL


def is_list_or_search(label: str) -> bool:
    """The pages issue 14's p95 target is for: every list (plain, filtered, key) and search."""
    return label.split(": ", 1)[-1].startswith(("list", "search"))


def sign_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    done = session.post(
        f"{base}/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if done.status_code != 302:
        raise SystemExit(f"signing in as {username} failed ({done.status_code}): run seed_demo")
    return session


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times = defaultdict(list)  # label -> seconds
        self.errors = defaultdict(list)  # label -> messages
        self.seconds = 0.0  # wall time of the run

    def add(self, label, seconds, error=None):
        with self.lock:
            if error:
                self.errors[label].append(error)
            else:
                self.times[label].append(seconds)

    def requests(self, label=None) -> int:
        labels = [label] if label else set(self.times) | set(self.errors)
        return sum(len(self.times[x]) + len(self.errors[x]) for x in labels)

    def rps(self) -> float:
        return self.requests() / self.seconds if self.seconds else 0.0

    def error_count(self) -> int:
        return sum(len(e) for e in self.errors.values())

    def p95_ms(self, label) -> float:
        return percentile(self.times[label], 95) * 1000 if self.times[label] else float("inf")


def fetch(session, base, label, url, results: Results | None):
    started = time.perf_counter()
    try:
        response = session.get(base + url, timeout=30, allow_redirects=False)
        error = None if response.status_code == 200 else f"{response.status_code} {url}"
    except requests.RequestException as exc:
        error = f"{type(exc).__name__} {url}"
    if results is not None:
        results.add(label, time.perf_counter() - started, error)
    elif error:
        raise SystemExit(f"warm-up: {label}: {error}")


def user_loop(session, prefix, pages, base, stop_at, results: Results):
    for label, url in pages:
        if time.monotonic() >= stop_at:
            return
        fetch(session, base, f"{prefix}{label}", url, results)


def run_users(base, sessions_and_pages, duration: float) -> Results:
    """Each (session, label prefix, page iterator) in its own thread for `duration` seconds."""
    results = Results()
    stop_at = time.monotonic() + duration
    started = time.monotonic()
    threads = [
        threading.Thread(target=user_loop, args=(session, prefix, pages, base, stop_at, results))
        for session, prefix, pages in sessions_and_pages
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.seconds = time.monotonic() - started
    return results


def percentile(values, q):
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(results: Results) -> None:
    print(
        f"{'page':<28}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    everything = []
    for label in sorted(set(results.times) | set(results.errors)):
        times, errs = results.times[label], results.errors[label]
        everything += times
        row = [percentile(times, q) * 1000 for q in (50, 95, 99)] if times else [0, 0, 0]
        print(
            f"{label:<28}{len(times) + len(errs):>9}{results.requests(label) / results.seconds:>8.1f}"
            + "".join(f"{v:>9.0f}" for v in row)
            + f"{len(errs):>8}"
        )
    row = [percentile(everything, q) * 1000 for q in (50, 95, 99)] if everything else [0, 0, 0]
    print(
        f"{'all':<28}{results.requests():>9}{results.rps():>8.1f}"
        + "".join(f"{v:>9.0f}" for v in row)
        + f"{results.error_count():>8}"
    )
    for label, errs in results.errors.items():
        for message in errs[:5]:
            print(f"error: {label}: {message}")


@dataclass
class Target:
    label: str
    value: str
    target: str
    met: bool

    def line(self) -> str:
        return f"  {self.label:<34}{self.value:>12}   target {self.target:<12}{'' if self.met else 'MISS'}"


def targets(floor: Results, mix: Results) -> list[Target]:
    """Issue 14's load targets, each with the measured value."""
    share = mix.rps() / floor.rps() if floor.rps() else 0.0
    rows = [
        Target(
            f"mix/floor ({mix.rps():.1f}/{floor.rps():.1f} req/s)",
            f"{share:.2f}",
            f">= {MIX_SHARE_OF_FLOOR:.2f}",
            share >= MIX_SHARE_OF_FLOOR,
        )
    ]
    for label in sorted(x for x in mix.times if is_list_or_search(x)):
        p95 = mix.p95_ms(label)
        rows.append(
            Target(f"p95 {label}", f"{p95:.0f} ms", f"< {LIST_P95_MS} ms", p95 < LIST_P95_MS)
        )
    return rows


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(port: int, workers: int | None, threads: int | None) -> list[str]:
    """gunicorn as the web service runs it: gunicorn.conf.py in ROOT (read from the working
    directory) sets workers, threads and timeouts; only the address differs."""
    command = [PYTHON, "-m", "gunicorn", "congress.wsgi", f"--bind=127.0.0.1:{port}"]
    command += ["--no-control-socket", "--log-level=warning"]
    if workers:
        command.append(f"--workers={workers}")
    if threads:
        command.append(f"--threads={threads}")
    return command


def wait_until_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during start-up (see its output above)")
        try:
            if requests.get(f"{base}{FLOOR_URL}", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


@dataclass
class LoadRun:
    floor: Results
    mix: Results
    targets: list[Target]
    description: str


def run(
    *,
    database_url: str,
    broker_url: str,
    users: int = 10,
    duration: float = 30,
    floor_duration: float = 10,
    workers: int | None = None,
    threads: int | None = None,
) -> LoadRun:
    """Start gunicorn, measure the floor then the mix, stop gunicorn."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="portal-load-") as var_dir:
        env = server_env(database_url, broker_url, var_dir)
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        ids = sample_ids(env)
        command = gunicorn_command(port, workers, threads)
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            wait_until_up(base, server)
            with_dashboard = requests.get(f"{base}/dashboard/", timeout=30).status_code != 404
            roles = ["staff", "unit", "leader"]
            sessions = {role: sign_in(base, role) for role in roles}
            for role in roles:  # warm-up, untimed; the server answers one request at a time
                for label, url in role_pages(role, ids, with_dashboard):
                    fetch(sessions[role], base, label, url, None)
            config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
            description = (
                f"gunicorn {workers or config['workers']} workers x {threads or config['threads']} "
                f"threads on {base}, DEBUG=false, "
                f"DB_CONN_MAX_AGE={os.environ.get('DB_CONN_MAX_AGE', 'default')}, "
                f"database {database_url.rsplit('/', 1)[-1]}; {users} users; dashboard "
                f"{'included' if with_dashboard else 'not built (skipped)'}"
            )
            floor = run_users(
                base,
                [(requests.Session(), "", floor_pages()) for _ in range(users)],
                floor_duration,
            )
            mix = run_users(
                base,
                [
                    (sign_in(base, role), f"{role}: ", pages_for(role, ids, with_dashboard))
                    for role in (roles[i % 3] for i in range(users))
                ],
                duration,
            )
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    return LoadRun(floor, mix, targets(floor, mix), description)


def print_run(result: LoadRun, users: int) -> None:
    print(result.description)
    print(f"\nFloor: {users} anonymous users on {FLOOR_URL}, {result.floor.seconds:.0f} s")
    report(result.floor)
    print(f"\nMix: {users} users (staff, unit, leader in turn), {result.mix.seconds:.0f} s")
    report(result.mix)
    print("\nTargets (issue 14)")
    for target in result.targets:
        print(target.line())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    )
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30, help="seconds of the mix")
    parser.add_argument("--floor-duration", type=float, default=10, help="seconds of the floor")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument(
        "--threads", type=int, help="threads per worker (default: gunicorn.conf.py)"
    )
    args = parser.parse_args()
    if not 1 <= args.users <= 100 or not 1 <= args.duration + args.floor_duration <= 600:
        raise SystemExit("keep it bounded: 1-100 users, 1-600 seconds")

    result = run(
        database_url=args.database_url,
        broker_url=args.broker_url,
        users=args.users,
        duration=args.duration,
        floor_duration=args.floor_duration,
        workers=args.workers,
        threads=args.threads,
    )
    print_run(result, args.users)
    return 1 if result.floor.error_count() or result.mix.error_count() else 0


if __name__ == "__main__":
    sys.exit(main())
