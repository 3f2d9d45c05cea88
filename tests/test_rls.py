"""PostgreSQL row-level security, the backstop behind the access gateway (DESIGN.md §11).

Under the application role (no BYPASSRLS, not superuser, not the tables' owner) raw SQL and
unscoped querysets read and write only the rows of the congress acted in, even where a filter
is forgotten. The tables' owner (the test database's user) is not bound: the factories build
both congresses as the owner, as `seed_demo` does.
"""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_migrate
from django.test.utils import CaptureQueriesContext

from congresses import rls
from congresses.context import acting_in, default_congress_id
from congresses.models import Congress
from deputies.models import Deputy, Term
from suggestions.models import Assignment, AuditEvent, DeadlineChange, Reply, Suggestion
from units.models import Unit

from .conftest import Journey, People
from .factories import DeputyFactory, TermFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row-level security is PostgreSQL's; on SQLite the access gateway stands alone",
)

ROLE = rls.app_role()


@contextmanager
def as_app_role():
    """The rest of the block as the application role (this transaction only)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(ROLE)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL ROLE NONE")


def scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _journey(prefix: str) -> tuple:
    """A congress's term, two units, its people and a suggestion replied to (with its
    assignment, reply and audit trail), made in the congress acted in."""
    term = TermFactory()
    unit, other_unit = UnitFactory(name="市交通运输局"), UnitFactory(name="市教育局")
    deputy_user = UserFactory(username=f"{prefix}_deputy", is_deputy=True)
    people = People(
        staff=UserFactory(username=f"{prefix}_staff", is_committee_staff=True),
        leader=UserFactory(username=f"{prefix}_leader", is_leader=True),
        unit_user=UserFactory(
            username=f"{prefix}_unit", is_unit_user=True, unit=unit, can_sign_replies=True
        ),
        other_unit_user=UserFactory(username=f"{prefix}_unit2", is_unit_user=True, unit=other_unit),
        deputy_user=deputy_user,
        other_deputy_user=None,
        nobody=None,
        unit=unit,
        other_unit=other_unit,
        deputy=DeputyFactory(term=term, name="张伟", user=deputy_user),
        other_deputy=None,
        term=term,
    )
    suggestion, reply = Journey(people).replied(number=1, title=f"{prefix}关于改善交通秩序的建议")
    return suggestion, reply


@pytest.fixture
def congresses(db):
    a = Congress.objects.get(pk=default_congress_id())
    b = Congress.objects.create(code="county-b", name="乙县人大常委会", level="county", parent=a)
    return a, b


@pytest.fixture
def worlds(congresses):
    a, b = congresses
    with acting_in(a):
        world_a = _journey("甲")
    with acting_in(b):
        world_b = _journey("乙")
    return world_a, world_b


# The tables read, and how each row names its congress (counted as the owner).
TABLES = {
    "suggestions_suggestion": (Suggestion, "congress"),
    "suggestions_assignment": (Assignment, "suggestion__congress"),
    "suggestions_reply": (Reply, "assignment__suggestion__congress"),
    "suggestions_auditevent": (AuditEvent, "suggestion__congress"),
    "units_unit": (Unit, "congress"),
    "deputies_term": (Term, "congress"),
    "deputies_deputy": (Deputy, "term__congress"),
}


def test_the_application_role_is_bound_by_row_level_security(db):
    cursor = connection.cursor()
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [ROLE])
    assert cursor.fetchone() == (False, False)
    cursor.execute(
        "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = %s",
        [ROLE],
    )
    assert cursor.fetchone()[0] == 0
    # Not FORCEd: the owner (who migrates, seeds and restores) is not bound.
    cursor.execute(
        "SELECT count(*) FROM pg_class WHERE relforcerowsecurity"
        " AND relnamespace = current_schema()::regnamespace"
    )
    assert cursor.fetchone()[0] == 0


def test_every_table_tied_to_a_congress_has_its_policy(db):
    """A new model with a congress column, or under one, cannot be forgotten; a table with no
    policy must be named exempt or shared in congresses/rls.py."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_policy p ON p.polrelid = c.oid"
            " WHERE p.polname = %s AND c.relrowsecurity"
            " AND c.relnamespace = current_schema()::regnamespace",
            [rls.POLICY],
        )
        with_policy = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND column_name = 'congress_id'"
        )
        with_column = {row[0] for row in cursor.fetchall()}
        tables = set(connection.introspection.table_names(cursor))
    assert with_column - set(rls.EXEMPT) <= with_policy
    assert {"suggestions_suggestion", "deputies_term", "units_unit"} <= with_column
    assert set(rls.policies()) == with_policy
    uncovered = tables - with_policy - set(rls.EXEMPT) - set(rls.SHARED)
    assert {t for t in uncovered if not t.startswith(("django_", "auth_"))} == set()


def test_raw_sql_reads_only_the_congress_acted_in(worlds, congresses):
    a, b = congresses
    expected = {
        table: {c.pk: model._base_manager.filter(**{lookup: c}).count() for c in (a, b)}
        for table, (model, lookup) in TABLES.items()
    }
    with as_app_role():
        for table, counts in expected.items():
            assert counts[a.pk] > 0 and counts[b.pk] > 0, table
            for congress in (a, b):
                with acting_in(congress):
                    assert scalar(f"SELECT count(*) FROM {table}") == counts[congress.pk], table
            # Outside any congress: nothing.
            assert scalar(f"SELECT count(*) FROM {table}") == 0, table


def test_a_forgotten_filter_still_reads_one_congress(worlds, congresses):
    (a_suggestion, a_reply), (b_suggestion, b_reply) = worlds
    a, b = congresses
    with as_app_role(), acting_in(a):
        # The unscoped manager, as a query that forgot its congress would be.
        assert list(Suggestion._base_manager.values_list("pk", flat=True)) == [a_suggestion.pk]
        assert list(Reply._base_manager.values_list("pk", flat=True)) == [a_reply.pk]
        assert not Suggestion._base_manager.filter(pk=b_suggestion.pk).exists()
        # Nor can it change the other congress's rows.
        assert Suggestion._base_manager.filter(pk=b_suggestion.pk).update(title="改") == 0
    b_suggestion.refresh_from_db()
    assert b_suggestion.title == "乙关于改善交通秩序的建议"


def test_a_row_for_another_congress_is_refused(worlds, congresses):
    (a_suggestion, _), (b_suggestion, _) = worlds
    a, b = congresses
    a_unit = Unit._base_manager.filter(congress=a).first()
    b_assignment = Assignment._base_manager.get(suggestion=b_suggestion)
    with as_app_role(), acting_in(a):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Unit._base_manager.create(congress=b, name="乙县的单位")
        # Moving a row of A's to B is refused too (WITH CHECK).
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Unit._base_manager.filter(pk=a_unit.pk).update(congress=b)
        # A child row under B's record: its parent is not visible here. (An assignment
        # carries its own congress column: moving it to B is refused by that column.)
        assignment = Assignment._base_manager.get(suggestion=a_suggestion)
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            Assignment._base_manager.filter(pk=assignment.pk).update(congress=b)
        change = DeadlineChange._base_manager.filter(assignment=assignment).first()
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
            DeadlineChange._base_manager.filter(pk=change.pk).update(assignment=b_assignment)
        # A's own rows are written as usual.
        assert Unit._base_manager.filter(pk=a_unit.pk).update(name="市交通局") == 1


def test_the_public_page_of_each_congress_reads_under_the_application_role(
    client, worlds, congresses
):
    (a_suggestion, _), (b_suggestion, _) = worlds
    a, b = congresses
    with as_app_role():
        page_b = client.get(f"/public/?congress={b.code}").content.decode()
        page_a = client.get(f"/public/?congress={a.code}").content.decode()
    assert b_suggestion.title in page_b and a_suggestion.title not in page_b
    assert a_suggestion.title in page_a and b_suggestion.title not in page_a


def test_the_session_follows_the_congress_acted_in_without_counting_a_query(congresses):
    a, b = congresses
    setting = "SELECT current_setting('portal.congress', true)"
    with acting_in(a):
        assert scalar(setting) == str(a.pk)
    assert scalar(setting) == ""
    # A rolled-back savepoint undoes set_config on the server: the backend sets it again.
    with pytest.raises(ZeroDivisionError), transaction.atomic(), acting_in(b):
        assert scalar(setting) == str(b.pk)
        1 / 0  # noqa: B018
    with acting_in(b):
        assert scalar(setting) == str(b.pk)
    # An error that breaks the transaction, then the block acting in a congress ends before
    # the savepoint is rolled back: the rollback still works, and the next query too.
    with pytest.raises(DatabaseError), transaction.atomic(), acting_in(a):
        scalar("SELECT 1 / 0")
    assert scalar(setting) == ""
    # Query counts (tests' pins) see the query only, not the setting sent before it.
    with CaptureQueriesContext(connection) as queries, acting_in(a):
        Suggestion.objects.count()
    assert len(queries) == 1


def test_migrate_acts_as_the_owner_and_then_as_the_application_role_again(db, monkeypatch):
    monkeypatch.setitem(connection.settings_dict["OPTIONS"], "assume_role", ROLE)
    seen = []

    def record(**kwargs):
        seen.append(scalar("SELECT current_user"))

    owner = scalar("SELECT session_user")
    post_migrate.connect(record, dispatch_uid="test_rls.record")
    try:
        with as_app_role():
            call_command("migrate", verbosity=0)
            assert scalar("SELECT current_user") == ROLE
    finally:
        post_migrate.disconnect(dispatch_uid="test_rls.record")
    assert seen and set(seen) == {owner}


def test_a_persons_seats_in_every_congress_are_read_through_the_one_crossing(congresses):
    """The switcher lists the congresses of one's seats: under row-level security only the
    SECURITY DEFINER function named for it reads the seats of the other congresses."""
    from congresses.services import congresses_open_to

    a, b = congresses
    person = UserFactory(username="two_seats", is_deputy=True)
    with acting_in(a):
        DeputyFactory(term=TermFactory(), user=person)
    with acting_in(b):
        DeputyFactory(term=TermFactory(), user=person)
    with as_app_role(), acting_in(a):
        assert Deputy._base_manager.filter(user=person).count() == 1
        assert congresses_open_to(person) == [a, b]
    granted = scalar(
        "SELECT array_agg(r.rolname ORDER BY r.rolname) FROM pg_proc p,"
        " aclexplode(p.proacl) acl JOIN pg_roles r ON r.oid = acl.grantee"
        " WHERE p.proname = %s AND acl.privilege_type = 'EXECUTE'",
        [rls.SEAT_CONGRESSES],
    )
    assert ROLE in granted and "public" not in granted


def test_each_migrate_changes_only_what_differs(db):
    """install runs after every migrate and every test flush: a second run issues no DDL, and
    a policy dropped by hand is put back."""
    with CaptureQueriesContext(connection) as queries:
        rls.install()
    statements = [q["sql"] for q in queries]
    assert any(sql.startswith("SELECT c.relname") for sql in statements)
    # (The crossings' functions are replaced each time: cheap, and never out of date.)
    ddl = [
        sql
        for sql in statements
        if sql.startswith(("ALTER", "CREATE", "DROP", "GRANT", "COMMENT")) and "FUNCTION" not in sql
    ]
    assert ddl == []
    with connection.cursor() as cursor:
        cursor.execute(f"DROP POLICY {rls.POLICY} ON units_unit")
    rls.install()
    assert (
        scalar(
            "SELECT count(*) FROM pg_policies WHERE tablename = 'units_unit' AND policyname = %s",
            [rls.POLICY],
        )
        == 1
    )


def test_a_record_joining_two_congresses_can_be_seen_from_either(monkeypatch):
    """A record named in EITHER_PARENT (as a forwarding between congresses would be) is
    visible where any of its parents is, rather than only where its first one is."""
    assert rls.policies()["planning_planitem"].parents == ("planning_assignmentplan",)
    monkeypatch.setattr(rls, "EITHER_PARENT", {"planning_planitem"})
    policy = rls.policies()["planning_planitem"]
    assert policy.parents == ("planning_assignmentplan", "suggestions_suggestion")
    assert policy.expression.count("EXISTS") == 2 and " OR " in policy.expression


def test_with_a_password_the_role_logs_in_itself_and_cannot_step_back_to_the_owner(
    transactional_db, settings
):
    """docker-compose.yml's web and workers connect as the application role (its own
    DATABASE_URL): such a session has no owner behind it, unlike SET ROLE on the owner's."""
    import psycopg2

    settings.PORTAL_DB_APP_PASSWORD = "app-secret"
    try:
        rls.install()
        assert scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [ROLE])
        params = connection.get_connection_params()
        params.update(user=ROLE, password="app-secret")
        params.pop("assume_role", None)
        app = psycopg2.connect(**{k: v for k, v in params.items() if k != "cursor_factory"})
        try:
            cursor = app.cursor()
            cursor.execute("RESET ROLE")
            cursor.execute(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles"
                " WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (ROLE, False, False)
            # Granted the tables, bound by their policies: no congress set, no rows.
            cursor.execute("SELECT count(*) FROM suggestions_suggestion")
            assert cursor.fetchone() == (0,)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cursor.execute(f"SET ROLE {connection.settings_dict['USER'] or 'postgres'}")
        finally:
            app.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER ROLE {connection.ops.quote_name(ROLE)} NOLOGIN PASSWORD NULL")


def test_the_upward_read_returns_only_the_congresses_below_the_one_acted_in(congresses):
    """The upward view's one crossing (rollups.selectors.STORED_BELOW) answers, under the
    application role, the stored figures of the congresses below the one acted in: not its
    parent, not a sibling, not another city's, and no row of theirs is readable otherwise."""
    from rollups.models import Rollup
    from rollups.selectors import STORED_BELOW, stored_terms_below
    from suggestions.selectors import FORWARDED_BELOW

    city, county = congresses
    town = Congress.objects.create(
        code="town-c", name="丙镇人大主席团", level="township", parent=county
    )
    sibling = Congress.objects.create(
        code="county-s", name="丁县人大常委会", level="county", parent=city
    )
    other_city = Congress.objects.create(code="city-x", name="戊市人大常委会", level="city")
    other_county = Congress.objects.create(
        code="county-x", name="戊市己县人大常委会", level="county", parent=other_city
    )
    for prefix, congress in zip(
        "甲乙丙丁戊己", (city, county, town, sibling, other_city, other_county), strict=True
    ):
        with acting_in(congress):
            _journey(prefix)
    call_command("compute_rollups", stdout=None)
    day = Rollup._base_manager.values_list("day", flat=True).first()

    def below(congress):
        with as_app_role(), acting_in(congress), connection.cursor() as cursor:
            cursor.execute(f"SELECT congress_id FROM {STORED_BELOW}(%s)", [day])
            return {row[0] for row in cursor.fetchall()}

    assert below(county) == {town.pk}
    assert below(city) == {county.pk, town.pk, sibling.pk}
    assert below(other_city) == {other_county.pk}
    assert below(town) == set()
    with as_app_role(), acting_in(county):
        assert set(stored_terms_below(day)) == {town.pk}
        assert scalar(
            "SELECT array_agg(DISTINCT t.congress_id) FROM rollups_rollup r"
            " JOIN deputies_term t ON t.id = r.term_id"
        ) == [county.pk]
    for name in (STORED_BELOW, FORWARDED_BELOW):
        granted = scalar(
            "SELECT array_agg(r.rolname ORDER BY r.rolname) FROM pg_proc p,"
            " aclexplode(p.proacl) acl JOIN pg_roles r ON r.oid = acl.grantee"
            " WHERE p.proname = %s AND acl.privilege_type = 'EXECUTE'",
            [name],
        )
        assert ROLE in granted and "public" not in granted
