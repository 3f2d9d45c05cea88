"""One scope, one day, one set of numbers: the dashboard's tiles, the API, the handling report
(page and Excel) and the list behind each count agree, stored or live, today or a past day."""

import datetime as dt
from io import BytesIO, StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from rollups import services

from .api_helpers import token_client
from .dashboard_helpers import tiles as dashboard_tiles

# (label on the dashboard tile, API field, label in the report's table of main figures)
RATES = [
    ("办结率", "completion_rate", "办结率"),
    ("按期答复率", "on_time_rate", "按期答复率"),
    ("满意率", "satisfied_rate", "满意率"),
    ("基本满意率", "basically_satisfied_rate", "基本满意率"),
    ("满意和基本满意率", "content_rate", "满意和基本满意率"),
    ("初次满意率", "first_satisfied_rate", "初次满意率"),
    ("初次满意和基本满意率", "first_content_rate", "初次满意和基本满意率"),
    ("解决率", "solved_rate", "解决率(A类占比)"),
    ("面商率", "face_to_face_rate", "面商率"),
]
COUNTS = [
    ("交办", "assigned", "交办"),
    ("已答复", "replied", "已答复"),
    ("逾期", "overdue", "逾期"),
]


@pytest.fixture
def demo(db):
    call_command("seed_demo", scale=150, seed=2026, stdout=StringIO())
    today = timezone.localdate()
    services.rollups_compute_all(as_of=today - dt.timedelta(days=30))
    services.rollups_compute_all(as_of=today)
    services.rollups_refresh(today=today)
    users = get_user_model().objects
    return users.get(username="leader"), users.get(username="staff")


def tiles(client, params) -> dict:
    """{label: (value, detail)} of the dashboard's tiles."""
    response = client.get("/dashboard/", params)
    assert response.status_code == 200
    found = {
        label: rest for label, (_, *rest) in dashboard_tiles(response.content.decode()).items()
    }
    assert len(found) == len(RATES) + len(COUNTS) + 1  # and 承诺兑现率
    return found


def report_rows(client, params) -> dict:
    response = client.get("/dashboard/report.xlsx", params)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["主要指标"]
    return {row[0]: row[1:] for row in sheet.iter_rows(min_row=2, values_only=True)}


def listed(client, params, figure) -> int:
    response = client.get("/suggestions/", {**params, "figure": figure})
    assert response.status_code == 200
    return response.context["page"].paginator.count


@pytest.mark.parametrize(
    "params",
    [
        {},  # stored: the whole term
        {"system": "government"},  # stored: one system
        {"channel": "session", "system": "government"},  # live: a combination
        {"key": "on"},  # live
        {"channel": "recess", "key": "on", "days_back": 30},  # live, a past day
        {"system": "government", "days_back": 30},  # stored, a past day
    ],
    ids=["term", "system", "channel+system", "key", "past-day-live", "past-day-stored"],
)
def test_every_surface_shows_the_same_numbers_for_a_scope(client, demo, params):
    leader, staff = demo
    client.force_login(leader)
    params = dict(params)
    day = timezone.localdate() - dt.timedelta(days=params.pop("days_back", 0))
    page_params = {**params, "as_of": day.isoformat()}
    api_params = {k: v for k, v in page_params.items() if k != "key"}
    if "key" in params:
        api_params["key_only"] = "true"

    shown = tiles(client, page_params)
    api = token_client(leader, issuer=staff).get("/api/v1/figures/", api_params)
    assert api.status_code == 200
    api = api.json()
    report = report_rows(client, page_params)

    assert int(shown["交办"][0]) > 0  # a scope with something in it, or the test proves little
    for tile, field, row in COUNTS:
        assert int(shown[tile][0]) == api[field] == report[row][0], tile
    for tile, field, row in RATES:
        rate = api[field]
        assert shown[tile][0] == rate["display"], tile
        assert shown[tile][1] == f"{rate['numerator']} / {rate['denominator']}", tile
        assert report[row][1] == shown[tile][1], row
        value = report[row][0]  # a number in Excel (0.826 shown as 82.6%), or — for 0/0
        if rate["percent"] is None:
            assert value == "—", row
        else:
            assert round(value * 100, 1) == float(rate["percent"]), row
    # The list behind a count holds as many suggestions as it says.
    assert listed(client, page_params, "assigned") == api["assigned"]
    assert listed(client, page_params, "replied") == api["replied"]
