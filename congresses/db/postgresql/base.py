"""PostgreSQL that tells the server which congress the request acts in (DESIGN.md §11).

Row-level security (congresses.rls) keys every owned table on the session setting
`portal.congress`; this backend keeps that setting equal to `context.current_id()` before
each query, and acts as the application role (settings.PORTAL_DB_APP_ROLE, Django's
`assume_role`) on the connections the web and worker processes use. Maintenance (`migrate`,
`flush`, creating a test database) acts as the login role, which owns the tables and so
bypasses row-level security: see `as_owner`.
"""

from contextlib import contextmanager

from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.postgresql import base

from congresses import context

SETTING = "portal.congress"
TRANSACTION_CONTROL = ("SAVEPOINT ", "RELEASE SAVEPOINT ", "ROLLBACK TO SAVEPOINT ")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The value of portal.congress in this session: None when unknown (a rolled-back
        # transaction undoes set_config too), "" in a new session (unset reads as no congress).
        self._congress_in_session = None
        self._as_owner = 0
        # The innermost wrapper, so it runs just before the query itself and outside the
        # debug cursor's timing: tests' query counts stay as they are.
        self.execute_wrappers.append(self._act_in_congress)

    def connect(self):
        super().connect()
        self._congress_in_session = ""

    def close(self):
        self._congress_in_session = None
        super().close()

    # Forgotten after the rollback statement (which itself runs through the wrapper, in a
    # transaction that may be broken: no set_config before it).
    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._congress_in_session = None

    def _savepoint_rollback(self, sid):
        try:
            super()._savepoint_rollback(sid)
        finally:
            self._congress_in_session = None

    def _act_in_congress(self, execute, sql, params, many, context_):
        # Savepoints read no table, and their rollback may come after the block acting in a
        # congress ended, in a transaction an error broke.
        if isinstance(sql, str) and sql.startswith(TRANSACTION_CONTROL):
            return execute(sql, params, many, context_)
        acting = context.current_id()
        wanted = "" if acting is None else str(acting)
        # A broken transaction refuses every statement: leave the error to Django's check.
        if wanted != self._congress_in_session and not self.needs_rollback:
            self._congress_in_session = None
            with self.wrap_database_errors, self.connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, %s, false)", [SETTING, wanted])
            self._congress_in_session = wanted
        return execute(sql, params, many, context_)

    def _app_role(self) -> str:
        return self.settings_dict["OPTIONS"].get("assume_role") or ""

    def _configure_role(self, connection):
        # Creating or dropping a database (the test runner) acts as the login role.
        if self._as_owner or self.alias == NO_DB_ALIAS:
            return False
        return super()._configure_role(connection)

    @contextmanager
    def as_owner(self):
        """Act as the login role (the tables' owner, not bound by row-level security) for the
        block, then as before: `migrate` and `flush` run so. Nothing changes without an
        application role."""
        role = self._app_role()
        opened = self.connection is not None
        previous = None
        if role and opened:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT current_user, session_user")
                current, login = cursor.fetchone()
                if current != login:
                    previous = current
                    cursor.execute("RESET ROLE")
        self._as_owner += 1
        try:
            yield
        finally:
            self._as_owner -= 1
            # A connection opened inside the block skipped the role: take it as a new one would.
            if not opened and not self._as_owner:
                previous = role
            if previous and self.connection is not None:
                with self.connection.cursor() as cursor:
                    cursor.execute(self.ops.compose_sql("SET ROLE %s", [previous]))
