"""A bounded load test on loopback: gunicorn with production settings, signed-in staff, unit
and leader users reading their pages, then requests per second, p50/p95/p99 and errors.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python scripts/load_test.py --users 20 --duration 60

1. Collect static files into a temporary PORTAL_VAR_DIR (DEBUG off serves hashed names).
2. Start gunicorn (`--workers`, default 3 as in docker-compose.yml) on 127.0.0.1:PORT with
   DEBUG=false, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1 and SECURE_COOKIES=false (plain
   HTTP on loopback), on the database and broker given (Redis by default).
3. `--users` threads sign in through the login form as the demo accounts `staff`, `unit` and
   `leader` (password portal-demo, from `seed_demo`), in turn, and each requests its role's
   pages back to back, with no think time, until `--duration` seconds have passed.
4. Print per page and overall: requests, requests per second, p50/p95/p99 in ms, errors.
   Exit 1 on any error (a status other than 200, or no answer in 30 s).

A small threaded client rather than locust: one standard dependency (requests), no event loop
to patch, and the client's own cost stays well under the server's on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_bench"
PASSWORD = "portal-demo"
SEARCH_TERMS = ["加装电梯", "共享单车", "养老服务", "公交", "学校"]


def server_env(args, var_dir: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "congress.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "false",
        "DATABASE_URL": args.database_url,
        "CELERY_BROKER_URL": args.broker_url,
        "PORTAL_VAR_DIR": var_dir,
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
    import json

    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pages_for(role: str, ids: dict, with_dashboard: bool):
    """(label, url) to request next, forever, for one role."""
    s, a = ids["suggestions"], ids["assignments"]
    while True:
        if role == "staff":
            yield "list", "/suggestions/"
            yield "list filtered", "/suggestions/?status=assigned&channel=session&sort=-number"
            yield "search", f"/suggestions/?q={random.choice(SEARCH_TERMS)}"
            yield "suggestion", f"/suggestions/{random.choice(s)}/"
            yield "notifications", "/notifications/"
        elif role == "unit":
            yield "inbox", "/inbox/"
            yield "inbox tab", f"/inbox/?tab={random.choice(['handling', 'due_soon', 'overdue'])}"
            yield "assignment", f"/inbox/{random.choice(a)}/"
            yield "notifications", "/notifications/"
        else:
            yield "list", "/suggestions/?key=on"
            yield "suggestion", f"/suggestions/{random.choice(s)}/"
            if with_dashboard:
                yield "dashboard", "/dashboard/"
            yield "home", "/"


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

    def add(self, label, seconds, error=None):
        with self.lock:
            if error:
                self.errors[label].append(error)
            else:
                self.times[label].append(seconds)


def user_loop(base, role, ids, with_dashboard, stop_at, results: Results):
    session = sign_in(base, role)
    for label, url in pages_for(role, ids, with_dashboard):
        if time.monotonic() >= stop_at:
            return
        started = time.perf_counter()
        try:
            response = session.get(base + url, timeout=30, allow_redirects=False)
            error = None if response.status_code == 200 else f"{response.status_code} {url}"
        except requests.RequestException as exc:
            error = f"{type(exc).__name__} {url}"
        results.add(f"{role}: {label}", time.perf_counter() - started, error)


def percentile(values, q):
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(results: Results, seconds: float) -> int:
    print(
        f"\n{'page':<28}{'requests':>9}{'rps':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    everything, errors = [], 0
    for label in sorted(set(results.times) | set(results.errors)):
        times, errs = results.times[label], results.errors[label]
        everything += times
        errors += len(errs)
        row = [percentile(times, q) * 1000 for q in (50, 95, 99)] if times else [0, 0, 0]
        print(
            f"{label:<28}{len(times) + len(errs):>9}{(len(times) + len(errs)) / seconds:>8.1f}"
            + "".join(f"{v:>9.0f}" for v in row)
            + f"{len(errs):>8}"
        )
    total = len(everything) + errors
    row = [percentile(everything, q) * 1000 for q in (50, 95, 99)] if everything else [0, 0, 0]
    print(
        f"{'all':<28}{total:>9}{total / seconds:>8.1f}"
        + "".join(f"{v:>9.0f}" for v in row)
        + f"{errors:>8}"
    )
    for label, errs in results.errors.items():
        for message in errs[:5]:
            print(f"error: {label}: {message}")
    return errors


def wait_until_up(base: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited during start-up (see its output above)")
        try:
            if requests.get(f"{base}/accounts/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument(
        "--broker-url", default=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/9")
    )
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if not 1 <= args.users <= 100 or not 1 <= args.duration <= 600:
        raise SystemExit("keep it bounded: 1-100 users, 1-600 seconds")

    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="portal-load-") as var_dir:
        env = server_env(args, var_dir)
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        ids = sample_ids(env)
        server = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "congress.wsgi", f"--bind=127.0.0.1:{args.port}"]
            + [f"--workers={args.workers}", "--timeout=60", "--no-control-socket"],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(base, server)
            with_dashboard = requests.get(f"{base}/dashboard/", timeout=30).status_code != 404
            roles = ["staff", "unit", "leader"]
            print(
                f"gunicorn --workers={args.workers} on {base}, DEBUG=false, "
                f"database {args.database_url.rsplit('/', 1)[-1]}; {args.users} users "
                f"({', '.join(roles)} in turn) for {args.duration:.0f} s; dashboard "
                f"{'included' if with_dashboard else 'not built (skipped)'}"
            )
            results = Results()
            stop_at = time.monotonic() + args.duration
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=user_loop,
                    args=(base, roles[i % 3], ids, with_dashboard, stop_at, results),
                )
                for i in range(args.users)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            errors = report(results, time.monotonic() - started)
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
