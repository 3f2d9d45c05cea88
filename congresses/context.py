"""The congress the current request or task acts in.

Set once per request (congresses.middleware) and per task (`acting_in`); read by the
`congress` default of every owned record and by the access gateway. Outside both (shell,
migrations, tests' factories) records fall to the default congress: the single congress of
a deployment that has one.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DatabaseError

_current: ContextVar[int | None] = ContextVar("congress_id", default=None)


def current_id() -> int | None:
    """The congress acted in, or None outside a request or task."""
    return _current.get()


@contextmanager
def acting_in(congress):
    """Act in `congress` (an instance or an id) for the block."""
    token = _current.set(getattr(congress, "pk", congress))
    try:
        yield
    finally:
        _current.reset(token)


def enter(congress_id: int) -> None:
    """Act in `congress_id` for the rest of this request: an API token's congress, known only
    once DRF authenticates; the middleware's `acting_in` undoes it when the request ends."""
    _current.set(congress_id)


def default_congress_id() -> int:
    """The default of every owned record's `congress`: the one acted in, else the default
    congress (settings.PORTAL_DEFAULT_CONGRESS), created on first use so that a flushed test
    database still has one."""
    acting = _current.get()
    if acting is not None:
        return acting
    from .models import Congress

    code = settings.PORTAL_DEFAULT_CONGRESS["code"]
    try:
        found = Congress.objects.filter(code=code).values_list("id", flat=True).first()
    except (DatabaseError, RuntimeError):
        # System checks build a User before the first migrate, or where a test forbids the
        # database (a Celery test worker's start-up checks): nothing to own there.
        return None
    if found is not None:
        return found
    return Congress.objects.get_or_create(
        code=code,
        defaults={
            "name": settings.PORTAL_DEFAULT_CONGRESS["name"],
            "short_name": settings.PORTAL_DEFAULT_CONGRESS["short_name"],
            "level": settings.PORTAL_DEFAULT_CONGRESS["level"],
        },
    )[0].pk
