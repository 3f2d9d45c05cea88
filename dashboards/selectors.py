"""Reads for the dashboards. Figures come through the one door, `rollups.selectors`
(stored or live, complete, with their provenance); this module only says which parts each
page asks for, and holds the key board's query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from congresses.context import acting_in
from congresses.models import Congress
from congresses.selectors import below as congresses_below
from deputies.models import Term
from rollups import selectors as door
from rollups.scopes import stored_kind
from suggestions import figures
from suggestions import selectors as suggestion_selectors
from suggestions.figures import Scope
from suggestions.models import AUDIT_ACTION_LABELS, Assignment, Suggestion

from .forms import Filters

ANSWERING_ROLES = tuple(str(r) for r in Assignment.ANSWERING_ROLES)
OPEN_STATES = Assignment.OPEN_STATES


def dashboard(*, filters: Filters) -> door.FigureSet:
    """Tiles, the by-unit chart (every unit of the scope) and the monthly trend."""
    return door.figure_set(scope=filters.scope, as_of=filters.as_of, units=True, history=True)


def units(*, filters: Filters) -> door.FigureSet:
    """The ranking: every unit of the scope."""
    return door.figure_set(scope=filters.scope, as_of=filters.as_of, units=True)


def unit_page(*, filters: Filters) -> door.FigureSet:
    """A unit's scorecard: its row, its suggestions' figures and its monthly history."""
    return door.figure_set(scope=filters.scope, as_of=filters.as_of, units=True, history=True)


def report(*, filters: Filters) -> door.FigureSet:
    """The handling report: the figures, every unit, and the split by channel and system."""
    return door.figure_set(scope=filters.scope, as_of=filters.as_of, units=True, breakdown=True)


def has_history(filters: Filters) -> bool:
    """Whether the rollups store this scope, so it can have a monthly trend."""
    return stored_kind(filters.scope) is not None


# --- the key-suggestion board ----------------------------------------------------------------


def key_suggestions(*, term=None, limit: int | None = None) -> QuerySet:
    """重点建议 with supervisor, state, nearest open deadline and latest activity: one query
    for the rows and one for their current units, whatever their number. The latest
    activity is the suggestion's own `latest_at`/`latest_action` (suggestions.activity).
    With `limit`, the first rows are chosen from the narrow index of key suggestions
    (suggestion_key_latest_idx, index-only) before the wide rows of only those are read.
    Only two kinds of key suggestion can be among the first `limit`: those with an open
    deadline (they come first), and the `limit` latest by activity (the ones without a
    deadline that follow are the latest of those, so among the latest of all). The nearest
    deadline is looked up for those alone, not for every key suggestion of the term."""
    open_deadlines = Assignment.objects.filter(state__in=OPEN_STATES, role__in=ANSWERING_ROLES)
    open_deadline = open_deadlines.filter(suggestion=OuterRef("pk")).order_by("deadline")
    order = (F("next_deadline").asc(nulls_last=True), F("latest_at").desc(), "id")
    qs = Suggestion.objects.filter(is_key=True)
    if term is not None:
        qs = qs.filter(term=term)
    if limit is not None:
        latest = qs.order_by(F("latest_at").desc(), "id").values("pk")[:limit]
        candidates = qs.filter(Q(pk__in=open_deadlines.values("suggestion_id")) | Q(pk__in=latest))
        first = candidates.annotate(next_deadline=Subquery(open_deadline.values("deadline")[:1]))
        qs = Suggestion.objects.filter(pk__in=first.order_by(*order).values("pk")[:limit])
    return (
        qs.select_related("category", "lead_deputy", "supervisor")
        .only(
            "id",
            "number",
            "title",
            "status",
            "is_key",
            "latest_at",
            "latest_action",
            "category__name",
            "lead_deputy__name",
            "proposers",  # a forwarded copy's deputies (Suggestion.lead_name)
            "supervisor__name",
            "supervisor__username",
        )
        .annotate(next_deadline=Subquery(open_deadline.values("deadline")[:1]))
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(state=Assignment.State.ENDED)
                .select_related("unit")
                .only("id", "suggestion_id", "role", "unit__name")
                .order_by("role", "id"),
                to_attr="current_assignments",
            )
        )
        .order_by(*order)
    )


def action_label(action: str | None) -> str:
    return AUDIT_ACTION_LABELS.get(action, action or "—")


# --- the upward view: lower congresses side by side (DESIGN.md §11) --------------------------


@dataclass(frozen=True)
class CongressFigures:
    congress: Congress
    term: Term | None
    figures: figures.Figures
    provenance: door.Provenance | None  # None: no current term, nothing to count


@dataclass(frozen=True)
class UpwardView:
    own: CongressFigures
    lower: list[CongressFigures]
    lower_total: figures.Figures  # the lower congresses' figures summed
    total: figures.Figures  # own and lower summed

    @property
    def stored(self) -> bool:
        return all(r.provenance is None or r.provenance.stored for r in [self.own, *self.lower])


def _congress_figures(congress, as_of, *, units=False):
    # Each congress's figures are read acting in it: its own current term and records, by its
    # own scoped managers (and row-level security), through the one door, with its own
    # provenance.
    with acting_in(congress):
        term = Term.objects.filter(is_current=True).first()
        if term is None:
            empty = figures.empty(scope=Scope(), as_of=as_of)
            return CongressFigures(congress, None, empty, None), []
        data = door.figure_set(scope=Scope(term=term), as_of=as_of, units=units)
    return CongressFigures(congress, term, data.figures, data.provenance), data.units


def _lower_figures(congress, as_of, stored: door.StoredTerm | None) -> CongressFigures:
    # The stored day when it is whole and current (no query); a congress without a current
    # term has nothing to count; any other is read live, acting in it, as its own pages do.
    if stored is None:
        return CongressFigures(congress, None, figures.empty(scope=Scope(), as_of=as_of), None)
    if stored.figures is not None:
        return CongressFigures(congress, stored.term, stored.figures, stored.provenance)
    return _congress_figures(congress, as_of)[0]


def has_lower(congress_id: int) -> bool:
    return Congress.objects.filter(parent_id=congress_id, is_active=True).exists()


def upward_view(*, congress: Congress, as_of, own: CongressFigures | None = None) -> UpwardView:
    """The congress's own figures (its current term as of D), each lower congress's, and their
    sums: same definitions and as-of rules as every dashboard (figures.summed)."""
    # `own` when the caller read it already (the drill-down, with its units): not twice.
    own = own or _congress_figures(congress, as_of)[0]
    # What lies below, read acting in this congress: the stored days of every congress below
    # (one query) and the suggestions forwarded down into them (one query).
    with acting_in(congress):
        stored = door.stored_terms_below(as_of)
        forwarded = suggestion_selectors.forwarded_below(as_of)
    rows = [_lower_figures(c, as_of, stored.get(c.pk)) for c in congresses_below(congress.pk)]
    # A suggestion forwarded down is counted once in a sum holding both its congresses.
    among_lower = sum(n for (sender, _), n in forwarded.items() if sender != congress.pk)
    from_own = sum(n for (sender, _), n in forwarded.items() if sender == congress.pk)
    lower_total = figures.summed(
        [r.figures for r in rows], scope=Scope(), as_of=as_of, counted_twice=among_lower
    )
    total = figures.summed(
        [own.figures, lower_total], scope=Scope(), as_of=as_of, counted_twice=from_own
    )
    return UpwardView(own=own, lower=rows, lower_total=lower_total, total=total)


def lower_congress_view(*, congress: Congress, as_of):
    """One lower congress's figures and its units' rows (the drill-down), and its own lower
    congresses side by side."""
    row, unit_rows = _congress_figures(congress, as_of, units=True)
    ranked, apart = figures.rank_units(unit_rows)
    return row, ranked + apart, upward_view(congress=congress, as_of=as_of, own=row)
