"""The one way to remove or correct audit history on purpose (PostgreSQL's trigger allows it).

The ORM refuses every change to an `AuditEvent`; on PostgreSQL a trigger refuses raw UPDATE,
DELETE and TRUNCATE too (migrations 0005 and 0006). Inside `history_maintenance()` the trigger
lets raw SQL through, for that block only: the switch holds the id of the transaction that
set it, so a value left on a pooled connection by a plain SET matches nothing later.
"""

from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

SWITCH = "portal.history_maintenance"


@contextmanager
def history_maintenance(*, using: str = DEFAULT_DB_ALIAS):
    """A transaction in which raw SQL may change or remove audit events (a deliberate act)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, txid_current()::text, true)", [SWITCH])
        yield
        # Off again at the end of the block, also when it is nested in a longer transaction
        # (a savepoint shares its transaction's id). An error rolls the setting back anyway.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, '', true)", [SWITCH])
