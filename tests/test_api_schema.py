"""The OpenAPI schema and its documentation page, served without any CDN."""

import re

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


def test_the_schema_is_openapi_3_and_public(client, db):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/suggestions/express/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    refused = schema["paths"]["/api/v1/suggestions/{id}/close/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "429"} <= set(refused)


def test_the_docs_page_loads_only_local_assets(client, db):
    page = client.get("/api/docs/").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', page) + re.findall(r'url:\s*"([^"]+)"', page)
    assert any("swagger-ui" in u for u in urls)
    assert all(u.startswith("/static/") or u.startswith("/api/") for u in urls), urls
    assert "http://" not in page and "https://" not in page


def test_the_docs_page_has_no_inline_script_so_the_csp_holds(client, db):
    page = client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    init = re.search(r'<script[^>]*src="(/api/docs/\?[^"]*script[^"]*)"', page).group(1)
    response = client.get(init.replace("&amp;", "&"))
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()
