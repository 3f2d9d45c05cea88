"""The supervision API answers each role as the pages do: reads for whoever may see, topics
created by staff, actions by leaders and committee staff, acknowledgements by the unit;
404 for what one may not see, 403 (with the code) for what one may see but not do."""

import datetime as dt

import pytest
from django.core.cache import cache

from supervision import services
from supervision.models import KeyTopic, SupervisionAction

from .api_helpers import codes, ids, session_client, token_client
from .factories import key_topic

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _setup(settings):
    cache.clear()
    settings.PORTAL_TODAY = TODAY


@pytest.fixture
def topic(people, journey):
    mine, _ = journey.accepted(title="公交线路")
    theirs, _ = journey.assigned(roles=(("other_unit", "lead"),), title="停车难")
    return key_topic(staff=people.staff, leaders=[people.leader], suggestions=[mine, theirs])


def test_staff_create_a_topic(people, journey):
    suggestion, _ = journey.assigned()
    response = session_client(people.staff).post(
        "/api/v1/topics/",
        {
            "year": 2026,
            "term": people.term.pk,
            "title": "交通专题",
            "leaders": [people.leader.pk],
            "suggestions": [suggestion.pk],
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "交通专题" and [s["id"] for s in body["suggestions"]] == [suggestion.pk]
    assert body["leaders"] == [{"id": people.leader.pk, "name": people.leader.display_name}]


@pytest.mark.parametrize("who", ["leader", "unit_user", "deputy_user"])
def test_only_staff_create_topics(people, journey, who):
    suggestion, _ = journey.assigned()
    response = session_client(getattr(people, who)).post(
        "/api/v1/topics/",
        {"year": 2026, "term": people.term.pk, "title": "x", "leaders": [people.leader.pk]},
        format="json",
    )
    assert response.status_code == 403 and codes(response) == ["staff_only"]
    assert not KeyTopic.objects.exists()


def test_each_role_reads_the_topics_it_may_see(people, topic):
    seen = {
        who: ids(session_client(getattr(people, who)).get("/api/v1/topics/"))
        for who in ("staff", "leader", "unit_user", "other_unit_user", "deputy_user", "nobody")
    }
    assert seen == {w: [topic.pk] for w in seen} | {"nobody": []}
    unit_view = session_client(people.unit_user).get(f"/api/v1/topics/{topic.pk}/").json()
    assert [s["title"] for s in unit_view["suggestions"]] == ["公交线路"]
    assert session_client(people.nobody).get(f"/api/v1/topics/{topic.pk}/").status_code == 404


def test_a_leader_instructs_through_a_token_and_the_unit_acknowledges(people, topic):
    client = token_client(people.leader, issuer=people.staff)
    response = client.post(
        "/api/v1/supervision-actions/",
        {"kind": "instruction", "topic": topic.pk, "content": "请加快办理"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == "instruction" and len(body["suggestions"]) == 2
    mine = next(a for a in body["acknowledgements"] if a["unit"] == people.unit.name)
    assert mine["due_on"] == "2026-11-25" and mine["acknowledged_on"] is None
    unit = session_client(people.unit_user)
    # The unit sees only its own acknowledgement of the action.
    listed = unit.get("/api/v1/supervision-actions/", {"topic": topic.pk}).json()["results"]
    assert [a["unit"] for a in listed[0]["acknowledgements"]] == [people.unit.name]
    done = unit.post(
        f"/api/v1/acknowledgements/{mine['id']}/acknowledge/", {"note": "已部署"}, format="json"
    )
    assert done.status_code == 200 and done.json()["acknowledged_on"] == "2026-11-20"
    again = unit.post(f"/api/v1/acknowledgements/{mine['id']}/acknowledge/", {}, format="json")
    assert again.status_code == 409 and codes(again) == ["already_acknowledged"]
    other = session_client(people.other_unit_user)
    assert (
        other.post(
            f"/api/v1/acknowledgements/{mine['id']}/acknowledge/", {}, format="json"
        ).status_code
        == 404
    )
    staff = session_client(people.staff)
    refused = staff.post(f"/api/v1/acknowledgements/{mine['id']}/acknowledge/", {}, format="json")
    assert refused.status_code == 403  # staff see it but do not acknowledge for the unit


@pytest.mark.parametrize("who", ["unit_user", "deputy_user"])
def test_units_and_deputies_may_not_supervise_through_the_api(people, journey, who):
    suggestion, _ = journey.accepted()
    response = session_client(getattr(people, who)).post(
        "/api/v1/supervision-actions/",
        {"kind": "urge", "suggestion": suggestion.pk, "content": "x"},
        format="json",
    )
    assert response.status_code == 403 and codes(response) == ["not_supervisor"]
    assert not SupervisionAction.objects.exists()


def test_an_outsider_gets_404_for_a_suggestion_it_may_not_see(people, journey):
    suggestion, _ = journey.accepted()
    response = session_client(people.other_unit_user).post(
        "/api/v1/supervision-actions/",
        {"kind": "urge", "suggestion": suggestion.pk, "content": "x"},
        format="json",
    )
    assert response.status_code == 404


def test_a_visit_without_participants_is_409(people, journey):
    suggestion, _ = journey.accepted()
    response = session_client(people.leader).post(
        "/api/v1/supervision-actions/",
        {"kind": "visit", "suggestion": suggestion.pk, "content": "视察"},
        format="json",
    )
    assert response.status_code == 409 and codes(response) == ["missing_participants"]


def test_actions_are_read_by_whoever_may_see_their_suggestions(people, journey, topic):
    alone, _ = journey.assigned(roles=(("other_unit", "lead"),), lead_deputy=people.other_deputy)
    services.action_record(actor=people.leader, kind="urge", suggestion=alone, content="催")
    on_topic = services.action_record(actor=people.leader, kind="urge", topic=topic, content="催")
    assert ids(session_client(people.unit_user).get("/api/v1/supervision-actions/")) == [
        on_topic.pk
    ]
    assert len(ids(session_client(people.leader).get("/api/v1/supervision-actions/"))) == 2
    assert ids(session_client(people.nobody).get("/api/v1/supervision-actions/")) == []
    assert (
        session_client(people.unit_user)
        .get(f"/api/v1/supervision-actions/{on_topic.pk}/")
        .status_code
        == 200
    )
    assert (
        session_client(people.nobody).get(f"/api/v1/supervision-actions/{on_topic.pk}/").status_code
        == 404
    )


def test_staff_add_a_milestone_through_the_api(people, topic):
    response = session_client(people.staff).post(
        f"/api/v1/topics/{topic.pk}/milestones/",
        {"kind": "forum", "planned_on": "2026-12-05"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["milestones"] == [
        {
            "id": topic.milestones.get().pk,
            "kind": "forum",
            "planned_on": "2026-12-05",
            "done_on": None,
            "note": "",
        }
    ]
    refused = session_client(people.leader).post(
        f"/api/v1/topics/{topic.pk}/milestones/",
        {"kind": "forum", "planned_on": "2026-12-05"},
        format="json",
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/topics/", "/api/v1/supervision-actions/"])
def test_the_lists_take_the_same_queries_at_two_sizes(
    people, journey, django_assert_max_num_queries, url
):
    def grow():
        suggestion, _ = journey.accepted()
        t = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[suggestion])
        services.milestone_add(actor=people.staff, topic=t, kind="survey", planned_on=TODAY)
        services.action_record(actor=people.leader, kind="instruction", topic=t, content="x")

    grow()
    client = session_client(people.unit_user)
    with django_assert_max_num_queries(12) as small:
        client.get(url)
    for _ in range(4):
        grow()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(ids(client.get(url))) == 5


def test_an_action_shows_a_unit_only_the_suggestions_it_may_see(people, topic):
    action = services.action_record(actor=people.leader, kind="urge", topic=topic, content="催")
    mine = topic.suggestions.get(title="公交线路")
    body = session_client(people.unit_user).get(f"/api/v1/supervision-actions/{action.pk}/").json()
    assert body["suggestions"] == [mine.pk]
    body = session_client(people.leader).get(f"/api/v1/supervision-actions/{action.pk}/").json()
    assert len(body["suggestions"]) == 2
