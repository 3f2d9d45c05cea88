"""In Chromium: a leader opens the dashboard, moves the as-of date, clicks a bar of a chart and
lands on the list of the suggestions behind it."""

import datetime as dt
import re

import pytest

from rollups import services

from . import test_figures
from .conftest import screenshot
from .factories import PASSWORD
from .test_figures import D

dataset = test_figures.dataset  # the hand-counted five suggestions, as of D

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_moves_the_date_and_clicks_a_bar_to_the_list(page, live_server, people, dataset):
    services.rollups_compute_all(as_of=D - dt.timedelta(days=40))
    services.rollups_compute_all(as_of=D)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", people.leader.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav >> text=统计看板")
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert "该日未存储汇总" in page.locator(".source").inner_text()  # today: nothing stored
    screenshot(page, "dashboard-today")

    page.fill("#id_as_of", D.isoformat())
    page.click("#apply-filters")
    page.wait_for_url(re.compile(rf"as_of={D.isoformat()}"))
    assert "数据来自已存储的统计汇总" in page.locator(".source").inner_text()
    assert page.locator("[data-tile='办结率'] .value").inner_text() == "40.0%"
    page.wait_for_selector("#chart-categories[data-drawn=true] canvas")
    screenshot(page, "dashboard-as-of")

    # The first bar of the category chart: 城乡建设, 4 assigned suggestions.
    x, y = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.getElementById('chart-categories'));
          const box = document.getElementById('chart-categories').getBoundingClientRect();
          const [px, py] = chart.convertToPixel({seriesIndex: 0}, [0, 2]);
          return [box.left + window.scrollX + px, box.top + window.scrollY + py];
        }"""
    )
    page.evaluate("(y) => window.scrollTo(0, y - 300)", y)
    scroll = page.evaluate("() => window.scrollY")
    page.mouse.click(x, y - scroll)
    page.wait_for_url(re.compile(r"/suggestions/\?.*figure=assigned"))
    assert f"as_of={D.isoformat()}" in page.url and "category=" in page.url
    assert page.locator("#result-count").inner_text() == "4"
    screenshot(page, "dashboard-drilldown-list")
