"""Owned records keep to the congress acted in (DESIGN.md §11).

Inside a request or `acting_in(c)`, every query of an owned model is narrowed to c's rows:
the default manager's queryset, and any queryset chained from one built earlier (a form
field's choices are built at import, and copied per form). Outside both (shell, migrations,
factories in tests) nothing is narrowed. The access gateway filters by the user's congress as
well, and PostgreSQL row-level security is the last line.
"""

from django.db import models

from . import context


class ActingCongressQuerySet(models.QuerySet):
    _scoped_to = None
    # How a row names its congress: its own column, or its term's (meetings, deputies' seats).
    congress_lookup = "congress_id"

    def _scoped(self):
        acting = context.current_id()
        if acting is None or self._scoped_to == acting or self.query.combinator:
            return self
        self.query.add_q(models.Q(**{self.congress_lookup: acting}))
        self._scoped_to = acting
        return self

    def _clone(self):
        clone = super()._clone()
        clone._scoped_to = self._scoped_to
        return clone

    def _chain(self):
        return super()._chain()._scoped()


class ThroughTermQuerySet(ActingCongressQuerySet):
    congress_lookup = "term__congress_id"


class ActingCongressManager(models.Manager.from_queryset(ActingCongressQuerySet)):
    def get_queryset(self):
        return super().get_queryset()._scoped()


class ThroughTermManager(models.Manager.from_queryset(ThroughTermQuerySet)):
    def get_queryset(self):
        return super().get_queryset()._scoped()
