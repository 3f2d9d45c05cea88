"""Each role sees through the API exactly what it sees in the pages: 404 for what it may not
see, 403 for what it may see but not change, 401 without credentials."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from suggestions import workflow

from .api_helpers import codes, ids, session_client

LISTS = [
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


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.mark.parametrize("url", LISTS)
def test_without_credentials_every_endpoint_answers_401_in_chinese(db, people, url):
    response = session_client().get(url)
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {"field": None, "code": "not_authenticated", "message": "未登录或未提供接口令牌"}
        ]
    }
    assert response["WWW-Authenticate"] == "Bearer"


def test_unauthenticated_responses_never_carry_a_deputy_phone(db, people, journey):
    journey.assigned()
    for url in [*LISTS, f"/api/v1/deputies/{people.deputy.pk}/"]:
        body = session_client().get(url).content.decode()
        assert people.deputy.phone not in body


def test_staff_and_leaders_see_every_suggestion(people, journey):
    mine, _ = journey.assigned()
    other = journey.submitted(lead_deputy=people.other_deputy)
    for user in (people.staff, people.leader):
        assert set(ids(session_client(user).get("/api/v1/suggestions/"))) == {mine.pk, other.pk}


def test_a_unit_sees_only_the_suggestions_assigned_to_it(people, journey):
    mine, assignment = journey.assigned()
    journey.assigned(roles=(("other_unit", "lead"),))
    journey.submitted()
    client = session_client(people.unit_user)
    assert ids(client.get("/api/v1/suggestions/")) == [mine.pk]
    assert ids(client.get("/api/v1/assignments/")) == [assignment.pk]


def test_a_co_handler_sees_through_the_api_what_its_page_shows(client, people, journey):
    # The lead (市交通运输局) was assigned months ago and is overdue; the co-handler
    # (市教育局) joined today. Its page shows its own assignment only.
    long_ago = timezone.localdate() - dt.timedelta(days=120)
    suggestion, lead = journey.assigned(assigned_on=long_ago)
    [co] = workflow.suggestion_assign(
        actor=people.staff, suggestion=suggestion, units=[(people.other_unit, "co")]
    )
    client.force_login(people.other_unit_user)
    page = client.get(f"/suggestions/{suggestion.pk}/").content.decode()
    assert "市教育局" in page and co.deadline.isoformat() in page
    assert "市交通运输局" not in page and lead.deadline.isoformat() not in page

    api = session_client(people.other_unit_user)
    body = api.get(f"/api/v1/suggestions/{suggestion.pk}/").json()
    shown = [(a["unit"]["name"], a["role"], a["deadline"]) for a in body["assignments"]]
    assert shown == [("市教育局", "co", co.deadline.isoformat())]
    assert body["next_deadline"] is None  # the lead's, which the page does not show
    text = json.dumps(body, ensure_ascii=False)
    assert "市交通运输局" not in text and lead.deadline.isoformat() not in text
    # Nor can the list's filters tell which other units handle it or that the lead is late.
    assert ids(api.get(f"/api/v1/suggestions/?unit={people.unit.pk}")) == []
    assert ids(api.get("/api/v1/suggestions/?overdue=true")) == []
    assert ids(api.get(f"/api/v1/suggestions/?unit={people.other_unit.pk}")) == [suggestion.pk]
    # Staff still see both units, and the lead as overdue.
    staff = session_client(people.staff)
    assert len(staff.get(f"/api/v1/suggestions/{suggestion.pk}/").json()["assignments"]) == 2
    assert ids(staff.get("/api/v1/suggestions/?overdue=true")) == [suggestion.pk]


def test_a_deputy_sees_the_suggestions_they_lead_or_cosigned(people, journey):
    led = journey.submitted()
    cosigned = journey.submitted(lead_deputy=people.other_deputy)
    cosigned.co_signers.add(people.deputy)
    journey.submitted(lead_deputy=people.other_deputy)
    client = session_client(people.deputy_user)
    assert set(ids(client.get("/api/v1/suggestions/"))) == {led.pk, cosigned.pk}


@pytest.mark.parametrize("who", ["other_unit_user", "other_deputy_user", "nobody"])
def test_a_suggestion_out_of_sight_is_404(people, journey, who):
    suggestion, assignment = journey.assigned()
    client = session_client(getattr(people, who))
    for url in (
        f"/api/v1/suggestions/{suggestion.pk}/",
        f"/api/v1/assignments/{assignment.pk}/",
        f"/api/v1/suggestions/{suggestion.pk}/close/",
    ):
        response = client.get(url) if not url.endswith("close/") else client.post(url, {})
        assert response.status_code == 404, url
        assert codes(response) == ["not_found"]


@pytest.mark.parametrize("who", ["leader", "unit_user", "deputy_user"])
def test_staff_actions_are_403_for_those_who_see_the_suggestion(people, journey, who):
    suggestion, _ = journey.assigned()
    response = session_client(getattr(people, who)).post(
        f"/api/v1/suggestions/{suggestion.pk}/key/", {"is_key": True}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["errors"][0]["message"] == "您没有执行该操作的权限"
    suggestion.refresh_from_db()
    assert suggestion.is_key is False


@pytest.mark.parametrize("who", ["leader", "staff", "deputy_user"])
def test_unit_actions_are_403_for_others_who_see_the_assignment(people, journey, who):
    _, assignment = journey.assigned()
    response = session_client(getattr(people, who)).post(
        f"/api/v1/assignments/{assignment.pk}/accept/", {}, format="json"
    )
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.state == "assigned"


def test_a_leader_reads_everything_and_changes_nothing(people, journey):
    suggestion, reply = journey.replied()
    client = session_client(people.leader)
    assert client.get(f"/api/v1/replies/{reply.pk}/").status_code == 200
    assert client.get("/api/v1/figures/").status_code == 200
    refused = client.post(
        f"/api/v1/replies/{reply.pk}/feedback/",
        {"result_verdict": "satisfied", "work_verdict": "satisfied"},
        format="json",
    )
    assert refused.status_code == 403
    assert codes(refused) == ["not_lead_deputy"]


def test_figures_are_for_staff_and_leaders_only(people, journey):
    journey.assigned()
    for who in ("unit_user", "deputy_user", "nobody"):
        assert session_client(getattr(people, who)).get("/api/v1/figures/").status_code == 403


def test_deputy_contact_data_is_for_staff_and_the_deputy_only(people):
    url = f"/api/v1/deputies/{people.deputy.pk}/"
    assert session_client(people.staff).get(url).json()["phone"] == people.deputy.phone
    assert session_client(people.deputy_user).get(url).json()["phone"] == people.deputy.phone
    for who in ("unit_user", "leader", "other_deputy_user"):
        client = session_client(getattr(people, who))
        assert "phone" not in client.get(url).json()
        assert people.deputy.phone not in client.get("/api/v1/deputies/").content.decode()


def test_a_unit_user_never_sees_a_deputy_phone_on_its_suggestions(people, journey):
    suggestion, _ = journey.replied()
    client = session_client(people.unit_user)
    for url in LISTS[:5] + [f"/api/v1/suggestions/{suggestion.pk}/"]:
        assert people.deputy.phone not in client.get(url).content.decode(), url


def test_session_writes_need_the_csrf_token(people, journey):
    suggestion = journey.submitted()
    client = session_client()
    client.handler.enforce_csrf_checks = True
    client.force_login(people.staff)
    response = client.post(f"/api/v1/suggestions/{suggestion.pk}/register/", {}, format="json")
    assert response.status_code == 403
    assert codes(response) == ["csrf_failed"]
