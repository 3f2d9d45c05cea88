"""Time the dashboards against a trivial logged-in page and print the ratios (issue 6).

Run on a PostgreSQL database of your own, seeded and rolled up first:

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo --scale 100000      # ~3-5 min
    .venv/bin/python manage.py compute_rollups
    .venv/bin/python scripts/bench_dashboard.py [--repeat 20]

Each page is fetched through the Django test client as the demo `leader` (one warm-up, then
the median of --repeat runs), with its SQL query count. The trivial page is the home page's
neighbour with the least work: /notifications/ (the inbox, one short query). The live row is
a filter combination the rollups do not store, so it shows the cost of computing one live.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from accounts.models import User  # noqa: E402
from rollups.models import Rollup  # noqa: E402
from suggestions.models import Suggestion  # noqa: E402

PAGES = [
    ("trivial page (/notifications/)", "/notifications/"),
    ("dashboard, stored rollups", "/dashboard/"),
    ("unit ranking, stored", "/dashboard/units/"),
    ("key board", "/dashboard/key/"),
    ("report draft, stored", "/dashboard/report/"),
    ("dashboard, live combination", "/dashboard/?channel=session&key=on"),
    ("dashboard, live: key only", "/dashboard/?key=on"),
    ("dashboard, live: channel + system", "/dashboard/?channel=session&system=government"),
    ("dashboard, live: past day", "/dashboard/?category=1&key=on&as_of=2026-06-17"),
]


def measure(client, url, repeat):
    response = client.get(url)  # warm-up (templates, connections)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(queries)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()  # lets the test client run against this database
    client = Client()
    client.force_login(User.objects.get(username="leader"))
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(
        f"suggestions: {Suggestion.objects.count()}, stored rollup rows: {Rollup.objects.count()}"
    )
    base = None
    print(f"{'page':36} {'median ms':>10} {'queries':>8} {'× trivial':>10}")
    for label, url in PAGES:
        seconds, queries = measure(client, url, args.repeat)
        base = base or seconds
        print(f"{label:36} {seconds * 1000:10.1f} {queries:8d} {seconds / base:10.2f}")


if __name__ == "__main__":
    main()
