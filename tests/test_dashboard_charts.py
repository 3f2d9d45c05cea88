"""Charts that tell the truth: an empty scope says 暂无数据 instead of drawing zeros (four
equal slices of nothing), and the by-unit chart stays readable with 40 units."""

import json
import re

from suggestions import workflow

from .factories import UnitFactory


def dashboard(client, user, query=""):
    client.force_login(user)
    response = client.get("/dashboard/" + query)
    assert response.status_code == 200
    return response.content.decode()


def chart_data(html: str) -> dict:
    found = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_an_empty_scope_shows_no_data_not_four_equal_slices(client, people):
    html = dashboard(client, people.leader)
    assert 'id="chart-results"' not in html and 'id="chart-units"' not in html
    assert html.count("暂无数据") >= 3
    assert "25.0%" not in html


def test_a_scope_with_replies_draws_its_result_pie(client, people, journey):
    journey.replied()
    html = dashboard(client, people.leader)
    assert 'id="chart-results"' in html


def test_forty_units_are_drawn_as_horizontal_bars_of_the_top_fifteen(client, people, journey):
    for n in range(40):
        unit = UnitFactory(name=f"第{n:02d}承办单位")
        for _ in range(n % 3 + 1):
            suggestion = journey.registered()
            workflow.suggestion_assign(
                actor=people.staff, suggestion=suggestion, units=[(unit, "lead")]
            )
    html = dashboard(client, people.leader)
    chart = chart_data(html)["chart-units"]
    assert chart["kind"] == "hbar"
    assert len(chart["labels"]) == 15
    # The most assignments first: every unit with 3 (n % 3 == 2) comes before any with 2.
    assert all(int(label[1:3]) % 3 == 2 for label in chart["labels"][:13])
    assert "其余25个单位见承办单位排名" in html
    more = re.search(r'<a href="([^"]+)" class="chart-more">', html).group(1)
    assert more.startswith("/dashboard/units/")
    ranking = client.get(more.replace("&amp;", "&")).content.decode()
    assert all(f"第{n:02d}承办单位" in ranking for n in range(40))
