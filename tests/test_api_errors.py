"""Whatever goes wrong under /api/, the answer is the API's JSON error shape
{"errors": [{"field", "code", "message"}]}: an id that cannot exist, a body over the size
limit, a server error; and an anonymous flood meets the anonymous rate (429)."""

import json
import logging

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from suggestions.models import Suggestion

from .api_helpers import codes, session_client

NOT_FOUND = {"field": None, "code": "not_found", "message": "未找到该对象,或您无权查看"}


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/suggestions/abc/",
        "/api/v1/suggestions/-1/",
        "/api/v1/suggestions/99999999999999999999999/",
        "/api/v1/assignments/1e3/",
        "/api/v1/replies/%E5%BB%BA/",
        "/api/v1/deputies/9223372036854775808/",
        "/api/v1/no-such-thing/",
    ],
)
def test_an_id_that_cannot_exist_is_a_json_404(people, url):
    response = session_client(people.staff).get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"errors": [NOT_FOUND]}


def test_a_malformed_id_is_a_json_404_even_without_credentials(db):
    response = Client().get("/api/v1/suggestions/abc/")
    assert response.status_code == 404
    assert response.json() == {"errors": [NOT_FOUND]}


def test_pages_under_api_keep_their_html_404(people):
    client = Client()
    client.force_login(people.staff)
    response = client.get("/api/tokens/abc/revoke/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_body_over_the_limit_is_a_json_400_and_saves_nothing(people, settings):
    body = json.dumps(
        {
            "channel": "session",
            "title": "标题",
            "content": "长" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
            "lead_deputy": people.deputy.pk,
        }
    )
    response = session_client(people.staff).post(
        "/api/v1/suggestions/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {"field": None, "code": "request_too_large", "message": "请求内容过大(上限 1024 KB)"}
        ]
    }
    assert not Suggestion.objects.exists()


def test_a_server_error_is_a_json_500_logged_in_english(people, caplog):
    # A real fault: the table behind the endpoint is gone (the test's transaction restores it).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE suggestions_category RENAME TO suggestions_category_gone")
    client = Client(raise_request_exception=False)
    client.force_login(people.staff)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/v1/categories/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": [
            {
                "field": None,
                "code": "server_error",
                "message": "服务器内部错误,请稍后重试;问题已记录",
            }
        ]
    }
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.getMessage() == "Internal Server Error: /api/v1/categories/"
    assert record.exc_info is not None


def test_a_server_error_on_a_page_keeps_the_chinese_500_page(people):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE suggestions_category RENAME TO suggestions_category_gone")
    client = Client(raise_request_exception=False)
    client.force_login(people.staff)
    response = client.get("/suggestions/new/")
    assert response.status_code == 500
    assert "系统暂时出现错误" in response.content.decode()


def _anonymous_rate(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": rate, "user": "1000/min", "token": "1000/min"},
    }


def test_an_anonymous_flood_meets_the_anonymous_rate(db, settings):
    _anonymous_rate(settings, "3/min")
    client = Client()
    answers = [client.get("/api/v1/suggestions/").status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    refused = client.get("/api/v1/units/")
    assert refused.status_code == 429
    assert codes(refused) == ["throttled"]
    assert "请求过于频繁" in refused.json()["errors"][0]["message"]
    assert int(refused["Retry-After"]) > 0


def test_guessing_tokens_meets_the_anonymous_rate(db, settings):
    _anonymous_rate(settings, "3/min")
    client = Client(HTTP_AUTHORIZATION="Bearer dp_guess")
    answers = [client.get("/api/v1/suggestions/").status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]


def test_signed_in_people_are_not_held_to_the_anonymous_rate(people, settings):
    _anonymous_rate(settings, "3/min")
    client = session_client(people.staff)
    assert {client.get("/api/v1/units/").status_code for _ in range(5)} == {200}
