"""The handling report counts the leaders' and committees' acts (督办 n 次, 催办 n 次, 视察座谈
n 次) for its scope and as-of day, on the page and in its .docx and .xlsx
(suggestions.figures.supervision_counts)."""

import datetime as dt
import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from openpyxl import load_workbook

from congresses.context import acting_in
from congresses.models import Congress
from suggestions import figures
from suggestions.models import AuditEvent
from supervision import services

from .factories import SuggestionFactory, TermFactory, UserFactory, key_topic

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def acts(settings, people, journey):
    settings.PORTAL_TODAY = TODAY
    first, _ = journey.accepted(
        roles=(("unit", "lead"), ("other_unit", "co")), assigned_on=dt.date(2026, 11, 2)
    )
    second, _ = journey.assigned(roles=(("other_unit", "lead"),), assigned_on=dt.date(2026, 11, 2))
    journey.assigned(assigned_on=dt.date(2026, 11, 2))  # in the scope, never supervised
    topic = key_topic(staff=people.staff, leaders=[people.leader], suggestions=[first, second])
    # One instruction on the topic: two audit events, one act.
    services.action_record(
        actor=people.leader,
        kind="instruction",
        topic=topic,
        content="抓紧",
        happened_on=dt.date(2026, 11, 10),
    )
    services.action_record(
        actor=people.staff,
        kind="urge",
        suggestion=first,
        content="催",
        happened_on=dt.date(2026, 11, 15),
    )
    # Recorded today, happened on the 18th: counted from the 18th.
    services.action_record(
        actor=people.leader,
        kind="visit",
        suggestion=second,
        content="视察",
        participants="委员",
        happened_on=dt.date(2026, 11, 18),
    )
    return topic


def counts(**scope):
    as_of = scope.pop("as_of", TODAY)
    got = figures.supervision_counts(scope=figures.Scope(**scope), as_of=as_of)
    return tuple(got[code] for code, _ in figures.SUPERVISION_COUNTS)


def test_a_topics_act_counts_once(people, acts):
    assert counts(term=people.term) == (1, 1, 1)


def test_acts_count_from_the_day_they_happened(people, acts):
    assert counts(term=people.term, as_of=dt.date(2026, 11, 9)) == (0, 0, 0)
    assert counts(term=people.term, as_of=dt.date(2026, 11, 12)) == (1, 0, 0)
    assert counts(term=people.term, as_of=dt.date(2026, 11, 17)) == (1, 1, 0)


def test_a_units_scope_counts_acts_on_the_suggestions_it_answers(people, acts):
    # other_unit answers only the second suggestion (it co-handles the first).
    assert counts(term=people.term, unit=people.other_unit) == (1, 0, 1)
    assert counts(term=people.term, unit=people.unit) == (1, 1, 0)


def test_the_report_page_says_the_counts(client, people, acts):
    client.force_login(people.leader)
    response = client.get("/dashboard/report/", {"term": people.term.pk, "as_of": "2026-11-20"})
    text = " ".join(response.context["report"].paragraphs)
    assert "截至2026年11月20日,领导和有关委员会对上述建议督办1次、催办1次、视察座谈1次。" in text
    response = client.get("/dashboard/report/", {"term": people.term.pk, "as_of": "2026-11-12"})
    assert "督办1次、催办0次、视察座谈0次" in response.content.decode()


def test_the_docx_and_xlsx_carry_the_counts(client, people, acts):
    client.force_login(people.staff)
    query = {"term": people.term.pk, "as_of": "2026-11-20"}
    document = Document(BytesIO(client.get("/dashboard/report.docx", query).content))
    assert "督办1次、催办1次、视察座谈1次" in "\n".join(p.text for p in document.paragraphs)
    book = load_workbook(BytesIO(client.get("/dashboard/report.xlsx", query).content))
    main = {label: value for label, value, _ in book["主要指标"].iter_rows(values_only=True)}
    assert (main["督办次数"], main["催办次数"], main["视察座谈次数"]) == (1, 1, 1)


@pytest.mark.postgres
def test_the_counts_read_their_own_index_not_every_step_on_postgresql(people, acts):
    """Supervision acts are a few rows among every step of every suggestion: at 100,000
    suggestions a scan of the audit trail made the report 25x the trivial page. The partial
    index serves exactly the condition the counts put on the audit trail."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with CaptureQueriesContext(connection) as captured:
        counts(term=people.term)
    (query,) = captured.captured_queries
    codes = [code for code, _ in figures.SUPERVISION_COUNTS]
    assert all(f"'{code}'" in query["sql"] for code in codes)  # the condition the index has
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: as 100,000 rows do
        cursor.execute("EXPLAIN " + query["sql"])  # the statement as sent, parameters in it
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "auditevent_supervision_idx" in plan, plan
    # Led by the congress: a province's other congresses' acts are never walked (the demo
    # city at 120 x 1,000,000 read every congress's: 287 ms).
    assert re.search(r"Index Cond: \(\(congress_id = \d+\) AND", plan), plan


def test_another_congresss_acts_are_not_counted(people, acts):
    """Events carry their suggestion's congress, and a congress's counts read only its own."""
    county = Congress.objects.create(code="county-s", name="甲县人大常委会", level="county")
    with acting_in(county):
        term = TermFactory(name="县第13届")
        suggestion = SuggestionFactory(term=term, number=1)
        staff = UserFactory(username="county_staff", congress=county, is_committee_staff=True)
        services.action_record(
            actor=staff,
            kind="visit",
            suggestion=suggestion,
            content="视察",
            participants="委员",
            happened_on=TODAY,
        )
        assert counts(term=term) == (0, 0, 1)
    event = AuditEvent._base_manager.get(action="supervision.visit", suggestion=suggestion)
    assert event.congress_id == county.pk
    with acting_in(people.term.congress_id):
        assert counts(term=people.term) == (1, 1, 1)
        assert counts(term=term) == (0, 0, 0)
