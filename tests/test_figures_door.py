"""Figures leaders can trust (issue 13): the one door to figures gives complete figures, stored
or live, and says which; every unit is in every ranking, chart and report; back-dated events
and imports reach the stored days; the unit system is a scope; every satisfaction figure is
shown; stored and live figures agree for every scope after random workflow steps."""

import datetime as dt
import random
from io import BytesIO, StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from imports import excel
from rollups import changes, services
from rollups import selectors as door
from rollups.models import Rollup
from rollups.scopes import scope_for
from suggestions import figures, workflow
from suggestions.figures import Scope
from suggestions.models import Assignment, Contact, Reply

from . import test_figures
from .api_helpers import token_client
from .factories import FIVE_FIXED, UnitFactory, category, release_reply
from .test_figures import D, reply
from .xlsx import confirm, latest_job, suggestion_row, upload, workbook

dataset = test_figures.dataset  # the hand-counted five suggestions, as of D


def today():
    return timezone.localdate()


def seed(scale=150):
    call_command("seed_demo", scale=scale, seed=2026, stdout=StringIO())


def one_workflow_change() -> Assignment:
    """One step on one suggestion, as a unit user would take it in the pages."""
    assignment = (
        Assignment.objects.filter(state=Assignment.State.ASSIGNED, role="lead")
        .select_related("unit")
        .order_by("id")
        .first()
    )
    user = get_user_model().objects.filter(unit=assignment.unit, is_unit_user=True).first()
    workflow.assignment_accept(actor=user, assignment=assignment, **FIVE_FIXED)
    return assignment


def unit_names_everywhere(client, term) -> dict:
    """The units each surface lists: ranking, by-unit chart, the .docx and .xlsx tables."""
    query = {"term": term.pk}
    dashboard = client.get("/dashboard/", query)
    ranking = client.get("/dashboard/units/", query)
    docx = Document(BytesIO(client.get("/dashboard/report.docx", query).content))
    xlsx = load_workbook(BytesIO(client.get("/dashboard/report.xlsx", query).content))
    chart = dashboard.context["chart_data"]["chart-units"]
    return {
        # The chart draws the units with most assignments and links to the ranking for the
        # rest ("更多"): together they are every unit.
        "chart": set(chart["labels"]) | (set(ranking_names(client, chart["more_url"]))),
        "ranking": {r.unit_name for r, _ in ranking.context["ranked"] + ranking.context["apart"]},
        # The first table headed 承办单位 (those of commitments and evaluation follow it).
        "docx": {row.cells[0].text for row in unit_table(docx).rows[1:]},
        "xlsx": {row[0] for row in list(xlsx["各承办单位"].iter_rows(values_only=True))[1:]},
        "source": dashboard.content.decode(),
    }


def unit_table(docx):
    return next(t for t in docx.tables if t.rows[0].cells[0].text == "承办单位")


def ranking_names(client, url: str) -> set:
    if not url:
        return set()
    context = client.get(url).context
    return {r.unit_name for r, _ in context["ranked"] + context["apart"]}


@pytest.mark.django_db
def test_one_change_after_the_rollups_never_shows_a_partial_set_of_units(client):
    """The issue's scenario: demo data, rollups, one workflow change, then the pages."""
    seed()
    services.rollups_compute_all(as_of=today())
    one_workflow_change()
    leader = get_user_model().objects.get(username="leader")
    client.force_login(leader)
    term = client.get("/dashboard/").context["filters"].term
    every_unit = {r.unit_name for r in figures.unit_figures(scope=Scope(term=term), as_of=today())}
    assert len(every_unit) >= 20

    shown = unit_names_everywhere(client, term)
    for surface in ("chart", "ranking", "docx", "xlsx"):
        assert shown[surface] == every_unit, surface
    assert 'data-source="live"' in shown["source"] and "实时计算" in shown["source"]

    services.rollups_refresh(today=today())
    shown = unit_names_everywhere(client, term)
    for surface in ("chart", "ranking", "docx", "xlsx"):
        assert shown[surface] == every_unit, surface
    assert 'data-source="stored"' in shown["source"]
    assert "数据来自已存储的统计汇总(截至" in shown["source"]


def test_a_back_dated_reply_shows_the_live_figure_then_the_recomputed_one(client, people, dataset):
    services.rollups_compute_all(as_of=D)
    client.force_login(people.leader)
    query = {"term": people.term.pk, "as_of": D.isoformat()}
    before = client.get("/dashboard/", query).context["data"].figures.replied

    reply(people, dataset["a3"], D - dt.timedelta(days=2))  # entered now, dated before D
    response = client.get("/dashboard/", query)
    html = response.content.decode()
    assert 'data-source="live"' in html and "汇总尚未更新" in html
    assert response.context["data"].figures.replied == before + 1

    services.rollups_refresh(today=today())
    response = client.get("/dashboard/", query)
    assert 'data-source="stored"' in response.content.decode()
    assert response.context["data"].figures.replied == before + 1


def test_an_excel_import_reaches_the_stored_figures(client, people, journey, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    category("城乡建设")
    journey.assigned()
    journey_day = dt.date(2026, 3, 1)  # the rows' 提出 date, before the stored days
    services.rollups_compute_all(as_of=today() - dt.timedelta(days=1))
    services.rollups_compute_all(as_of=today())
    scope = Scope(term=people.term.pk)
    before = door.figure_set(scope=scope, as_of=today()).figures.submitted

    client.force_login(people.staff)
    rows = [suggestion_row(number=n, submitted_on=journey_day.isoformat()) for n in (7, 8, 9)]
    upload(client, excel.SUGGESTIONS.kind, workbook(excel.SUGGESTIONS, rows))
    confirm(client, latest_job())

    for day in (today() - dt.timedelta(days=1), today()):
        found = door.figure_set(scope=scope, as_of=day)
        assert not found.provenance.stored and found.figures.submitted == before + 3
    services.rollups_refresh(today=today())
    for day in (today() - dt.timedelta(days=1), today()):
        found = door.figure_set(scope=scope, as_of=day)
        assert found.provenance.stored and found.figures.submitted == before + 3


# --- the unit system -------------------------------------------------------------------------


@pytest.fixture
def court(people, journey):
    """One suggestion answered by a court, beside the government units' five."""
    court = UnitFactory(name="市中级人民法院", system="court")
    suggestion = journey.registered()
    workflow.suggestion_assign(
        actor=people.staff,
        suggestion=suggestion,
        units=[(court, "lead")],
        assigned_on=test_figures.T,
    )
    return court


def test_the_system_scope_counts_the_suggestions_of_its_units(people, dataset, court):
    government = figures.compute(scope=Scope(term=people.term, system="government"), as_of=D)
    courts = figures.compute(scope=Scope(term=people.term, system="court"), as_of=D)
    whole = figures.compute(scope=Scope(term=people.term), as_of=D)
    assert (whole.assigned, government.assigned, courts.assigned) == (6, 5, 1)
    # Only their own assignments (the government units: s3, and s5 re-handled from its 不满意).
    assert courts.overdue == 1 and government.overdue == 2
    units = figures.unit_figures(scope=Scope(term=people.term, system="court"), as_of=D)
    assert [r.unit_name for r in units] == [court.name]
    with pytest.raises(ValueError):
        Scope(system="ministry")

    services.rollups_compute_all(as_of=D)
    found = door.figure_set(scope=Scope(term=people.term, system="court"), as_of=D, units=True)
    assert found.provenance.stored and found.figures == courts
    assert [r.unit_name for r in found.units] == [court.name]


def test_the_api_takes_the_system_and_refuses_an_unknown_one(people, dataset, court):
    api = token_client(people.leader, issuer=people.staff)
    response = api.get("/api/v1/figures/", {"term": people.term.pk, "system": "court"})
    assert response.status_code == 200
    assert response.json()["assigned"] == 1
    units = api.get("/api/v1/figures/units/", {"term": people.term.pk, "system": "court"})
    assert [r["unit_name"] for r in units.json()] == [court.name]

    response = api.get("/api/v1/figures/", {"system": "ministry"})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "system" and "未知的单位系统" in error["message"]


def test_the_schema_documents_the_system_parameter(client, people):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    params = schema["paths"]["/api/v1/figures/"]["get"]["parameters"]
    (system,) = [p for p in params if p["name"] == "system"]
    assert system["in"] == "query"
    assert set(system["schema"]["enum"]) >= {"government", "court", "procuratorate"}


def test_the_dashboard_filters_by_system_and_the_report_says_it(client, people, dataset, court):
    client.force_login(people.leader)
    response = client.get("/dashboard/", {"term": people.term.pk, "as_of": D, "system": "court"})
    assert response.context["data"].figures.assigned == 1
    assert response.context["chart_data"]["chart-units"]["labels"] == [court.name]

    response = client.get("/dashboard/report/", {"term": people.term.pk, "as_of": D})
    text = " ".join(response.context["report"].paragraphs)
    assert "交由承办单位办理6件,占总数的100.0%,其中交由政府系统办理5件,占83.3%" in text
    assert "交由法院系统办理1件,占16.7%" in text
    response = client.get("/dashboard/", {"system": "ministry"})
    assert response.status_code == 200 and "筛选条件有误" in response.content.decode()


# --- every satisfaction figure ---------------------------------------------------------------


def test_the_api_gives_every_satisfaction_figure_and_its_source(people, dataset):
    services.rollups_compute_all(as_of=D)
    data = (
        token_client(people.leader, issuer=people.staff)
        .get("/api/v1/figures/", {"term": people.term.pk, "as_of": D.isoformat()})
        .json()
    )
    shown = {
        name: data[name]["display"]
        for name in (
            "satisfied_rate",
            "basically_satisfied_rate",
            "content_rate",
            "first_satisfied_rate",
            "first_content_rate",
        )
    }
    assert shown == {
        "satisfied_rate": "33.3%",
        "basically_satisfied_rate": "33.3%",
        "content_rate": "66.7%",
        "first_satisfied_rate": "33.3%",
        "first_content_rate": "66.7%",
    }
    assert data["source"]["stored"] is True


def test_a_units_scorecard_shows_its_abcd_split(client, people, dataset):
    client.force_login(people.leader)
    response = client.get(f"/dashboard/units/{people.unit.pk}/", {"as_of": D})
    split = {label[0]: (cell.text, share) for label, cell, share in response.context["results"]}
    # unit: s1 A, s2 B, s4 A (its own part); s5 re-handling open, s3 unanswered
    assert split == {
        "A": ("2", "66.7%"),
        "B": ("1", "33.3%"),
        "C": ("0", "0.0%"),
        "D": ("0", "0.0%"),
    }
    assert 'id="unit-results"' in response.content.decode()


def test_the_ranking_is_one_order_everywhere(client, people, dataset, settings):
    settings.PORTAL = {**settings.PORTAL, "RANKING_MIN_ASSIGNMENTS": 1}
    services.rollups_compute_all(as_of=D)
    client.force_login(people.leader)
    page = client.get("/dashboard/units/", {"term": people.term.pk, "as_of": D})
    api = token_client(people.leader, issuer=people.staff).get(
        "/api/v1/figures/units/", {"term": people.term.pk, "as_of": D.isoformat()}
    )
    report = client.get("/dashboard/report/", {"term": people.term.pk, "as_of": D})
    ranked, apart = figures.rank_units(figures.unit_figures(scope=Scope(term=people.term), as_of=D))
    order = [r.unit_name for r in ranked + apart]
    assert [r.unit_name for r, _ in page.context["ranked"] + page.context["apart"]] == order
    assert [r["unit_name"] for r in api.json()] == order
    assert api["X-Figures-Source"] == "stored"
    assert [r.unit_name for r in report.context["report"].unit_rows] == order


# --- stored equals live, after random workflow steps -----------------------------------------


def _random_steps(rng: random.Random, steps: int) -> int:
    """Workflow steps a clerk might take, some back-dated; refused ones are skipped."""
    User = get_user_model()
    staff = User.objects.get(username="staff")
    open_ = list(
        Assignment.objects.filter(state__in=["assigned", "accepted"], role__in=["lead", "split"])
        .select_related("unit", "suggestion")
        .order_by("id")[:200]
    )
    replies = list(
        Reply.objects.filter(feedback__isnull=True, superseded=False)
        .select_related("assignment__suggestion")
        .order_by("id")[:200]
    )
    done = 0
    for _ in range(steps):
        kind = rng.choice(["reply", "feedback", "contact", "category"])
        back = dt.timedelta(days=rng.randint(0, 40))
        try:
            if kind in ("reply", "contact") and open_:
                a = rng.choice(open_)
                user = User.objects.filter(unit=a.unit, is_unit_user=True).first()
                a.refresh_from_db()
                if a.state == "assigned":
                    workflow.assignment_accept(actor=user, assignment=a, **FIVE_FIXED)
                on = max(a.assigned_on, today() - back)
                if kind == "reply":
                    release_reply(
                        actor=user,
                        assignment=a,
                        text="答复如下。",
                        result=rng.choice("ABCD"),
                        replied_on=on,
                        is_public=True,
                    )
                else:
                    workflow.assignment_record_contact(
                        actor=user,
                        assignment=a,
                        kind=Contact.Kind.FACE,
                        contacted_on=on,
                        participants="代表",
                        summary="面商",
                    )
            elif kind == "feedback" and replies:
                r = rng.choice(replies)
                workflow.feedback_record(
                    actor=staff,
                    reply=r,
                    result_verdict=rng.choice(["satisfied", "basically", "dissatisfied"]),
                    work_verdict="satisfied",
                    remarks="意见",
                    given_on=max(r.replied_on, today() - back),
                )
            elif kind == "category" and open_:
                s = rng.choice(open_).suggestion
                s.refresh_from_db()
                workflow.suggestion_update(
                    actor=staff,
                    suggestion=s,
                    expected_version=s.version,
                    changes={"category": category("旅游")},
                )
        except workflow.WorkflowError:
            continue
        done += 1
    return done


@pytest.fixture
def seeded(db):
    """Demo data with two stored days; hypothesis runs every example on it (each example's
    steps are rolled back)."""
    seed(scale=120)
    services.rollups_compute_all(as_of=today() - dt.timedelta(days=20))
    services.rollups_compute_all(as_of=today())
    services.rollups_refresh(today=today())  # the demo's own events are read


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed_=st.integers(0, 10_000), steps=st.integers(1, 6))
def test_stored_and_live_figures_agree_for_every_scope_after_random_steps(seeded, seed_, steps):
    with transaction.atomic():
        top = changes.highest_event_id()
        _random_steps(random.Random(seed_), steps)
        written = services.rollups_refresh(today=today())
        assert written > 0 or changes.highest_event_id() == top  # every new event is read
        for day in (today() - dt.timedelta(days=20), today()):
            for row in Rollup.objects.filter(day=day):
                scope = scope_for(row.scope_kind, row.scope_key)
                found = door.figure_set(scope=scope, as_of=day)
                assert found.provenance.stored, (scope, day)
                assert found.figures == figures.compute(scope=scope, as_of=day), (scope, day)
            for term_id in set(Rollup.objects.filter(day=day).values_list("term_id", flat=True)):
                whole = door.figure_set(
                    scope=Scope(term=term_id), as_of=day, units=True, breakdown=True
                )
                _, subs, units = figures.compute_many(
                    scope=Scope(term=term_id),
                    within=list(whole.by_channel.values()) and [],
                    as_of=day,
                )
                assert whole.provenance.stored
                assert whole.units == units
                for value, f in {**whole.by_channel, **whole.by_system}.items():
                    assert f == figures.compute(scope=f.scope, as_of=day), value
        transaction.set_rollback(True)
