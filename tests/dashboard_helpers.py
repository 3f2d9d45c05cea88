"""Reading the dashboard pages in tests: tiles, drill-down links and the list they land on."""

import re
from html import unescape

TILE = re.compile(
    r'<a class="tile figure-tile" href="([^"]+)" data-tile="([^"]+)"[^>]*>.*?'
    r'<div class="value">([^<]+)</div>\s*<div class="muted small">([^<]+)</div>',
    re.S,
)
TABLE_LINK = re.compile(r'<td><a href="(/suggestions/\?[^"]+)">([^<]+)</a></td>')


def tiles(html: str) -> dict:
    """{label: (url, value, detail)}"""
    return {
        label: (unescape(url), value, detail) for url, label, value, detail in TILE.findall(html)
    }


def table_links(html: str) -> list[tuple[str, str]]:
    return [(unescape(url), text) for url, text in TABLE_LINK.findall(html)]


def listed_ids(client, url: str) -> set[int]:
    """The suggestion ids on the list page a drill-down link lands on (one page: small data)."""
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    count = int(re.search(r'id="result-count">(\d+)<', html).group(1))
    ids = {int(i) for i in re.findall(r'href="/suggestions/(\d+)/"', html)}
    assert len(ids) == count
    return ids
