"""Suggestion numbers are unique within a term, also when staff log suggestions at once."""

import threading

import pytest
from django.db import connection, connections

from suggestions import workflow
from suggestions.models import Suggestion

from .factories import DeputyFactory, TermFactory, UserFactory, category

WORKERS = 8


def test_numbers_count_up_within_each_term_and_restart_in_a_new_term(people):
    staff, subject = people.staff, category()
    other_term = TermFactory(number=14, is_current=False)
    other_deputy = DeputyFactory(term=other_term)

    def log(term, deputy):
        return workflow.suggestion_create(
            actor=staff,
            term=term,
            title="关于优化公交线路的建议",
            content="内容",
            channel="session",
            lead_deputy=deputy,
            category=subject,
        ).number

    assert [log(people.term, people.deputy) for _ in range(3)] == [1, 2, 3]
    assert log(other_term, other_deputy) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_logging_never_gives_two_suggestions_the_same_number():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL for truly concurrent transactions (SQLite serialises writers)"
        )
    term = TermFactory()
    staff = UserFactory(is_committee_staff=True)
    deputy = DeputyFactory(term=term)
    subject = category()
    barrier = threading.Barrier(WORKERS)
    errors = []

    def log_one(i):
        try:
            barrier.wait(timeout=10)
            workflow.suggestion_create(
                actor=staff,
                term=term,
                title=f"并发录入的建议{i}",
                content="内容",
                channel="session",
                lead_deputy=deputy,
                category=subject,
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=log_one, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Suggestion.objects.filter(term=term).values_list("number", flat=True))
    assert numbers == list(range(1, WORKERS + 1))
