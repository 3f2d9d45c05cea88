"""The dashboards answer in the same number of queries at 100 and at 10,000 suggestions."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollups import services
from suggestions.models import Assignment, Reply, Suggestion

from .test_figures import D

PAGES = [
    ("/dashboard/", {}),
    ("/dashboard/", {"channel": "session", "key": "on"}),  # live: not a stored scope
    ("/dashboard/units/", {}),
    ("/dashboard/units/{unit}/", {}),
    ("/dashboard/key/", {}),
    ("/dashboard/report/", {}),
]


def add_suggestions(people, start: int, count: int) -> None:
    """`count` assigned suggestions, bulk-created: every third replied, every tenth key, the
    rest past their deadline."""
    suggestions = Suggestion.objects.bulk_create(
        Suggestion(
            term=people.term,
            number=start + i + 1,
            channel="session",
            title=f"建议{start + i + 1}",
            content="内容",
            lead_deputy=people.deputy,
            submitted_on=D - dt.timedelta(120),
            status="assigned",
            is_key=i % 10 == 0,
        )
        for i in range(count)
    )
    assignments = Assignment.objects.bulk_create(
        Assignment(
            suggestion=s,
            unit=people.unit if i % 2 else people.other_unit,
            role="lead",
            state="accepted",
            assigned_on=D - dt.timedelta(100),
            rules={},
            deadline=D - dt.timedelta(10),
        )
        for i, s in enumerate(suggestions)
    )
    Reply.objects.bulk_create(
        Reply(
            assignment=a,
            round=1,
            text="答复",
            result="A",
            signer="王局长",
            replied_on=D - dt.timedelta(20),
            is_public=True,
        )
        for a in assignments[::3]
    )


def query_counts(client, people) -> dict:
    services.rollups_compute_all(as_of=D)
    client.force_login(people.leader)
    counts = {}
    for path, params in PAGES:
        url = path.format(unit=people.unit.pk)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"term": people.term.pk, "as_of": D, **params})
        assert response.status_code == 200
        counts[url, tuple(params)] = len(queries)
    return counts


def test_query_counts_are_equal_at_100_and_at_10000_suggestions(client, people):
    add_suggestions(people, 0, 100)
    small = query_counts(client, people)
    add_suggestions(people, 100, 9_900)
    large = query_counts(client, people)
    assert Suggestion.objects.count() == 10_000
    assert large == small
