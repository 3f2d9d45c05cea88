"""Idempotent intake (DESIGN.md §8): an external system's ticket number seen before returns the
first suggestion, never a second one — through the 直通车 API, the Excel import, and under
two identical calls at once."""

import threading

import pytest
from django.db import connection, connections

from imports import excel
from suggestions.models import Suggestion

from .api_helpers import token_client
from .factories import DeputyFactory, TermFactory, UnitFactory, UserFactory, category
from .xlsx import confirm, latest_job, suggestion_row, upload, workbook

URL = "/api/v1/suggestions/express/"


def _item(people, **extra) -> dict:
    return {
        "title": "12345热线:某小区路灯损坏",
        "content": "市民反映小区路灯损坏多日。",
        "lead_deputy": people.deputy.pk,
        "category": category().pk,
        "units": [{"unit": people.unit.pk, "role": "lead"}],
        "external_ticket": "GD-2026-0001",
        **extra,
    }


def test_the_same_ticket_twice_answers_the_first_suggestion_with_200(people):
    client = token_client(people.staff)
    first = client.post(URL, _item(people), format="json")
    assert first.status_code == 201, first.json()
    again = client.post(URL, _item(people, title="重复推送的同一工单"), format="json")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["title"] == "12345热线:某小区路灯损坏"
    assert Suggestion.objects.count() == 1
    assert (first.json()["external_source"], first.json()["external_ticket"]) == (
        "12345",
        "GD-2026-0001",
    )


def test_tickets_are_unique_per_source_and_optional(people):
    client = token_client(people.staff)
    assert client.post(URL, _item(people), format="json").status_code == 201
    other = client.post(URL, _item(people, external_source="市长信箱"), format="json")
    assert other.status_code == 201
    plain = [client.post(URL, _item(people, external_ticket=""), format="json") for _ in range(2)]
    assert [r.status_code for r in plain] == [201, 201]  # no ticket: nothing to match
    assert Suggestion.objects.count() == 4


def _concurrently(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # asserted below
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def _people_for_threads():
    term = TermFactory()
    staff = UserFactory(is_committee_staff=True)

    class P:
        pass

    p = P()
    p.staff, p.term = staff, term
    p.deputy = DeputyFactory(term=term)
    p.unit = UnitFactory()
    return p


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("terms", ["same term", "different terms"])
def test_two_identical_calls_at_once_make_one_suggestion(terms):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for truly concurrent transactions (SQLite serialises writers)"
        )
    p = _people_for_threads()
    item = _item(p)
    # In different terms the calls do not queue on one term's lock: the unique constraint
    # decides, and the loser's savepoint is rolled back.
    second_term = TermFactory(number=14, is_current=False) if terms == "different terms" else None
    second = (
        dict(item, term=second_term.pk, lead_deputy=DeputyFactory(term=second_term).pk)
        if (second_term)
        else item
    )
    clients = [token_client(p.staff, name=f"集成{i}") for i in range(2)]
    responses = _concurrently(
        [
            lambda: clients[0].post(URL, item, format="json"),
            lambda: clients[1].post(URL, second, format="json"),
        ]
    )
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert sorted(r.status_code for r in responses) == [200, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Suggestion.objects.filter(external_ticket="GD-2026-0001").count() == 1


# --- the Excel import --------------------------------------------------------------------


def _import(client, rows):
    upload(client, "suggestions", workbook(excel.SUGGESTIONS, rows))
    job = latest_job()
    return job


@pytest.fixture
def zhang(people):
    return people  # the lead deputy 张伟 of the default row exists in `people`


def test_an_import_row_with_a_ticket_already_seen_is_reported_and_not_imported(
    client, people, zhang
):
    token_client(people.staff).post(URL, _item(people), format="json")
    client.force_login(people.staff)
    job = _import(
        client,
        [
            suggestion_row(title="新的一件", external_ticket="GD-2026-0002"),
            suggestion_row(title="已由接口录入的一件", external_ticket="GD-2026-0001"),
        ],
    )
    assert job.state == "ready", job.errors
    assert "另有 1 行的外部编号已录入过,不再重复导入:" in job.summary["lines"]
    page = client.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert "第3行 外部编号GD-2026-0001:已有" in page
    confirm(client, job)
    job.refresh_from_db()
    assert job.state == "done"
    assert job.created_counts == {"代表建议": 1, "已录入过(未重复导入)": 1}
    assert Suggestion.objects.filter(external_ticket="GD-2026-0001").count() == 1
    assert Suggestion.objects.get(external_ticket="GD-2026-0002").external_source == "12345"


def test_importing_the_same_file_twice_imports_it_once(client, people, zhang):
    client.force_login(people.staff)
    rows = [suggestion_row(external_ticket="T-1"), suggestion_row(external_ticket="T-2")]
    confirm(client, _import(client, rows))
    second = _import(client, rows)
    confirm(client, second)
    second.refresh_from_db()
    assert second.created_counts == {"代表建议": 0, "已录入过(未重复导入)": 2}
    assert Suggestion.objects.count() == 2


def test_the_same_ticket_twice_in_one_file_is_an_error(client, people, zhang):
    client.force_login(people.staff)
    job = _import(
        client, [suggestion_row(external_ticket="T-9"), suggestion_row(external_ticket="T-9")]
    )
    assert job.state == "invalid"
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (3, "外部编号", "外部编号T-9与第2行重复")
    ]


def test_a_ticket_recorded_between_the_check_and_the_import_is_skipped(client, people, zhang):
    client.force_login(people.staff)
    job = _import(client, [suggestion_row(external_ticket="GD-2026-0001")])
    assert job.state == "ready"
    token_client(people.staff).post(URL, _item(people), format="json")  # meanwhile
    confirm(client, job)
    job.refresh_from_db()
    assert job.state == "done"
    assert job.created_counts == {"代表建议": 0, "已录入过(未重复导入)": 1}
    assert Suggestion.objects.filter(external_ticket="GD-2026-0001").count() == 1
