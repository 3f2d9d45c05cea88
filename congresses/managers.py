"""Owned records keep to the congress acted in (DESIGN.md §11).

Inside a request or `acting_in(c)`, every query of an owned model is narrowed to c's rows:
the default manager's queryset, and any queryset chained from one built earlier (a form
field's choices are built at import, and copied per form). Outside both (shell, migrations,
factories in tests) nothing is narrowed. The access gateway filters by the user's congress as
well, and PostgreSQL row-level security is the last line.
"""

from django.db import models
from django.db.models.sql.constants import INNER
from django.db.models.sql.where import AND

from . import context


class ActingCongressQuerySet(models.QuerySet):
    _scoped_to = None
    # How a row names its congress: its own column, or its term's (meetings, deputies' seats).
    congress_lookup = "congress_id"

    def _scoped(self):
        acting = context.current_id()
        if acting is None or self._scoped_to == acting or self.query.combinator:
            return self
        query = self.query
        if self._scoped_to is not None:
            # Built while acting in another congress (a form's choices made when its module
            # was first imported inside a request): that congress's condition comes out first.
            query.where.children = [
                c for c in query.where.children if not getattr(c, "_acting_congress", False)
            ]
        # Query.add_q, with the condition marked so that it can be taken out again.
        inner = {a for a, join in query.alias_map.items() if join.join_type == INNER}
        clause, _ = query._add_q(models.Q(**{self.congress_lookup: acting}), query.used_aliases)
        clause._acting_congress = True
        for child in clause.children:
            child._acting_congress = True
        query.where.add(clause, AND)
        query.demote_joins(inner)
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
