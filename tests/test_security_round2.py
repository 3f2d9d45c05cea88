"""Security round two (issue 12): an audit trail nothing can truncate or switch off for a
whole connection, a lockout that trusts only the proxy's own hop, no redirect off the site,
capped attachments, password changes, and a demo staff account that is not a superuser."""

import pytest
from django.db import connection, transaction

from suggestions.history import history_maintenance
from suggestions.models import AuditEvent

# --- the audit trail on PostgreSQL -----------------------------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database triggers exist on PostgreSQL only"
)
IMMUTABLE = "audit events are immutable"


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        if sql.startswith("TRUNCATE"):
            # The test's own rows leave deferred foreign-key checks, which TRUNCATE won't wait for.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql, params)


@pytest.mark.postgres
@postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "TRUNCATE suggestions_auditevent",
        "TRUNCATE suggestions_suggestion, suggestions_auditevent CASCADE",
    ],
)
def test_truncate_of_the_audit_trail_is_refused(people, journey, sql):
    journey.registered()
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw(sql)
    assert AuditEvent.objects.exists()


@pytest.mark.postgres
@postgres_only
def test_the_old_on_switch_no_longer_opens_the_trail(people, journey):
    journey.registered()
    event_id = AuditEvent.objects.values_list("pk", flat=True).first()
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw("SET LOCAL portal.history_maintenance = 'on'")
            _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [event_id])
    assert AuditEvent.objects.filter(pk=event_id).exists()


@pytest.mark.postgres
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_session_level_switch_does_not_carry_into_a_later_transaction(people, journey):
    journey.registered()
    event_id = AuditEvent.objects.values_list("pk", flat=True).first()
    # Session-level (is_local false), as a plain SET would leave it on a pooled connection.
    with transaction.atomic():
        _raw("SELECT set_config('portal.history_maintenance', txid_current()::text, false)")
    try:
        for sql in (
            "UPDATE suggestions_auditevent SET reason = 'x' WHERE id = %s",
            "DELETE FROM suggestions_auditevent WHERE id = %s",
        ):
            with pytest.raises(Exception, match=IMMUTABLE):
                with transaction.atomic():
                    _raw(sql, [event_id])
        with pytest.raises(Exception, match=IMMUTABLE):
            with transaction.atomic():
                _raw("TRUNCATE suggestions_auditevent")
    finally:
        _raw("RESET portal.history_maintenance")
    assert AuditEvent.objects.filter(pk=event_id, reason="").exists()


@pytest.mark.postgres
@postgres_only
def test_the_maintenance_path_still_changes_and_removes_history(people, journey):
    journey.registered()
    journey.registered()
    first, second = AuditEvent.objects.values_list("pk", flat=True)[:2]
    with history_maintenance():
        _raw("UPDATE suggestions_auditevent SET reason = '更正' WHERE id = %s", [first])
        _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [second])
    assert AuditEvent.objects.get(pk=first).reason == "更正"
    assert not AuditEvent.objects.filter(pk=second).exists()
    # The switch ended with that transaction.
    with pytest.raises(Exception, match=IMMUTABLE):
        with transaction.atomic():
            _raw("DELETE FROM suggestions_auditevent WHERE id = %s", [first])
    with history_maintenance():
        _raw("TRUNCATE suggestions_auditevent")
    assert not AuditEvent.objects.exists()
