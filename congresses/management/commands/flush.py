"""Django's flush, as the tables' owner: TRUNCATE is not granted to the application role,
and row-level security would hide most rows from it (the test runner flushes between
transactional tests)."""

from django.core.management.commands import flush

from congresses.rls import as_owner


class Command(flush.Command):
    def handle(self, **options):
        with as_owner(options["database"]):
            return super().handle(**options)
