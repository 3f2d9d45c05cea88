"""Schemathesis over /api/schema/: generated requests, sent as committee staff with a token
to the WSGI app on a small seeded dataset, must never get a server error or a response that
breaks the schema. Bounded (few examples per operation, no deadline) to keep the suite fast."""

from collections import Counter

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api import services
from suggestions import workflow

from .conftest import Journey

MAX_EXAMPLES = 10


@pytest.fixture
def api_schema(people, settings):
    # Django's WSGI handler closes "old" connections around each request; inside the test's
    # transaction that would drop it. Django's own test client disconnects them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10000/min", "user": "10000/min", "token": "10000/min"},
    }
    cache.clear()
    journey = Journey(people)
    _, reply = journey.replied()
    workflow.feedback_record(
        actor=people.deputy_user, reply=reply, result_verdict="basically", work_verdict="satisfied"
    )
    _, assignment = journey.accepted()
    workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=assignment, reason="不属于本单位职责"
    )
    journey.registered()
    from congress.wsgi import application

    yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_token(api_schema, people):
    _, raw = services.token_issue(actor=people.staff, owner=people.staff, name="schemathesis")
    return raw


def test_the_api_keeps_its_schema(api_schema, staff_token):
    # One Hypothesis run per operation, inside this test's transaction (schemathesis's own
    # pytest integration does not run under pytest 9's subtests yet).
    headers = {"Authorization": f"Bearer {staff_token}"}
    failures, operations, statuses = [], 0, Counter()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case):
            response = case.call_and_validate(
                headers=headers, checks=[not_a_server_error, response_schema_conformance]
            )
            statuses[response.status_code // 100] += 1

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}")
    assert operations > 30
    # The run reached the views: some requests succeeded, some were refused.
    assert statuses[2] > operations and statuses[4] > 0, statuses
    print(f"schemathesis: {operations} operations, responses by class {dict(statuses)}")
    assert not failures, "\n\n".join(failures)
