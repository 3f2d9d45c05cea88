"""Reads of stored figures for dashboards and reports (issue 6).

`figures_as_of` gives what was stored for a scope and day: for a past day, the numbers the
live computation gave on that day, even if events dated before it were entered later.
`figures_for` falls back to the live computation when nothing is stored.
"""

from __future__ import annotations

from datetime import date

from suggestions import figures

from .models import Rollup, ScopeKind
from .scopes import figures_from_json, scope_for, scope_key, unit_row_from_json


def figures_as_of(*, scope_kind: str, scope_key: str, day: date) -> figures.Figures | None:
    row = (
        Rollup.objects.filter(scope_kind=scope_kind, scope_key=scope_key, day=day)
        .only("figures")
        .first()
    )
    if row is None:
        return None
    return figures_from_json(row.figures, scope=scope_for(scope_kind, scope_key), day=day)


def figures_for(*, scope_kind: str, scope_key: str, day: date) -> figures.Figures:
    """Stored if there is a row, else computed now (one query, or the six of `compute`)."""
    stored = figures_as_of(scope_kind=scope_kind, scope_key=scope_key, day=day)
    if stored is not None:
        return stored
    return figures.compute(scope=scope_for(scope_kind, scope_key), as_of=day)


def term_figures_as_of(*, term, day: date, kind: str) -> dict[str, figures.Figures]:
    """Every stored scope of one kind in a term on a day, by key (one query)."""
    term_id = getattr(term, "pk", term)
    rows = Rollup.objects.filter(term_id=term_id, day=day, scope_kind=kind).only(
        "scope_key", "figures"
    )
    return {
        r.scope_key: figures_from_json(r.figures, scope=scope_for(kind, r.scope_key), day=day)
        for r in rows
    }


def unit_rows_as_of(*, term, day: date) -> list[figures.UnitRow]:
    """Stored unit rows of a term on a day: ranked units first, then by name (one query)."""
    term_id = getattr(term, "pk", term)
    rows = [
        unit_row_from_json(r.unit_row)
        for r in Rollup.objects.filter(
            term_id=term_id, day=day, scope_kind=ScopeKind.UNIT, unit_row__isnull=False
        ).only("unit_row")
    ]
    return sorted(rows, key=lambda r: (not r.ranked, r.unit_name))


def term_key(term) -> str:
    return scope_key(getattr(term, "pk", term))
