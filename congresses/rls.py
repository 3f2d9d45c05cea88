"""PostgreSQL row-level security keyed on the congress acted in (DESIGN.md §11).

The backstop behind the access gateway: a query that forgets its congress filter still reads
and writes only the rows of the congress acted in (`portal.congress`, set by
congresses.db.postgresql before each query), for every role but the tables' owner.

`policies()` derives the policy of every table from the models, so a new model is covered
without a line here:
- a table with a `congress` column (a ForeignKey to Congress) keeps to rows of that congress;
- a table without one whose ForeignKey leads to a covered table keeps to rows whose parent is
  visible (`EXISTS` on the parent, itself under its own policy): the shallowest non-null
  parent, else any of its nullable ones (a row tied to none stays visible); a table in
  EITHER_PARENT, any of its non-null parents;
- EXEMPT tables and those tied to no congress (Django's own, the calendar) have none.

`install` (post_migrate, PostgreSQL only) creates the application role (not superuser, no
BYPASSRLS; a login of its own with PORTAL_DB_APP_PASSWORD), grants it the tables, and creates
or replaces each policy, changing only what differs: it runs after every migrate and every
test flush. Tables are not FORCEd, so the owner (the role that migrates, seeds and restores)
is not bound.
"""

import hashlib
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

POLICY = "portal_congress"
ACTING = "NULLIF(current_setting('portal.congress', true), '')::bigint"

# Read before any congress is known, or shared by all congresses: the gateway alone.
EXEMPT = {
    "congresses_congress": "the congresses themselves (names, levels, parents)",
    "accounts_user": "login finds the person before a congress is known; one login serves "
    "several congresses and its congress column is the one acted in now",
    "api_apitoken": "token authentication finds the token before its congress is known",
    "notifications_notification": "a person's inbox (by recipient), counted with the user "
    "before a congress is known",
    "accounts_membership": "a person's roles in every congress, read to switch between them "
    "(切换人大) and to reach them with a congress's notices wherever they act",
}

# Records that join two congresses' records on purpose (a suggestion forwarded down links the
# sender's and the receiver's): visible in either congress, not only in its first parent's.
EITHER_PARENT: set[str] = {"suggestions_forwarding"}

# Tied to no congress's record, so no policy follows from the models (tests/test_rls.py
# requires every uncovered table to be here, in EXEMPT or Django's own).
SHARED = {
    "accounts_loginfailure": "failed logins by user name, before a congress is known",
    "accounts_user_groups": "of accounts_user",
    "accounts_user_user_permissions": "of accounts_user",
    "suggestions_calendarday": "the national calendar of working days",
    "suggestions_calendaryear": "the national calendar of working days",
}


@dataclass(frozen=True)
class Policy:
    table: str
    kind: str  # "congress" (own column) or "parent" (through a ForeignKey)
    expression: str
    columns: tuple[str, ...]  # of this table the expression reads
    parents: tuple[str, ...] = ()

    @property
    def digest(self) -> str:
        return "portal:" + hashlib.sha256(self.expression.encode()).hexdigest()[:16]


def app_role() -> str:
    """The role the web and worker processes act as (PORTAL_DB_APP_ROLE); the role is
    created and granted on every PostgreSQL database, used or not, so tests can bind it."""
    return settings.PORTAL_DB_APP_ROLE or "portal_app"


def _tables():
    found = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table not in found:
            found[meta.db_table] = model
    return found


def _owns_congress(model) -> bool:
    try:
        field = model._meta.get_field("congress")
    except Exception:
        return False
    return field.many_to_one and field.related_model._meta.label == "congresses.Congress"


def policies(using: str = DEFAULT_DB_ALIAS) -> dict[str, Policy]:
    """The policy of every covered table, by table name."""
    q = connections[using].ops.quote_name
    tables = {t: m for t, m in _tables().items() if t not in EXEMPT}
    depth = {t: 0 for t, m in tables.items() if _owns_congress(m)}

    def links(table):
        """The ForeignKeys to covered tables a child's policy reads: its non-null ones if it
        has any (a nullable one would let rows without it through), else its nullable ones."""
        found = [
            f
            for f in tables[table]._meta.concrete_fields
            if (f.many_to_one or f.one_to_one)
            and f.related_model._meta.db_table in depth
            and f.related_model._meta.db_table != table
        ]
        return [f for f in found if not f.null] or found

    # Shortest paths to a congress column; repeated until nothing changes (chains may cycle).
    changed = True
    while changed:
        changed = False
        for table in tables:
            if table in depth and depth[table] == 0:
                continue
            parents = links(table)
            if parents:
                best = 1 + min(depth[f.related_model._meta.db_table] for f in parents)
                if depth.get(table, best + 1) > best:
                    depth[table] = best
                    changed = True
    covered = {}
    for table, level in depth.items():
        if level == 0:
            column = tables[table]._meta.get_field("congress").column
            covered[table] = Policy(table, "congress", f"{q(column)} = {ACTING}", (column,))
            continue
        parents = links(table)
        either = table in EITHER_PARENT and not parents[0].null
        if not parents[0].null and not either:
            parents = [min(parents, key=lambda f: depth[f.related_model._meta.db_table])]
        exists = [
            f"EXISTS (SELECT 1 FROM {q(f.related_model._meta.db_table)} p "
            f"WHERE p.{q(f.target_field.column)} = {q(table)}.{q(f.column)})"
            for f in parents
        ]
        if either:
            expression = " OR ".join(exists)
        elif not parents[0].null:
            expression = exists[0]
        else:
            untied = " AND ".join(f"{q(table)}.{q(f.column)} IS NULL" for f in parents)
            expression = " OR ".join([f"({untied})", *exists])
        covered[table] = Policy(
            table,
            "parent",
            expression,
            tuple(f.column for f in parents),
            tuple(f.related_model._meta.db_table for f in parents),
        )
    return covered


@contextmanager
def as_owner(using: str = DEFAULT_DB_ALIAS):
    """Act as the tables' owner for the block (PostgreSQL with an application role)."""
    connection = connections[using]
    with getattr(connection, "as_owner", nullcontext)():
        yield


# The reads that cross congresses on purpose, each a SECURITY DEFINER function (run as the
# owner, so not bound) that answers only what it is named for.
SEAT_CONGRESSES = "portal_seat_congresses"
# The active congresses below the one acted in, at any depth (congresses.selectors.below in
# SQL): the crossings that read what lies below start from it.
BELOW_ACTING = (
    "WITH RECURSIVE below(id) AS ("
    " SELECT c.id FROM congresses_congress c WHERE c.is_active"
    f" AND c.parent_id = {ACTING}"
    " UNION ALL SELECT c.id FROM congresses_congress c JOIN below b ON c.parent_id = b.id"
    " WHERE c.is_active)"
)

CROSSINGS = {
    # congresses.services.congresses_open_to: the congresses of a person's seats, for the
    # switcher (their seats in the other congresses are not visible in the one acted in).
    SEAT_CONGRESSES: (
        "(person bigint) RETURNS SETOF bigint",
        "SELECT DISTINCT t.congress_id FROM deputies_deputy d"
        " JOIN deputies_term t ON t.id = d.term_id WHERE d.user_id = person",
    ),
    # rollups.selectors.stored_terms_below: the upward view's one read of the congresses
    # below the one acted in (portal.congress): each current term's stored figures of a day
    # and whether they are current. Figures only: no suggestion, deputy or contact.
    "portal_stored_term_figures_below": (
        "(d date) RETURNS TABLE (congress_id bigint, term_id bigint, term_name text,"
        " computed_at timestamptz, figures jsonb, gaps jsonb, unreflected boolean)",
        f"{BELOW_ACTING},"
        " terms AS MATERIALIZED (SELECT t.congress_id, t.id, t.name, rd.computed_at, rd.seen_to"
        " FROM below b JOIN deputies_term t ON t.congress_id = b.id AND t.is_current"
        " LEFT JOIN rollups_rollupday rd ON rd.term_id = t.id AND rd.day = d),"
        # The events above the lowest stored day's watermark, by id range (the primary key),
        # each one's term looked up by its suggestion's key (a scalar subquery: never a scan
        # of every suggestion), newest per term.
        " events AS MATERIALIZED (SELECT e.id, (SELECT x.term_id FROM suggestions_suggestion x"
        " WHERE x.id = e.suggestion_id) AS term_id FROM suggestions_auditevent e"
        " WHERE e.id > (SELECT min(seen_to) FROM terms)),"
        " later AS MATERIALIZED (SELECT term_id, max(id) AS top FROM events GROUP BY term_id)"
        " SELECT t.congress_id, t.id, t.name::text, t.computed_at, r.figures, w.gaps,"
        " coalesce(l.top > t.seen_to, false)"
        " FROM terms t"
        " LEFT JOIN rollups_rollup r ON r.term_id = t.id AND r.day = d"
        "  AND r.scope_kind = 'term' AND r.scope_key = t.id::text"
        " LEFT JOIN rollups_rollupwatermark w ON w.congress_id = t.congress_id"
        " LEFT JOIN later l ON l.term_id = t.id",
    ),
    # suggestions.selectors.forwarded_below: the suggestions forwarded down (分级处理) into the
    # congresses below the one acted in, counted by sender and receiver, where both the
    # original and the copy count as 提出 on day d in their congress's current term, so the
    # upward view's sums count each once. Counts only: no suggestion, deputy or contact.
    "portal_forwarded_below": (
        "(d date) RETURNS TABLE (from_congress_id bigint, to_congress_id bigint, n bigint)",
        f"{BELOW_ACTING}"
        " SELECT f.from_congress_id, f.to_congress_id, count(*) FROM suggestions_forwarding f"
        " JOIN below b ON b.id = f.to_congress_id"
        " JOIN suggestions_suggestion o ON o.id = f.original_id"
        " JOIN deputies_term ot ON ot.id = o.term_id AND ot.is_current"
        " JOIN suggestions_suggestion c ON c.id = f.copy_id"
        " JOIN deputies_term ct ON ct.id = c.term_id AND ct.is_current"
        " WHERE o.submitted_on <= d AND c.submitted_on <= d"
        " GROUP BY f.from_congress_id, f.to_congress_id",
    ),
}


def install(using: str = DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate: the application role, its grants and every table's policy."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with as_owner(using), connection.cursor() as cursor:
        _ensure_role(connection, cursor, app_role())
        _grant(connection, cursor, app_role())
        _install_policies(connection, cursor)
        _install_crossings(connection, cursor, app_role())


def _install_crossings(connection, cursor, role):
    q = connection.ops.quote_name
    cursor.execute("SELECT current_schema()")
    schema = q(cursor.fetchone()[0])
    tables = set(connection.introspection.table_names(cursor))
    read = {
        "deputies_deputy",
        "deputies_term",
        "rollups_rollup",
        "suggestions_auditevent",
        "suggestions_forwarding",
    }
    if not read <= tables:
        return
    for name, (signature, body) in CROSSINGS.items():
        # jit off: the planner's estimates for these small reads (the events above a
        # watermark it cannot know) pass jit_above_cost, and compiling took 430 ms of a
        # 1 ms read at 120 congresses.
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {name}{signature} LANGUAGE sql STABLE"
            f" SECURITY DEFINER SET search_path = {schema}, pg_temp SET jit = off"
            f" AS $fn$ {body} $fn$"
        )
        arguments = signature.split(" RETURNS ")[0]
        cursor.execute(f"REVOKE ALL ON FUNCTION {name}{arguments} FROM PUBLIC")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION {name}{arguments} TO {q(role)}")


def _ensure_role(connection, cursor, role):
    q = connection.ops.quote_name
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    if cursor.fetchone() is None:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute(f"CREATE ROLE {q(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS")
        except DatabaseError:
            # Roles belong to the cluster: another database's migrate may have just made it.
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone() is None:
                raise
    cursor.execute("SELECT pg_has_role(current_user, %s, 'MEMBER')", [role])
    if not cursor.fetchone()[0]:
        # The login role must be able to SET ROLE to it.
        cursor.execute(f"GRANT {q(role)} TO CURRENT_USER")
    if settings.PORTAL_DB_APP_PASSWORD:
        # Its own login (docker-compose.yml's web and workers): a session that starts as the
        # role has no owner to RESET ROLE back to. Without a password it is left as it is.
        cursor.execute(f"ALTER ROLE {q(role)} LOGIN PASSWORD %s", [settings.PORTAL_DB_APP_PASSWORD])


def _grant(connection, cursor, role):
    q = connection.ops.quote_name
    cursor.execute(
        "SELECT"
        " (SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND NOT ("
        "   has_table_privilege(%(r)s, format('%%I.%%I', schemaname, tablename), 'SELECT')"
        "   AND has_table_privilege(%(r)s, format('%%I.%%I', schemaname, tablename), 'INSERT')"
        "   AND has_table_privilege(%(r)s, format('%%I.%%I', schemaname, tablename), 'UPDATE')"
        "   AND has_table_privilege(%(r)s, format('%%I.%%I', schemaname, tablename), 'DELETE')"
        " )),"
        " (SELECT count(*) FROM pg_sequences WHERE schemaname = current_schema() AND NOT"
        "   has_sequence_privilege(%(r)s, format('%%I.%%I', schemaname, sequencename), 'USAGE'))",
        {"r": role},
    )
    tables, sequences = cursor.fetchone()
    cursor.execute("SELECT current_schema()")
    schema = q(cursor.fetchone()[0])
    if tables or sequences:
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {q(role)}")
    if tables:
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {q(role)}"
        )
    if sequences:
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {q(role)}")


def _install_policies(connection, cursor):
    q = connection.ops.quote_name
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema()"
    )
    columns: dict[str, set[str]] = {}
    for table, column in cursor.fetchall():
        columns.setdefault(table, set()).add(column)
    cursor.execute(
        "SELECT c.relname, c.relrowsecurity, p.oid IS NOT NULL, d.description FROM pg_class c"
        " LEFT JOIN pg_policy p ON p.polrelid = c.oid AND p.polname = %s"
        " LEFT JOIN pg_description d ON d.objoid = p.oid"
        "  AND d.classoid = 'pg_policy'::regclass"
        " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'"
        "  AND (c.relrowsecurity OR p.oid IS NOT NULL)",
        [POLICY],
    )
    present, ours = {}, set()
    for table, enabled, has_policy, digest in cursor.fetchall():
        present[table] = (enabled, digest)
        if has_policy:
            ours.add(table)
    wanted = {
        table: policy
        for table, policy in policies(connection.alias).items()
        if table in columns
        and set(policy.columns) <= columns[table]
        and all(parent in columns for parent in policy.parents)
    }
    for table, policy in wanted.items():
        if present.get(table) == (True, policy.digest):
            continue
        name = q(table)
        cursor.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
        cursor.execute(
            f"CREATE POLICY {POLICY} ON {name}"
            f" USING ({policy.expression}) WITH CHECK ({policy.expression})"
        )
        cursor.execute(f"COMMENT ON POLICY {POLICY} ON {name} IS %s", [policy.digest])
    # A table that lost its policy (newly exempt): back to the gateway alone.
    for table in ours - wanted.keys():
        name = q(table)
        cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {name}")
        cursor.execute(f"ALTER TABLE {name} DISABLE ROW LEVEL SECURITY")
