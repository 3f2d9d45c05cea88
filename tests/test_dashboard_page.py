"""The dashboard: tiles equal `suggestions.figures`, every tile and bar lands on the list of
exactly the suggestions it counts, stored rollups are read and say when they were computed."""

import datetime as dt

import pytest

from rollups import services
from suggestions import figures
from suggestions.figures import Scope

from . import test_figures
from .dashboard_helpers import listed_ids, table_links, tiles
from .factories import category
from .test_figures import D

dataset = test_figures.dataset  # the hand-counted five suggestions, as of D

URL = "/dashboard/"


def page(client, people, **params):
    client.force_login(people.leader)
    query = {"term": people.term.pk, "as_of": D.isoformat(), **params}
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def test_each_tile_equals_the_figures_module(client, people, dataset):
    services.rollups_compute_all(as_of=D)
    f = figures.compute(scope=Scope(term=people.term), as_of=D)
    shown = {
        label: (value, detail) for label, (_, value, detail) in tiles(page(client, people)).items()
    }
    assert shown == {
        "交办": (str(f.assigned), "件"),
        "已答复": (str(f.replied), "件"),
        "办结率": (str(f.completion_rate), f"{f.closed} / {f.assigned}"),
        "按期答复率": (str(f.on_time_rate), f"{f.on_time} / {f.replied}"),
        "满意率": (str(f.satisfied_rate), f"{f.verdicts['satisfied']} / {f.with_feedback}"),
        "基本满意率": (str(f.basically_satisfied_rate), f"1 / {f.with_feedback}"),
        "满意和基本满意率": (str(f.content_rate), f"2 / {f.with_feedback}"),
        "初次满意率": (str(f.first_satisfied_rate), f"1 / {f.with_first_feedback}"),
        "初次满意和基本满意率": (str(f.first_content_rate), f"2 / {f.with_first_feedback}"),
        "解决率": (str(f.solved_rate), f"{f.results['A']} / {f.replied}"),
        "面商率": (str(f.face_to_face_rate), f"{f.face_to_face} / {f.replied}"),
        "逾期": (str(f.overdue), "项交办"),
        # 承诺兑现率 (DESIGN.md §10; tests/test_commitments.py): no commitments in this data.
        "承诺兑现率": ("—", "0 / 0"),
    }
    assert shown["办结率"] == ("40.0%", "2 / 5")  # the hand count of tests/test_figures.py
    # Every satisfaction figure of DESIGN.md §7 is on the page.
    assert (shown["满意率"][0], shown["基本满意率"][0], shown["满意和基本满意率"][0]) == (
        "33.3%",
        "33.3%",
        "66.7%",
    )
    assert shown["初次满意率"][0] == "33.3%"


def test_every_tile_lands_on_exactly_the_counted_suggestions(client, people, dataset):
    services.rollups_compute_all(as_of=D)
    s = {name: dataset[name].pk for name in ("s3", "s4", "s5")}
    others = sorted(set(people.term.suggestions.values_list("pk", flat=True)) - set(s.values()))
    s1, s2 = others  # numbered in creation order
    expected = {
        "交办": {s1, s2, s["s3"], s["s4"], s["s5"]},
        "已答复": {s1, s2, s["s4"]},
        "办结率": {s1, s2},
        "按期答复率": {s1, s["s4"]},
        "满意率": {s1},
        "基本满意率": {s2},
        "满意和基本满意率": {s1, s2},
        "解决率": {s1},
        "面商率": {s1},
        "逾期": {s["s3"], s["s5"]},  # s5: re-handling from its 不满意 on T+20, past its month
    }
    found = {
        label: listed_ids(client, url)
        for label, (url, *_) in tiles(page(client, people)).items()
        # It links to the commitments ledger, not a suggestion list (tests/test_commitments.py).
        if label != "承诺兑现率"
    }
    first = {
        label: set(figures.figure_members(scope=Scope(term=people.term), as_of=D, figure=name))
        for label, name in (
            ("初次满意率", "first_satisfied"),
            ("初次满意和基本满意率", "first_content"),
        )
    }
    assert {label: len(ids) for label, ids in first.items()} == {
        "初次满意率": 1,
        "初次满意和基本满意率": 2,
    }
    assert found == {**expected, **first}


def test_every_bar_lands_on_as_many_suggestions_as_it_shows(client, people, dataset):
    services.rollups_compute_all(as_of=D - dt.timedelta(days=40))
    services.rollups_compute_all(as_of=D)
    links = table_links(page(client, people))
    # categories (2), result classes (4), units (2 × 3), trend (2 days × 2)
    assert len(links) == 2 + 4 + 6 + 4
    for url, shown in links:
        assert len(listed_ids(client, url)) == int(shown), url


def test_the_page_says_when_the_stored_figures_were_computed(client, people, dataset):
    services.rollups_compute_all(as_of=D)
    html = page(client, people)
    assert 'data-source="stored"' in html and "数据来自已存储的统计汇总(截至" in html
    assert "2 / 5" in html


def test_a_combination_the_rollups_do_not_store_is_computed_live_and_says_so(
    client, people, dataset
):
    services.rollups_compute_all(as_of=D)
    science = category("科教文卫")
    html = page(client, people, channel="session", category=science.pk)
    assert 'data-source="live"' in html and "此筛选组合未存储汇总" in html
    live = figures.compute(
        scope=Scope(term=people.term, channel="session", category=science), as_of=D
    )
    shown = tiles(html)
    assert shown["已答复"][1] == str(live.replied) == "1"
    assert listed_ids(client, shown["已答复"][0]) == set(
        figures.figure_members(
            scope=Scope(term=people.term, channel="session", category=science),
            as_of=D,
            figure="replied",
        )
    )


def test_a_day_without_stored_figures_is_computed_live(client, people, dataset):
    html = page(client, people)
    assert "该日未存储汇总" in html
    assert tiles(html)["交办"][1] == "5"


def test_the_page_answers_in_a_fixed_number_of_queries(
    client, people, dataset, django_assert_max_num_queries
):
    services.rollups_compute_all(as_of=D)
    client.force_login(people.leader)
    # 15: one of them counts the commitments for the 承诺兑现率 tile, one asks whether the
    # congress has lower congresses (the 下级人大统计 button); terms and categories are read
    # once each, for their <select>s, the default term and the category chart's links.
    with django_assert_max_num_queries(15):
        client.get(URL, {"term": people.term.pk, "as_of": D.isoformat()})
    with django_assert_max_num_queries(32):
        client.get(URL, {"term": people.term.pk, "as_of": D.isoformat(), "key": "on"})


@pytest.mark.parametrize("who", ["unit_user", "deputy_user", "nobody"])
def test_units_and_deputies_are_refused(client, people, who):
    client.force_login(getattr(people, who))
    assert client.get(URL).status_code == 403


def test_anonymous_goes_to_the_login_page(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_see_it_and_the_nav_links_to_it(client, people):
    client.force_login(people.staff)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'href="/dashboard/"' in response.content.decode()
