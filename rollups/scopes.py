"""The scopes rollups are stored for, and their (kind, key) names.

Every scope lies within one term: the term itself, and each meeting, channel, category,
answering unit and unit system with suggestions in it. Keys: "<term id>" or "<term id>/<value>".
"""

from __future__ import annotations

from dataclasses import fields

from suggestions.figures import CategoryShare, Figures, Rate, Scope, UnitRow

from .models import ScopeKind

SEP = "/"


def scope_key(term_id: int, value=None) -> str:
    return str(term_id) if value is None else f"{term_id}{SEP}{value}"


def stored_kind(scope: Scope) -> tuple[str, str] | None:
    """The (kind, key) rows of `scope` are stored under, or None for a scope the rollups do
    not store (no term, key suggestions only, or two filters below the term at once)."""
    if scope.term is None or scope.key_only:
        return None
    term_id = getattr(scope.term, "pk", scope.term)
    set_ = [
        (kind, value)
        for kind, value in (
            (ScopeKind.MEETING, scope.meeting),
            (ScopeKind.CHANNEL, scope.channel),
            (ScopeKind.CATEGORY, scope.category),
            (ScopeKind.UNIT, scope.unit),
            (ScopeKind.SYSTEM, scope.system),
        )
        if value not in (None, "")
    ]
    if not set_:
        return ScopeKind.TERM, scope_key(term_id)
    if len(set_) > 1:
        return None
    kind, value = set_[0]
    return kind, scope_key(term_id, getattr(value, "pk", value))


def scope_for(kind: str, key: str) -> Scope:
    """The `suggestions.figures.Scope` a stored row stands for."""
    term, _, value = key.partition(SEP)
    term_id = int(term)
    if kind == ScopeKind.TERM:
        return Scope(term=term_id)
    if kind == ScopeKind.MEETING:
        return Scope(term=term_id, meeting=int(value))
    if kind == ScopeKind.CHANNEL:
        return Scope(term=term_id, channel=value)
    if kind == ScopeKind.CATEGORY:
        return Scope(term=term_id, category=int(value))
    if kind == ScopeKind.UNIT:
        return Scope(term=term_id, unit=int(value))
    if kind == ScopeKind.SYSTEM:
        return Scope(term=term_id, system=value)
    raise ValueError(f"unknown scope kind {kind!r}")


# --- counts <-> JSON: the stored row keeps counts; rates come from `Figures` itself ---------

COUNTS = [f.name for f in fields(Figures) if f.name not in ("scope", "as_of", "by_category")]


def figures_to_json(figures: Figures) -> dict:
    data = {name: getattr(figures, name) for name in COUNTS}
    data["by_category"] = [[c.category, c.assigned] for c in figures.by_category]
    return data


def figures_from_json(data: dict, *, scope: Scope, day) -> Figures:
    return Figures(
        scope=scope,
        as_of=day,
        **{name: data[name] for name in COUNTS},
        by_category=[
            CategoryShare(name, n, Rate(n, data["assigned"])) for name, n in data["by_category"]
        ],
    )


def unit_row_to_json(row: UnitRow) -> dict:
    return {f.name: getattr(row, f.name) for f in fields(UnitRow)}


def unit_row_from_json(data: dict) -> UnitRow:
    return UnitRow(**data)
