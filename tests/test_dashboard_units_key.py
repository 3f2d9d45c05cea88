"""Unit scorecards (ranking, sorting, a unit's page with its history) and the key board."""

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import selectors as dashboard_selectors
from rollups import services
from suggestions import figures, workflow
from suggestions.figures import Scope
from suggestions.models import Suggestion

from . import test_figures
from .dashboard_helpers import listed_ids, table_links
from .test_figures import D

dataset = test_figures.dataset  # the hand-counted five suggestions, as of D


def get(client, user, path, **params):
    client.force_login(user)
    response = client.get(path, params)
    assert response.status_code == 200
    return response


def test_the_ranking_shows_each_units_stored_row_with_its_figures(
    client, people, dataset, settings
):
    settings.PORTAL = {**settings.PORTAL, "RANKING_MIN_ASSIGNMENTS": 2}
    services.rollups_compute_all(as_of=D)
    response = get(client, people.leader, "/dashboard/units/", term=people.term.pk, as_of=D)
    ((unit_row, cells),) = response.context["ranked"]
    ((other_row, _),) = response.context["apart"]
    assert (unit_row.unit_name, other_row.unit_name) == (people.unit.name, people.other_unit.name)
    expected = figures.unit_figures(scope=Scope(term=people.term), as_of=D)[0]
    assert [c.text for c in cells] == [
        str(expected.assigned),
        str(expected.replied),
        str(expected.on_time_rate),
        str(expected.overdue),
        str(expected.solved_rate),
        str(expected.content_rate),
    ]
    assert "数据来自已存储的统计汇总(截至" in response.content.decode()


def test_every_ranking_number_lands_on_as_many_suggestions(client, people, dataset):
    services.rollups_compute_all(as_of=D)
    html = get(client, people.leader, "/dashboard/units/", term=people.term.pk, as_of=D)
    for url, shown in table_links(html.content.decode()):
        if shown.isdigit():
            assert len(listed_ids(client, url)) == int(shown), url


def test_the_ranking_sorts_by_the_chosen_column(client, people, dataset, settings):
    settings.PORTAL = {**settings.PORTAL, "RANKING_MIN_ASSIGNMENTS": 1}
    services.rollups_compute_all(as_of=D)
    by = {}
    for sort in ("assigned", "solved"):
        response = get(client, people.leader, "/dashboard/units/", as_of=D, sort=sort)
        by[sort] = [row.unit_name for row, _ in response.context["ranked"]]
    # unit: 5 assignments, A share 2/3; other unit: 1 assignment, its one reply C (0%)
    assert by["assigned"] == [people.unit.name, people.other_unit.name]
    assert by["solved"] == [people.unit.name, people.other_unit.name]
    response = get(client, people.leader, "/dashboard/units/", as_of=D, sort="overdue")
    assert [row.unit_name for row, _ in response.context["ranked"]][0] == people.unit.name


def test_a_units_page_shows_its_history_from_the_stored_days(client, people, dataset):
    for day in (D - dt.timedelta(days=70), D - dt.timedelta(days=35), D):
        services.rollups_compute_all(as_of=day)
    response = get(client, people.leader, f"/dashboard/units/{people.unit.pk}/", as_of=D)
    history = response.context["history"]
    assert [day for day, *_ in history] == [D - dt.timedelta(days=70), D - dt.timedelta(days=35), D]
    assert history[-1][1].assigned == 5
    assert response.context["data"].provenance.stored


def test_the_key_board_lists_key_suggestions_with_supervisor_and_latest_activity(
    client, people, journey
):
    key, _ = journey.assigned()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=key, is_key=True, supervisor=people.leader
    )
    journey.assigned()  # not key
    response = get(client, people.leader, "/dashboard/key/")
    rows = response.context["rows"]
    assert [s.pk for s, _ in rows] == [key.pk]
    s, action = rows[0]
    assert s.supervisor == people.leader and s.next_deadline is not None
    assert action != "—" and s.latest_at is not None
    assert people.leader.display_name in response.content.decode()


def test_the_key_boards_first_rows_are_those_of_the_whole_ordering(people, journey):
    """The first rows are picked from the key suggestions with an open deadline and the
    latest by activity: the same rows, in the same order, as ordering them all."""
    now = timezone.now()
    made = []
    for i in range(7):
        if i % 3 == 0:
            suggestion = journey.registered()  # no deadline
        else:
            suggestion, _ = journey.assigned(assigned_on=dt.date(2026, 3, 1 + i))
        workflow.suggestion_mark_key(
            actor=people.staff, suggestion=suggestion, is_key=True, supervisor=people.leader
        )
        made.append(suggestion.pk)
    # Latest activity in an order unlike the deadlines': the first made is the latest.
    for n, pk in enumerate(made):
        Suggestion.objects.filter(pk=pk).update(latest_at=now - dt.timedelta(hours=n))
    journey.assigned()  # not key

    every = [s.pk for s in dashboard_selectors.key_suggestions(term=people.term)]
    assert sorted(every) == sorted(made)
    for limit in (1, 3, 5, 6, 8):
        first = dashboard_selectors.key_suggestions(term=people.term, limit=limit)
        assert [s.pk for s in first] == every[:limit]
    # The deadlines first (nearest first), then the latest activity first.
    assert every[4:] == [made[0], made[3], made[6]]


@pytest.mark.parametrize(
    "path", ["/dashboard/units/", "/dashboard/key/", "/dashboard/units/{unit}/"]
)
def test_scorecards_and_key_board_refuse_units_and_deputies(client, people, path):
    path = path.format(unit=people.unit.pk)
    for user in (people.unit_user, people.deputy_user):
        client.force_login(user)
        assert client.get(path).status_code == 403
    client.logout()
    assert "/accounts/login/" in client.get(path)["Location"]


def test_scorecards_and_key_board_take_a_fixed_number_of_queries(
    client, people, dataset, django_assert_max_num_queries
):
    services.rollups_compute_all(as_of=D)
    client.force_login(people.leader)
    # 13 with an as-of day: its range check reads the first term's start (suggestions.dates).
    # Plus up to 5 for the separate blocks: the closed evaluation rounds and their results
    # (three), 承诺兑现率 per unit and the units' names.
    with django_assert_max_num_queries(18):
        client.get("/dashboard/units/", {"as_of": D})
    # The stored path: the complete days, the events they may not reflect, the rows; and the
    # as-of day's range check (the first term's start).
    # Plus up to 5: the unit's closed rounds, their results (three) and its 承诺兑现率.
    with django_assert_max_num_queries(21):
        client.get(f"/dashboard/units/{people.unit.pk}/", {"as_of": D})
    with django_assert_max_num_queries(8):
        client.get("/dashboard/key/")


def _stored_and_latest_events():
    """Per suggestion: (latest_at, latest_action) as stored, and as its newest event says."""
    from suggestions.models import AuditEvent, Suggestion

    out = {}
    for s in Suggestion.objects.all():
        e = AuditEvent.objects.filter(suggestion=s).order_by("-at", "-id").first()
        out[s.pk] = ((s.latest_at, s.latest_action), (e.at, e.action) if e else (None, ""))
    return out


def test_every_step_keeps_the_suggestions_latest_activity_on_its_row(client, people, journey):
    from supervision import services as supervision_services

    key, _ = journey.assigned()
    journey.assigned()
    workflow.suggestion_mark_key(
        actor=people.staff, suggestion=key, is_key=True, supervisor=people.leader
    )
    pairs = _stored_and_latest_events()
    assert all(stored == latest for stored, latest in pairs.values())
    assert pairs[key.pk][0][1] == "suggestion.mark_key"
    supervision_services.action_record(
        actor=people.leader, kind="urge", suggestion=key, content="请加快办理"
    )  # a bulk-created event
    pairs = _stored_and_latest_events()
    assert all(stored == latest for stored, latest in pairs.values())
    assert pairs[key.pk][0][1] == "supervision.urge"
    key.refresh_from_db()
    label = dashboard_selectors.action_label(key.latest_action)
    page = get(client, people.leader, "/dashboard/key/").content.decode()
    assert f"{timezone.localtime(key.latest_at):%Y-%m-%d} {label}" in page


def test_the_backfill_recomputes_what_the_steps_wrote(people, journey):
    from suggestions import activity
    from suggestions.models import Suggestion

    journey.assigned()
    journey.assigned()
    before = _stored_and_latest_events()
    Suggestion.objects.update(latest_at=None, latest_action="")
    assert activity.refresh() == len(before)
    assert _stored_and_latest_events() == before


def test_forwarded_copies_on_the_key_board_show_their_proposers_in_the_same_queries(
    client, people, django_assert_max_num_queries
):
    """A copy forwarded from an upper congress has no lead deputy of this one: the board names
    the upper congress's deputies it came with, read with the rows, not one query per row."""
    from .factories import SuggestionFactory

    for n in range(3):
        SuggestionFactory(
            term=people.term,
            lead_deputy=None,
            proposers=f"市人大代表{n}号等",
            is_key=True,
            supervisor=people.leader,
        )
    client.force_login(people.leader)
    with django_assert_max_num_queries(8):
        page = client.get("/dashboard/key/").content.decode()
    for n in range(3):
        assert f"市人大代表{n}号等" in page
