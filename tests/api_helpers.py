"""Helpers for the API tests: clients signed in by session or by token."""

from rest_framework.test import APIClient

from api import services


def session_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def token_client(owner, *, issuer=None, name="测试集成") -> APIClient:
    _, raw = services.token_issue(actor=issuer or owner, owner=owner, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
