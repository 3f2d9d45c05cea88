"""Every supervision page takes a fixed number of SQL queries whatever the number of topics,
suggestions, milestones and actions (django_assert_max_num_queries, and the same count at
two data sizes)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supervision import services
from supervision.models import Acknowledgement

from .factories import key_topic, pdf_upload

TODAY = dt.date(2026, 11, 20)


def build(people, journey, size: int):
    suggestions = [
        journey.accepted(roles=(("unit", "lead"), ("other_unit", "co")))[0] for _ in range(size)
    ]
    topics = [
        key_topic(
            staff=people.staff, leaders=[people.leader], suggestions=suggestions, title=f"专题{i}"
        )
        for i in range(size)
    ]
    topic = topics[0]
    for i in range(size):
        milestone = services.milestone_add(
            actor=people.staff, topic=topic, kind="survey", planned_on=dt.date(2026, 11, 1 + i)
        )
        if i % 2:
            services.milestone_record_done(
                actor=people.staff, milestone=milestone, files=[pdf_upload()]
            )
        services.action_record(
            actor=people.leader, kind="instruction", topic=topic, content=f"意见{i}"
        )
        services.action_record(
            actor=people.leader,
            kind="visit",
            suggestion=suggestions[i],
            content="视察",
            participants="委员",
        )
    return topic, suggestions


def pages(topic, suggestions):
    assignment = suggestions[0].assignments.get(role="lead")
    return {
        "topic": f"/supervision/topics/{topic.pk}/",
        "list": "/supervision/topics/",
        "key": "/dashboard/key/",
        "report": f"/supervision/topics/{topic.pk}/report/",
        "docx": f"/supervision/topics/{topic.pk}/report.docx",
        "xlsx": f"/supervision/topics/{topic.pk}/suggestions.xlsx",
        "action": f"/supervision/topics/{topic.pk}/actions/new/",
        "suggestion": f"/suggestions/{suggestions[0].pk}/",
        "assignment": f"/inbox/{assignment.pk}/",
    }


BUDGETS = {
    # page: [(role, at most)] — the session, the user, the nav's unread count and the
    # calendar banner come with every page.
    "topic": [("staff", 16), ("leader", 16), ("unit_user", 17), ("deputy_user", 17)],
    "list": [("staff", 9), ("unit_user", 9)],
    "key": [("leader", 14)],
    "report": [("leader", 16)],
    "docx": [("staff", 16)],
    "xlsx": [("staff", 7)],
    "action": [("leader", 5)],
    "suggestion": [("leader", 17)],  # with the forwardings to lower congresses (分级处理)
    "assignment": [("unit_user", 21)],  # with the draft, the ledger and the 督办意见
}


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


@pytest.mark.parametrize("page", list(BUDGETS))
def test_each_page_takes_a_fixed_number_of_queries(
    client, settings, people, journey, django_assert_max_num_queries, page
):
    settings.PORTAL_TODAY = TODAY
    small = pages(*build(people, journey, 1))
    large_topic, large_suggestions = build(people, journey, 4)
    large = pages(large_topic, large_suggestions)
    assert Acknowledgement.objects.count() > 8  # the large set has many acts to show
    for role, budget in BUDGETS[page]:
        client.force_login(getattr(people, role))
        first = _count(client, small[page])
        with django_assert_max_num_queries(budget):
            client.get(large[page])
        assert _count(client, large[page]) == first, (page, role)
