"""Periodic jobs run once per active congress (DESIGN.md §11).

Each congress's run acts in it (`acting_in`), so every record it writes is that congress's
and every owned query is narrowed to it. One congress's failure is logged and the others
still run: a broken record of one congress never holds back another's reminders or figures.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import transaction

from . import context
from .context import acting_in
from .models import Congress

logger = logging.getLogger(__name__)


@dataclass
class Runs:
    """What each congress's run returned, and the codes of those that failed."""

    results: dict = field(default_factory=dict)  # congress code -> result
    failed: list = field(default_factory=list)

    def __str__(self):
        done = "; ".join(f"{code}: {result}" for code, result in self.results.items())
        return done + (f"; failed: {', '.join(self.failed)}" if self.failed else "")


def active_congresses() -> list[Congress]:
    return list(Congress.objects.filter(is_active=True).order_by("id"))


def each_active_congress(run: Callable[[], object], *, what: str) -> Runs:
    """`run()` acting in each active congress in turn. A failure is logged with its
    traceback and the next congress runs."""
    runs = Runs()
    for congress in active_congresses():
        try:
            with acting_in(congress), _savepoint():
                runs.results[congress.code] = run()
        except Exception:
            logger.exception("%s failed in congress %s (id %s)", what, congress.code, congress.pk)
            runs.failed.append(congress.code)
    return runs


def _savepoint():
    """Inside a caller's transaction (tests, a command's atomic block), a savepoint, so that
    one congress's database error does not abort the transaction the next one runs in. Jobs
    run in autocommit, where each claim commits on its own: no transaction is added there."""
    if transaction.get_connection().in_atomic_block:
        return transaction.atomic()
    return nullcontext()


def in_each_congress(service):
    """A job's service that works in one congress: acting in one, it runs for that one;
    outside any (a management command, the shell, a test), acting in each active congress in
    turn, its (numeric) results summed. Errors propagate here: the periodic tasks use
    `each_active_congress`, which logs one congress's failure and goes on."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if context.current_id() is not None:
            return service(*args, **kwargs)
        total = 0
        for congress in active_congresses():
            with acting_in(congress):
                total += service(*args, **kwargs)
        return total

    return run
