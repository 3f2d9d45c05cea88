"""The one door to figures: a scope of `suggestions.figures` and a day in, complete figures and
their provenance out. Dashboards, the report, its exports and the API ask here and only
present what they get.

Stored or live (DESIGN.md §7: a figure is complete or it is not shown):
1. The rollups store, per term and day, the term and each single meeting, channel, category,
   unit and unit system in it (`rollups.scopes.stored_kind`). A scope with two filters at
   once, key suggestions only, or no term is computed live.
2. A stored day is used only when its whole set is stored (`RollupDay`) and no audit event it
   does not reflect changes it (`rollups.changes.stale_days`). Otherwise everything asked for
   is computed live, and the provenance says why.
3. Everything one call returns comes from one source: the stored rows of one day, or one live
   live computation (`rollups.facts.compute_many`: the stored dated facts counted in SQL, with
   the suggestions of events they do not reflect yet derived live). A page never mixes
   stored and live numbers.
Stored: about four queries; live: about four, plus six when events are newer than the facts.
Either way a constant number, whatever the data size.
Everything read is the congress acted in (the default managers of the stored rows, days and
facts): a term of another congress has no stored days here and no facts, and a scope
without a term is the congress's own.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import reduce

from django.db import connection
from django.db.models import Exists, JSONField, OuterRef, Q, Subquery
from django.utils import timezone

from congresses import context
from congresses.selectors import below
from deputies.models import Term
from suggestions import figures
from suggestions.models import AuditEvent, Channel
from units.models import UnitSystem

from . import changes, facts
from .models import Rollup, RollupDay, RollupWatermark, ScopeKind
from .scopes import figures_from_json, scope_key, stored_kind, unit_row_from_json

CHANNELS = tuple(Channel.values)
SYSTEMS = tuple(UnitSystem.values)
HISTORY_DAYS = 366  # the monthly history looks back one year from D

LIVE_COMBINATION = "此筛选组合未存储汇总"
LIVE_NO_DAY = "该日未存储汇总,或存储的汇总不完整"
LIVE_STALE = "该日的已存储统计汇总之后又录入了影响该日的变更,汇总尚未更新"
LIVE_PART = "已存储的统计汇总不含此范围的分项"


@dataclass(frozen=True)
class Provenance:
    """Where a `FigureSet` came from: a stored day (reflecting every change entered before
    `at`) or a live computation at `at`, with the reason it is live."""

    stored: bool
    at: datetime
    reason: str = ""

    @property
    def live(self) -> bool:
        return not self.stored

    @property
    def label(self) -> str:
        when = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        if self.stored:
            return f"数据来自已存储的统计汇总(截至 {when} 录入的全部变更)"
        return f"实时计算(计算于 {when}):{self.reason}"


@dataclass(frozen=True)
class FigureSet:
    scope: figures.Scope
    as_of: date
    figures: figures.Figures
    provenance: Provenance
    # Every unit with assignments in force in the scope, in the ranking's order
    # (`figures.rank_units`); only when asked for (`units=True`).
    units: list = field(default_factory=list)
    # The scope's figures per channel and per unit system (every value, zero when none);
    # only when asked for (`breakdown=True`).
    by_channel: dict = field(default_factory=dict)
    by_system: dict = field(default_factory=dict)
    # (day, Figures, UnitRow | None): the last current stored day of each month in the year up
    # to D; only when asked for (`history=True`) and only for a stored scope.
    history: list = field(default_factory=list)


def _sub(scope: figures.Scope, **change) -> figures.Scope:
    return replace(scope, **change)


def _term_id(scope: figures.Scope):
    return getattr(scope.term, "pk", scope.term)


def _empty(scope, as_of) -> figures.Figures:
    return figures.empty(scope=scope, as_of=as_of)


def figure_set(
    *,
    scope: figures.Scope,
    as_of: date,
    units: bool = False,
    breakdown: bool = False,
    history: bool = False,
) -> FigureSet:
    """The figures of `scope` as of `as_of`, complete, with where they came from."""
    stored = stored_kind(scope)
    reason = LIVE_COMBINATION
    past = []
    if stored is not None:
        kind, key = stored
        term_id = _term_id(scope)
        days, gaps = _days(term_id, as_of)
        if as_of not in days:
            reason = LIVE_NO_DAY
        elif (units and kind not in (ScopeKind.TERM, ScopeKind.UNIT, ScopeKind.SYSTEM)) or (
            breakdown and kind != ScopeKind.TERM
        ):
            reason = LIVE_PART
        else:
            reason = ""
        # Which stored days are current: for the history, and for the day when it may be used
        # (a page computed live for another reason needs no event look-ups).
        stale = _stale(term_id, days, gaps) if history or not reason else set()
        if not reason and as_of in stale:
            reason = LIVE_STALE
        current = sorted(set(days) - stale)
        # One query for the day's rows (when they may be used) and the history's.
        last_of_month = {(d.year, d.month): d for d in current} if history else {}
        rows = _rows(
            term_id,
            kind=kind,
            key=key,
            as_of=as_of if not reason else None,
            kinds=_kinds(kind, units=units, breakdown=breakdown),
            history=sorted(last_of_month.values()),
        )
        past = [
            (
                r.day,
                figures_from_json(r.figures, scope=scope, day=r.day),
                unit_row_from_json(r.unit_row) if r.unit_row else None,
            )
            for r in sorted(rows, key=lambda r: r.day)
            if (r.scope_kind, r.scope_key) == (kind, key) and r.day in last_of_month.values()
        ]
        if not reason:
            found = _stored(
                scope,
                kind=kind,
                key=key,
                as_of=as_of,
                at=days[as_of][1],
                rows=[r for r in rows if r.day == as_of],
                units=units,
                breakdown=breakdown,
            )
            if found is not None:
                return replace(found, history=past)
            reason = LIVE_NO_DAY
    return replace(
        _live(scope, as_of=as_of, units=units, breakdown=breakdown, reason=reason),
        history=past,
    )


def _days(term_id, as_of) -> tuple[dict, list]:
    """The term's complete stored days in the year up to D, {day: (seen_to, computed_at)},
    and the gaps of its congress's job (one query)."""
    gaps = Subquery(
        RollupWatermark._base_manager.filter(congress_id=OuterRef("congress_id")).values("gaps")[
            :1
        ],
        output_field=JSONField(),
    )
    days, found_gaps = {}, []
    for day, seen_to, at, g in (
        RollupDay.objects.filter(
            term_id=term_id, day__lte=as_of, day__gt=as_of - timedelta(days=HISTORY_DAYS)
        )
        .annotate(gaps=gaps)
        .values_list("day", "seen_to", "computed_at", "gaps")
    ):
        days[day] = (seen_to, at)
        found_gaps = g or []
    return days, found_gaps


def _stale(term_id, days: dict, gaps: list) -> set:
    """The days of `days` that events they do not reflect change: the events of the term above
    the lowest day's watermark or in the job's gaps (one query, plus the date look-ups of
    `load_events` when there are such events)."""
    if not days:
        return set()
    seen = {d: seen_to for d, (seen_to, _) in days.items()}
    q = changes.unread_q(changes.Mark(gaps=gaps), since=min(seen.values()))
    events = changes.load_events(q & Q(suggestion__term_id=term_id))
    return changes.stale_days(events, days=seen, gaps=gaps)


def _kinds(kind, *, units, breakdown) -> set:
    kinds = {kind}
    if units:
        kinds.add(ScopeKind.UNIT)
    if breakdown:
        kinds |= {ScopeKind.CHANNEL, ScopeKind.SYSTEM}
    return kinds


def _rows(term_id, *, kind, key, as_of, kinds, history) -> list:
    wanted = []
    if as_of is not None:
        wanted.append(Q(term_id=term_id, day=as_of, scope_kind__in=kinds))
    if history:
        wanted.append(Q(scope_kind=kind, scope_key=key, day__in=history))
    if not wanted:
        return []
    return list(
        Rollup.objects.filter(reduce(operator.or_, wanted)).only(
            "scope_kind", "scope_key", "day", "figures", "unit_row", "computed_at"
        )
    )


def _stored(scope, *, kind, key, as_of, at, rows, units, breakdown) -> FigureSet | None:
    """The day's stored rows as a FigureSet, or None if the scope's own row is missing."""
    term_id = _term_id(scope)
    own = next((r for r in rows if (r.scope_kind, r.scope_key) == (kind, key)), None)
    if own is None:
        return None
    main = figures_from_json(own.figures, scope=scope, day=as_of)
    result = FigureSet(
        scope=scope, as_of=as_of, figures=main, provenance=Provenance(stored=True, at=at)
    )
    if units:
        unit_rows = [
            unit_row_from_json(r.unit_row)
            for r in rows
            if r.scope_kind == ScopeKind.UNIT and r.unit_row is not None
        ]
        unit_rows = [r for r in unit_rows if scope.answers(r)]
        ranked, apart = figures.rank_units(unit_rows)
        result = replace(result, units=ranked + apart)
    if breakdown:
        by = {(r.scope_kind, r.scope_key): r.figures for r in rows}

        def pick(row_kind, value, sub):
            data = by.get((row_kind, scope_key(term_id, value)))
            if data is None:  # the day is complete: no row means no suggestion of it
                return _empty(sub, as_of)
            return figures_from_json(data, scope=sub, day=as_of)

        result = replace(
            result,
            by_channel={c: pick(ScopeKind.CHANNEL, c, _sub(scope, channel=c)) for c in CHANNELS},
            by_system={s: pick(ScopeKind.SYSTEM, s, _sub(scope, system=s)) for s in SYSTEMS},
        )
    return result


def _live(scope, *, as_of, units, breakdown, reason) -> FigureSet:
    within = []
    if breakdown:
        within = [_sub(scope, channel=c) for c in CHANNELS if scope.channel in (None, "", c)]
        within += [_sub(scope, system=s) for s in SYSTEMS if scope.system in (None, s)]
    main, subs, unit_rows = facts.compute_many(scope=scope, within=within, as_of=as_of)
    result = FigureSet(
        scope=scope,
        as_of=as_of,
        figures=main,
        provenance=Provenance(stored=False, at=timezone.now(), reason=reason),
        units=unit_rows if units else [],
    )
    if breakdown:

        def pick(sub):
            return subs.get(sub) or _empty(sub, as_of)

        result = replace(
            result,
            by_channel={c: pick(_sub(scope, channel=c)) for c in CHANNELS},
            by_system={s: pick(_sub(scope, system=s)) for s in SYSTEMS},
        )
    return result


# --- the congresses below, at once (DESIGN.md §11: the upward view) --------------------------

# The one crossing of this read (congresses.rls.CROSSINGS): the stored term figures of the
# congresses below the one acted in, nothing else of theirs.
STORED_BELOW = "portal_stored_term_figures_below"


@dataclass(frozen=True)
class StoredTerm:
    """A lower congress's current term and, when usable, its stored figures of the day."""

    term: Term
    figures: figures.Figures | None  # None: not stored whole, or changed since (read it live)
    provenance: Provenance | None


def stored_terms_below(as_of: date) -> dict[int, StoredTerm]:
    """{congress id: StoredTerm} for every active congress below the one acted in that has a
    current term, in one query whatever their number. A day's figures count only when its
    set is stored whole, its congress's job has no gaps and no audit event of the term lies
    above what the day reflects (stricter than `_stale`: any later event sends that congress
    to the live read, never a stale number). On PostgreSQL the read crosses row-level
    security through one SECURITY DEFINER function that answers only these columns."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {STORED_BELOW}(%s)", [as_of])
            rows = cursor.fetchall()
    else:
        rows = _stored_below_rows(as_of)
    found = {}
    for congress_id, term_id, term_name, computed_at, data, gaps, unreflected in rows:
        term = Term(pk=term_id, congress_id=congress_id, name=term_name, is_current=True)
        usable = data is not None and computed_at is not None and not gaps and not unreflected
        if isinstance(data, str):  # SQLite hands JSON back as text
            data = json.loads(data)
        found[congress_id] = StoredTerm(
            term=term,
            figures=figures_from_json(data, scope=figures.Scope(term=term), day=as_of)
            if usable
            else None,
            provenance=Provenance(stored=True, at=computed_at) if usable else None,
        )
    return found


def _stored_below_rows(as_of: date) -> list[tuple]:
    """The function's rows, for databases without row-level security (one query)."""
    ids = [c.pk for c in below(context.current_id())]
    day = RollupDay._base_manager.filter(term_id=OuterRef("pk"), day=as_of)
    term_row = Rollup._base_manager.filter(
        term_id=OuterRef("pk"), day=as_of, scope_kind=ScopeKind.TERM
    )
    mark = RollupWatermark._base_manager.filter(congress_id=OuterRef("congress_id"))
    later = AuditEvent._base_manager.filter(
        suggestion__term_id=OuterRef("pk"), id__gt=OuterRef("seen_to")
    )
    return list(
        Term._base_manager.filter(congress_id__in=ids, is_current=True)
        .annotate(
            seen_to=Subquery(day.values("seen_to")[:1]),
            day_at=Subquery(day.values("computed_at")[:1]),
            data=Subquery(term_row.values("figures")[:1], output_field=JSONField()),
            gaps=Subquery(mark.values("gaps")[:1], output_field=JSONField()),
        )
        .annotate(unreflected=Exists(later))
        .values_list("congress_id", "pk", "name", "day_at", "data", "gaps", "unreflected")
    )
