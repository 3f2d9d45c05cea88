"""Django's migrate, as the tables' owner: with PORTAL_DB_APP_ROLE set (the web container runs
migrate before gunicorn) the connection would otherwise act as the application role, which
may not create tables or policies."""

from django.core.management.commands import migrate

from congresses.rls import as_owner


class Command(migrate.Command):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
