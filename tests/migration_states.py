"""Old database states for the migration tests: migrate back to targets, make rows with the
models as they were then, and migrate forward again."""

import datetime as dt
from contextlib import contextmanager

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@contextmanager
def state_at(targets):
    """The historical apps at `targets`; the database goes back to the latest migrations
    when the block ends, whatever happened in it."""
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        yield MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)


def old_term(apps, congress):
    return apps.get_model("deputies", "Term").objects.create(
        congress=congress, number=13, name="第13届", start_date=dt.date(2023, 1, 1)
    )


def old_suggestion(apps, congress, title, term=None, **fields):
    """A suggestion of `term` (else a new term 13 of `congress`), with the historical models."""
    term = term or old_term(apps, congress)
    values = {
        "channel": "recess",
        "status": "submitted",
        "kind": "suggestion",
        "number": 1,
        "content": "建议优化。",
    }
    values.update(fields)
    return apps.get_model("suggestions", "Suggestion").objects.create(
        congress=congress, term=term, title=title, **values
    )
