"""Lists: filters shared with the pages, ordering, pagination, and a constant number of
queries whatever the size."""

import pytest
from django.core.cache import cache

from suggestions import workflow

from .api_helpers import ids, session_client
from .factories import DeputyFactory, UnitFactory


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def test_the_suggestion_filters_are_the_list_pages(people, journey):
    express, _ = journey.assigned(channel="express")
    journey.assigned(channel="session")
    client = session_client(people.staff)
    assert ids(client.get("/api/v1/suggestions/?channel=express")) == [express.pk]
    assert ids(
        client.get(f"/api/v1/suggestions/?unit={people.unit.pk}&status=assigned&channel=express")
    ) == [express.pk]
    bad = client.get("/api/v1/suggestions/?status=lost&term=999999")
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"status", "term"}


def test_ordering_and_pagination(people, journey):
    made = [journey.submitted() for _ in range(5)]
    client = session_client(people.staff)
    first = client.get("/api/v1/suggestions/?ordering=number&page_size=2").json()
    assert first["count"] == 5
    assert [r["id"] for r in first["results"]] == [made[0].pk, made[1].pk]
    assert first["next"].endswith("page=2&page_size=2") or "page=2" in first["next"]
    newest = client.get("/api/v1/suggestions/?ordering=-number&page_size=2").json()
    assert newest["results"][0]["id"] == made[-1].pk
    assert client.get("/api/v1/suggestions/?page=99").status_code == 404
    assert (
        client.get("/api/v1/suggestions/?page_size=5000").json()["count"] == 5
    )  # capped, not refused


def _handled(people, journey, n):
    """n suggestions, each assigned, accepted, contacted, replied, with feedback and a
    pending extension request; plus n deputies and units."""
    for i in range(n):
        suggestion, reply = journey.replied()
        suggestion.co_signers.add(DeputyFactory(term=people.term), DeputyFactory(term=people.term))
        workflow.feedback_record(
            actor=people.deputy_user,
            reply=reply,
            result_verdict="satisfied",
            work_verdict="satisfied",
        )
        UnitFactory()
        _, assignment = journey.accepted()
        workflow.assignment_request_reassignment(
            actor=people.unit_user, assignment=assignment, reason=f"理由{i}"
        )


URLS = [
    "/api/v1/suggestions/",
    "/api/v1/assignments/",
    "/api/v1/contacts/",
    "/api/v1/replies/",
    "/api/v1/feedback/",
    "/api/v1/reassignment-requests/",
    "/api/v1/extension-requests/",
    "/api/v1/deputies/",
    "/api/v1/units/",
    "/api/v1/categories/",
    "/api/v1/figures/",
    "/api/v1/figures/units/",
]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("who", ["staff", "unit_user", "deputy_user"])
def test_lists_take_the_same_queries_at_two_sizes(
    people, journey, django_assert_max_num_queries, url, who
):
    client = session_client(getattr(people, who))
    _handled(people, journey, 2)
    client.get(url)  # warm up: session, content types
    # 13 at most: the figures read the dated facts (rollups.facts) and 承诺兑现率 beside them.
    with django_assert_max_num_queries(13) as small:
        client.get(url)
    _handled(people, journey, 5)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.status_code in (200, 403)
    assert len(large.captured_queries) == len(small.captured_queries)
