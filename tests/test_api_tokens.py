"""Tokens: hashed at rest, shown once, revocable by staff; throttled more strictly."""

import re

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken

from .api_helpers import codes, session_client, token_client


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def _bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_acts_as_its_owner_and_is_stored_hashed(people, journey):
    suggestion, _ = journey.assigned()
    token, raw = services.token_issue(actor=people.staff, owner=people.leader, name="领导驾驶舱")
    assert raw not in token.digest and token.digest != raw
    assert _bearer(raw).get("/api/v1/suggestions/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    refused = _bearer(raw).post(f"/api/v1/suggestions/{suggestion.pk}/close/", {}, format="json")
    assert refused.status_code == 403  # a leader's token is read-only like the leader


def test_a_revoked_or_unknown_token_is_401(people):
    token, raw = services.token_issue(actor=people.staff, owner=people.staff, name="直通车")
    services.token_revoke(actor=people.staff, token=token)
    for value in (raw, "dp_not-a-token"):
        response = _bearer(value).get("/api/v1/units/")
        assert response.status_code == 401
        assert response.json()["errors"][0] == {
            "field": None,
            "code": "invalid_token",
            "message": "令牌无效或已吊销",
        }


def test_only_staff_issue_tokens(people):
    with pytest.raises(Exception) as refused:
        services.token_issue(actor=people.unit_user, owner=people.unit_user, name="x")
    assert refused.value.code == "staff_only"


def test_the_staff_page_issues_a_token_once_and_revokes_it(client, people):
    client.force_login(people.staff)
    page = client.post("/api/tokens/", {"name": "12345热线直通车", "owner": people.staff.pk})
    assert page.status_code == 200
    raw = re.search(r'id="issued-token">(dp_[^<]+)<', page.content.decode()).group(1)
    assert _bearer(raw).get("/api/v1/categories/").status_code == 200
    listing = client.get("/api/tokens/").content.decode()
    assert "12345热线直通车" in listing and raw not in listing
    token = ApiToken.objects.get()
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == people.staff
    assert _bearer(raw).get("/api/v1/categories/").status_code == 401


@pytest.mark.parametrize("who", ["leader", "unit_user", "deputy_user"])
def test_the_token_page_is_403_for_everyone_but_staff(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get("/api/tokens/").status_code == 403
    assert client.post("/api/tokens/", {"name": "x", "owner": people.staff.pk}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_token_page_sends_anonymous_users_to_login(client, db):
    response = client.get("/api/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_tokens_are_throttled_more_strictly_than_sessions(people, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "5/min", "token": "2/min"},
    }
    client = token_client(people.staff)
    assert [client.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 429]
    refused = client.get("/api/v1/units/")
    assert codes(refused) == ["throttled"]
    assert refused.json()["errors"][0]["message"].startswith("请求过于频繁")
    session = session_client(people.staff)
    assert [session.get("/api/v1/units/").status_code for _ in range(3)] == [200, 200, 200]
