"""Time the jobs of issue 5 against the bare SQL that computes the same numbers, and print
the ratios. Run on a database seeded with `manage.py seed_demo --scale N`:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench \\
        .venv/bin/python scripts/bench_celery.py

It writes rollup rows (the jobs' own output) and reads nothing else; reminders are only
scanned, never claimed or sent. The bare SQL is a lower bound: it counts from the dated rows
with GROUP BY, without the as-of rules (rounds, deadline history) that figures.py applies.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "congress.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from congresses.context import acting_in  # noqa: E402
from notifications.reminders import reminders_due  # noqa: E402
from rollups.changes import highest_event_id  # noqa: E402
from rollups.models import FactsMark, RollupDay, RollupWatermark  # noqa: E402
from rollups.services import rollups_compute_all, rollups_refresh  # noqa: E402
from suggestions.models import Suggestion  # noqa: E402

# Per scope: assigned suggestions, replied ones and their classes, from the dated rows.
SCOPE_SQL = """
SELECT s.{column}, count(DISTINCT a.suggestion_id),
       count(DISTINCT r.assignment_id),
       count(*) FILTER (WHERE r.result = 'A'), count(*) FILTER (WHERE r.result = 'B'),
       count(*) FILTER (WHERE r.result = 'C'), count(*) FILTER (WHERE r.result = 'D')
FROM suggestions_assignment a
JOIN suggestions_suggestion s ON s.id = a.suggestion_id
LEFT JOIN suggestions_reply r ON r.assignment_id = a.id AND r.replied_on <= %s
WHERE a.role IN ('lead', 'split') AND a.assigned_on <= %s {where}
GROUP BY s.{column}
"""
UNIT_SQL = SCOPE_SQL.replace("s.{column}", "a.unit_id")
SCAN_SQL = """
SELECT a.id, a.deadline, a.role FROM suggestions_assignment a
WHERE a.state IN ('assigned', 'accepted') AND a.deadline <= %s
  AND (a.role IN ('lead', 'split') OR (a.role = 'co' AND a.opinion_waived_on IS NULL))
"""


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def bare_sql(day, where="", params=()):
    def run():
        with connection.cursor() as cur:
            for column in ("term_id", "meeting_id", "channel", "category_id"):
                cur.execute(SCOPE_SQL.format(column=column, where=where), [day, day, *params])
                cur.fetchall()
            cur.execute(UNIT_SQL.format(where=where), [day, day, *params])
            cur.fetchall()

    return run


def line(label, job_seconds, sql_seconds, extra=""):
    ratio = job_seconds / sql_seconds if sql_seconds else float("inf")
    print(
        f"{label:<22} job {job_seconds:8.3f} s   bare SQL {sql_seconds:7.3f} s   ratio {ratio:7.1f}x  {extra}"
    )


def bench_rollups(today):
    """(label, job seconds, bare SQL seconds, note) for the full and the incremental rollup."""
    job, rows = timed(lambda: rollups_compute_all(as_of=today))
    sql, _ = timed(bare_sql(today))
    results = [("full rollup", job, sql, f"({rows} scopes)")]

    # The newest audit event as if it had just been written: the stored day and the job's
    # watermark are set just below it, so the job reads one event of one suggestion.
    top = highest_event_id()
    changed = Suggestion.objects.filter(events__id=top).first()
    RollupDay.objects.filter(day=today).update(seen_to=top - 1)
    # Watermarks are per congress: the changed suggestion's congress's, and its job alone.
    RollupWatermark.objects.update_or_create(
        congress_id=changed.congress_id,
        defaults={"seen_to": top - 1, "gaps": [], "lease_until": None},
    )
    # The dated facts too: the job re-derives that one suggestion's facts (rollups.facts).
    FactsMark.objects.filter(congress_id=changed.congress_id).update(seen_to=top - 1, gaps=[])

    def refresh():
        with acting_in(changed.congress_id):
            return rollups_refresh(today=today)

    job, rows = timed(refresh)
    where = "AND s.term_id = %s"
    sql, _ = timed(bare_sql(today, where, [changed.term_id]))
    results.append(("incremental rollup", job, sql, f"({rows} scopes of 1 changed suggestion)"))
    return results


def median_timed(fn, runs=5):
    """Median seconds of `runs` calls, and the last result: a scan of a few milliseconds
    is otherwise decided by whichever side warms the caches first."""
    results = [timed(fn) for _ in range(runs)]
    return statistics.median(seconds for seconds, _ in results), results[-1][1]


def bench_reminder_scan(today):
    """(label, job seconds, bare SQL seconds, note) for the reminder scan (nothing is sent):
    the median of five runs of each."""
    horizon = today + timedelta(days=max(settings.PORTAL["REMINDER_DAYS_BEFORE"]))
    job, due = median_timed(lambda: reminders_due(today=today))

    def scan():
        with connection.cursor() as cur:
            cur.execute(SCAN_SQL, [horizon])
            return cur.fetchall()

    sql, _ = median_timed(scan)
    return ("reminder scan", job, sql, f"({len(due)} stages due)")


def main():
    today = timezone.localdate()
    suggestions = Suggestion.objects.count()
    print(
        f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}, {suggestions} suggestions, as of {today}"
    )
    for result in [*bench_rollups(today), bench_reminder_scan(today)]:
        line(*result)


if __name__ == "__main__":
    main()
