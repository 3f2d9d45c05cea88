"""Reads for the dashboards: the stored rollups first, a live computation when a scope is not
stored; a constant number of queries whatever the data size.

A scope is stored (rollups/) for a whole term and for one meeting, channel, category or unit
within it, per day. Other combinations (two filters at once, key suggestions only) and days
without a stored row are computed live with `suggestions.figures`, and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery

from rollups.models import Rollup, ScopeKind
from rollups.scopes import figures_from_json, scope_for, scope_key, unit_row_from_json
from suggestions import figures
from suggestions.models import AUDIT_ACTION_LABELS, Assignment, AuditEvent, Suggestion

from .forms import Filters

ANSWERING_ROLES = tuple(str(r) for r in Assignment.ANSWERING_ROLES)
OPEN_STATES = Assignment.OPEN_STATES
TREND_DAYS = 366  # the monthly trend looks back one year from D


def stored_scope(filters: Filters) -> tuple[str, str] | None:
    """The (kind, key) of the rollup row for these filters, or None for a combination the
    rollups do not store."""
    if filters.term is None or filters.key_only:
        return None
    narrowed = filters.narrowed()
    if len(narrowed) > 1:
        return None
    term_id = filters.term.pk
    if not narrowed:
        return ScopeKind.TERM, scope_key(term_id)
    name = narrowed[0]
    value = getattr(filters, name)
    kind = {
        "meeting": ScopeKind.MEETING,
        "channel": ScopeKind.CHANNEL,
        "category": ScopeKind.CATEGORY,
        "unit": ScopeKind.UNIT,
    }[name]
    return kind, scope_key(term_id, value if name == "channel" else value.pk)


@dataclass
class Source:
    """Where a block of figures came from: a stored rollup (with its computation time) or a
    live computation now (with the reason)."""

    computed_at: datetime | None = None
    live_reason: str = ""

    @property
    def live(self) -> bool:
        return self.computed_at is None


@dataclass
class Dashboard:
    filters: Filters
    figures: figures.Figures
    source: Source
    units: list  # UnitRow
    units_source: Source
    trend: list = field(default_factory=list)  # (day, Figures), the last stored day per month


LIVE_COMBINATION = "此筛选组合未存储汇总,数据为实时计算"
LIVE_NO_ROW = "该日未存储汇总,数据为实时计算"


def scope_figures(filters: Filters) -> tuple[figures.Figures, Source, dict | None]:
    """The scope's figures: its stored row (one query) or live (the six of `compute`).
    Also gives the stored unit row of a unit scope."""
    stored = stored_scope(filters)
    if stored is not None:
        kind, key = stored
        row = (
            Rollup.objects.filter(scope_kind=kind, scope_key=key, day=filters.as_of)
            .only("figures", "unit_row", "computed_at")
            .first()
        )
        if row is not None:
            data = figures_from_json(row.figures, scope=scope_for(kind, key), day=filters.as_of)
            return data, Source(computed_at=row.computed_at), row.unit_row
    reason = LIVE_NO_ROW if stored is not None else LIVE_COMBINATION
    live = figures.compute(scope=filters.scope, as_of=filters.as_of)
    return live, Source(live_reason=reason), None


def unit_rows(filters: Filters, scope_source: Source, unit_row: dict | None) -> tuple:
    """Per-unit rows: stored for the whole term (one query) or a stored unit scope; live
    otherwise (the seven queries of `unit_figures`)."""
    if not scope_source.live:
        if not filters.narrowed():
            rows = Rollup.objects.filter(
                term_id=filters.term.pk,
                day=filters.as_of,
                scope_kind=ScopeKind.UNIT,
                unit_row__isnull=False,
            ).only("unit_row", "computed_at")
            rows = list(rows)
            if rows:
                at = min(r.computed_at for r in rows)
                return [unit_row_from_json(r.unit_row) for r in rows], Source(computed_at=at)
        elif filters.unit is not None and unit_row is not None:
            return [unit_row_from_json(unit_row)], scope_source
    live = figures.unit_figures(scope=filters.scope, as_of=filters.as_of)
    reason = scope_source.live_reason or "各承办单位数据为此筛选实时计算"
    return live, Source(live_reason=reason)


def trend(filters: Filters) -> list:
    """The stored figures of the scope on the last stored day of each month in the year up to
    D (one query); none for a scope the rollups do not store."""
    stored = stored_scope(filters)
    if stored is None:
        return []
    kind, key = stored
    rows = (
        Rollup.objects.filter(
            scope_kind=kind,
            scope_key=key,
            day__lte=filters.as_of,
            day__gt=filters.as_of - timedelta(days=TREND_DAYS),
        )
        .order_by("day")
        .values_list("day", "figures")
    )
    last_of_month = {}
    for day, data in rows:
        last_of_month[(day.year, day.month)] = (day, data)
    scope = scope_for(kind, key)
    return [
        (day, figures_from_json(data, scope=scope, day=day))
        for day, data in sorted(last_of_month.values())
    ]


def dashboard(*, filters: Filters) -> Dashboard:
    data, source, unit_row = scope_figures(filters)
    units, units_source = unit_rows(filters, source, unit_row)
    return Dashboard(
        filters=filters,
        figures=data,
        source=source,
        units=units,
        units_source=units_source,
        trend=trend(filters),
    )


# --- unit scorecards -------------------------------------------------------------------------

UNIT_SORTS = {
    "on_time": ("按期答复率", lambda r: _rate_key(r.on_time_rate)),
    "solved": ("A类占比", lambda r: _rate_key(r.solved_rate)),
    "content": ("满意和基本满意率", lambda r: _rate_key(r.content_rate)),
    "assigned": ("交办", lambda r: -r.assigned),
    "replied": ("已答复", lambda r: -r.replied),
    "overdue": ("逾期", lambda r: -r.overdue),
}


def _rate_key(rate: figures.Rate):
    value = rate.percent
    return -(value if value is not None else -1)


def ranked_units(rows: list, sort: str) -> tuple[list, list]:
    """(ranked units ordered by `sort` then name, units below the minimum volume by name)."""
    key = UNIT_SORTS.get(sort, UNIT_SORTS["on_time"])[1]
    ranked = sorted((r for r in rows if r.ranked), key=lambda r: (key(r), r.unit_name))
    apart = sorted((r for r in rows if not r.ranked), key=lambda r: r.unit_name)
    return ranked, apart


@dataclass
class UnitHistory:
    figures: figures.Figures
    source: Source
    row: figures.UnitRow | None
    history: list  # (day, UnitRow): the last stored day per month up to D


def unit_history(*, filters: Filters) -> UnitHistory:
    """A unit's figures at D and its stored rows, the last stored day of each month over the
    year up to D (one query besides the scope's)."""
    data, source, unit_row = scope_figures(filters)
    if unit_row is not None:
        row = unit_row_from_json(unit_row)
    else:
        rows = figures.unit_figures(scope=filters.scope, as_of=filters.as_of)
        row = rows[0] if rows else None
    history = {}
    if filters.term is not None:
        for day, data_row in (
            Rollup.objects.filter(
                scope_kind=ScopeKind.UNIT,
                scope_key=scope_key(filters.term.pk, filters.unit.pk),
                day__lte=filters.as_of,
                day__gt=filters.as_of - timedelta(days=TREND_DAYS),
                unit_row__isnull=False,
            )
            .order_by("day")
            .values_list("day", "unit_row")
        ):
            history[(day.year, day.month)] = (day, unit_row_from_json(data_row))
    return UnitHistory(
        figures=data, source=source, row=row, history=sorted(history.values(), key=_first)
    )


def _first(pair):
    return pair[0]


# --- the key-suggestion board ----------------------------------------------------------------


def key_suggestions(*, term=None) -> QuerySet:
    """重点建议 with supervisor, state, nearest open deadline and latest activity: one query
    for the rows and one for their current units, whatever their number."""
    latest = AuditEvent.objects.filter(suggestion=OuterRef("pk")).order_by("-at", "-id")
    open_deadline = Assignment.objects.filter(
        suggestion=OuterRef("pk"), state__in=OPEN_STATES, role__in=ANSWERING_ROLES
    ).order_by("deadline")
    qs = Suggestion.objects.filter(is_key=True)
    if term is not None:
        qs = qs.filter(term=term)
    return (
        qs.select_related("term", "category", "lead_deputy", "supervisor")
        .annotate(
            next_deadline=Subquery(open_deadline.values("deadline")[:1]),
            latest_at=Subquery(latest.values("at")[:1]),
            latest_action=Subquery(latest.values("action")[:1]),
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(state=Assignment.State.ENDED)
                .select_related("unit")
                .order_by("role", "id"),
                to_attr="current_assignments",
            )
        )
        .order_by(F("next_deadline").asc(nulls_last=True), F("latest_at").desc(), "id")
    )


def action_label(action: str | None) -> str:
    return AUDIT_ACTION_LABELS.get(action, action or "—")
