"""Dated facts (issue 14): each suggestion's figure facts stored as stretches of days, so the
figures of any scope as of any day are a few GROUP BY queries instead of a Python pass.

- `sync` keeps the tables `SuggestionFacts` / `AssignmentFacts` current: it re-derives
  (`suggestions.figures.dated_facts`) exactly the suggestions that audit events above its
  watermark (`FactsMark`) name, so its cost follows the changed suggestions, not the term.
  The first run (or `rebuild=True`) derives every suggestion.
- `compute_many` is `figures.compute_many` from the stored facts: the suggestions valid at D
  grouped by what the figures count, per scope; the suggestions named by events the facts do
  not reflect yet are derived live and added, so the numbers are current to the last event.
  `figures._Tally` and `figures._unit_rows` turn the counts into figures: the formulas stay
  in figures.py. Until the facts are built it is `figures.compute_many` itself.
Facts and marks are per congress (DESIGN.md §11): `sync` runs acting in one congress and
derives its suggestions only, past every congress's events; `compute_many` reads the facts of
the congress acted in (outside one, of the scope's term's congress).
"""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from congresses import context
from congresses.runs import in_each_congress
from deputies.models import Term
from suggestions import figures
from suggestions.models import AuditEvent, Category, Suggestion
from units.models import Unit

from . import changes
from .models import AssignmentFacts, FactsMark, SuggestionFacts

CHUNK = 2000  # suggestions derived and written at a time (fewer where a query takes fewer ids)
# More suggestions than this named by events the facts do not reflect: derive everything live.
TOUCHED_MAX = 2000


def _id_limit(limit: int) -> int:
    """At most `limit` ids in one query, and no more than the database takes (SQLite: 999)."""
    return min(limit, connection.features.max_query_params or limit)


# What a suggestion's `_Row.counted` reads, as stored columns (the category's name last).
COUNTED = (
    "submitted",
    "assigned",
    "replied",
    "on_time",
    "closed",
    "result",
    "latest_verdict",
    "first_verdict",
    "face",
    "category_id",  # its name in `_Row.counted`: one look-up of the categories
)
ASSIGNMENT_COUNTED = ("answered", "on_time", "overdue", "result", "latest_verdict")
# The scope filters that are columns of the suggestion: a narrower scope by one of them is
# counted in the same query, grouped by it.
DIMS = {
    "meeting": "meeting_id",
    "channel": "channel",
    "category": "category_id",
    "key_only": "is_key",
}


# --- keeping the facts current ---------------------------------------------------------------


def _static_columns(row) -> dict:
    """The suggestion's scope columns, from the keys `figures._derive` gave its row."""
    keys = dict(k for k in row.keys if k[0] in ("term", "meeting", "channel", "category"))
    return {
        "term_id": keys.get("term"),
        "meeting_id": keys.get("meeting"),
        "channel": keys.get("channel") or "",
        "category_id": keys.get("category"),
        "is_key": ("key_only", True) in row.keys,
    }


def units_text(row) -> str:
    """The units whose scopes hold the row (its answering assignments made by then), as
    ",3,17,": `SuggestionFacts.units`, which a unit's scope filters on as ",3,"."""
    ids = sorted(row.unit_ids)
    return f",{','.join(map(str, ids))}," if ids else ""


def units_of(text: str) -> list[int]:
    return [int(i) for i in text.strip(",").split(",")] if text else []


# The stored columns in the order `_store` writes them: who, when, the scope columns, then
# the facts, each read from the `_Row` / `_AssignmentRow` attribute of its name.
STATIC = ("term_id", "meeting_id", "channel", "category_id", "is_key")
SUGGESTION_FACTS = (*(name for name in COUNTED if name != "category_id"), "overdue")
SUGGESTION_COLUMNS = (
    "congress_id",
    "suggestion_id",
    "valid_from",
    "valid_to",
    *STATIC,
    "units",
    *SUGGESTION_FACTS,
)
ASSIGNMENT_COLUMNS = (
    "congress_id",
    "assignment_id",
    "suggestion_id",
    "unit_id",
    "valid_from",
    "valid_to",
    *STATIC,
    *ASSIGNMENT_COUNTED,
)
INSERT_BATCH = 5000  # rows per INSERT statement on PostgreSQL


def _insert(model, columns, rows: list[tuple]) -> None:
    """Plain rows into a facts table. A rebuild writes some 5 rows per suggestion: through
    `bulk_create` two thirds of its time went to building and preparing model instances
    field by field, for values that are already what the columns hold."""
    if not rows:
        return
    ops = connection.ops
    fields = [model._meta.get_field(name) for name in columns]
    dates = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateField"]
    if dates:
        rows = [list(row) for row in rows]
        for row in rows:
            for i in dates:
                row[i] = ops.adapt_datefield_value(row[i])
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement per batch: one array per column, as Django's own bulk insert.
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
            sql = f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})"
            for i in range(0, len(rows), INSERT_BATCH):
                batch = rows[i : i + INSERT_BATCH]
                cursor.execute(sql, [list(column) for column in zip(*batch, strict=True)])
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _store(ids, *, replace: bool = True) -> int:
    """Derive and write the facts of the suggestions `ids`, first deleting theirs (`replace`;
    a rebuild has deleted every row already)."""
    congress_id = context.current_id()
    dated = figures.dated_facts(ids)
    static = {f.suggestion_id: _static_columns(f.row) for f in dated}
    if replace:
        SuggestionFacts.objects.filter(suggestion_id__in=ids).delete()
        AssignmentFacts.objects.filter(suggestion_id__in=ids).delete()
    suggestion_rows, assignment_rows = [], []
    for f in dated:
        r = f.row
        fixed = tuple(static[f.suggestion_id][name] for name in STATIC)
        valid_to = f.valid_to or date.max
        suggestion_rows.append(
            (
                congress_id,
                f.suggestion_id,
                f.valid_from,
                valid_to,
                *fixed,
                units_text(r),
                *(getattr(r, name) for name in SUGGESTION_FACTS),
            )
        )
        for assignment_id, a in f.assignments:
            assignment_rows.append(
                (
                    congress_id,
                    assignment_id,
                    f.suggestion_id,
                    a.unit_id,
                    f.valid_from,
                    valid_to,
                    *fixed,
                    *(getattr(a, name) for name in ASSIGNMENT_COUNTED),
                )
            )
    _insert(SuggestionFacts, SUGGESTION_COLUMNS, suggestion_rows)
    _insert(AssignmentFacts, ASSIGNMENT_COLUMNS, assignment_rows)
    return len(ids)


@in_each_congress
def sync(*, rebuild: bool = False, now=None) -> int:
    """Bring the congress's facts up to the audit trail; returns the number of suggestions
    derived (outside a congress: each active one's, summed).

    In one transaction holding the mark's row lock, so two runs never interleave the rows of
    one suggestion; readers see the facts before or after it, whole. Acting in the congress,
    the default managers narrow the suggestions, facts and mark to it."""
    now = now or timezone.now()
    congress_id = context.current_id()
    FactsMark.objects.get_or_create(congress_id=congress_id)
    with transaction.atomic():
        mark = FactsMark.objects.select_for_update().get(congress_id=congress_id)
        top = changes.highest_event_id()
        full = rebuild or not mark.built
        if full:
            # Every suggestion from the rows as they are now; the ids up to `top` not visible
            # yet (a transaction still open) are kept as gaps, read again as any other.
            ids = list(Suggestion.objects.order_by("pk").values_list("pk", flat=True))
            SuggestionFacts.objects.all().delete()
            AssignmentFacts.objects.all().delete()
            gaps = changes.gaps_below(top, now=now)
        else:
            # Every congress's events move the mark (ids are global); this congress's
            # suggestions are the ones derived.
            events = list(
                AuditEvent.objects.filter(changes.unread_q(mark) & Q(id__lte=top))
                .order_by()
                .values_list("id", "suggestion_id", "suggestion__congress_id")
            )
            ids = sorted({s for _, s, c in events if s is not None and c == congress_id})
            gaps = changes.gaps_after(mark, read=[e for e, _, _ in events], top=top, now=now)
        chunk = _id_limit(CHUNK)
        derived = sum(
            _store(ids[i : i + chunk], replace=not full) for i in range(0, len(ids), chunk)
        )
        FactsMark.objects.filter(pk=mark.pk).update(
            built=True, seen_to=max(mark.seen_to, top), gaps=gaps, synced_at=now
        )
    return derived


# --- figures from the facts ------------------------------------------------------------------


def _at(model, day: date, congress_id: int):
    # The congress named, whether or not one is acted in (a test, the shell).
    return model._base_manager.filter(
        congress_id=congress_id, valid_to__gt=day, valid_from__lte=day
    )


def _static(qs, scope: figures.Scope, touched):
    """The scope's filters that are columns of the suggestion; without the touched ones."""
    pk = figures._pk
    if scope.term is not None:
        qs = qs.filter(term_id=pk(scope.term))
    if scope.meeting is not None:
        qs = qs.filter(meeting_id=pk(scope.meeting))
    if scope.channel:
        qs = qs.filter(channel=scope.channel)
    if scope.category is not None:
        qs = qs.filter(category_id=pk(scope.category))
    if scope.key_only:
        qs = qs.filter(is_key=True)
    if touched:
        qs = qs.exclude(suggestion_id__in=touched)
    return qs.order_by()


def _suggestions(scope: figures.Scope, day: date, touched, congress_id: int, systems=None):
    """The stored facts at D of the scope's suggestions: a unit or system scope holds those
    with an answering assignment of it made ≤ D (as `figures._derive` keys them), read from
    the row's `units`; a system's units are those of `systems` ({unit id: system}) now."""
    qs = _static(_at(SuggestionFacts, day, congress_id), scope, touched)
    if scope.unit is not None:
        unit_id = figures._pk(scope.unit)
        if scope.system is not None and systems.get(unit_id) != scope.system:
            return qs.none()
        qs = qs.filter(units__contains=f",{unit_id},")
    elif scope.system is not None:
        ids = [u for u, system in systems.items() if system == scope.system]
        if not ids:
            return qs.none()
        qs = qs.filter(_any_unit_of(ids, [u for u in systems if u not in ids]))
    return qs


def _any_unit_of(ids: list[int], others: list[int]) -> Q:
    """Rows whose `units` name one of `ids`, `others` being the congress's other units (every
    unit a row names is one of the congress's). A system of most units (政府系统) is tested as
    its complement, "not only others' units": one anchored regex of a few alternatives, where
    26 alternatives cost PostgreSQL 24 ms over a channel's 60,000 rows, this one 7 ms."""
    if len(ids) <= len(others):
        return Q(units__regex=f",({'|'.join(map(str, ids))}),")
    only_others = Q(units="")
    if others:
        only_others |= Q(units__regex=f"^,(({'|'.join(map(str, sorted(others)))}),)*$")
    return ~only_others


def _units(congress_id: int) -> dict[int, tuple[str, str]]:
    """{unit id: (name, its system now)} of the congress's units: one query of a few dozen
    rows, which spares the assignment facts' GROUP BY a join and a text column (grouping
    60,000 rows by the unit's name as well cost PostgreSQL 3-4x grouping them by its id)."""
    rows = Unit._base_manager.filter(congress_id=congress_id).values_list("pk", "name", "system")
    return {pk: (name, system) for pk, name, system in rows}


def _counted(row: dict, categories: dict) -> tuple:
    return (*(row[name] for name in COUNTED[:-1]), categories.get(row["category_id"]))


def _dim_keys(row: dict, dims) -> set:
    keys = set()
    for name in dims:
        value = row[DIMS[name]]
        if name == "key_only":
            if value:
                keys.add(("key_only", True))
        else:
            keys.add((name, value))
    return keys


def touched_since(mark: FactsMark, limit: int | None = None) -> set | None:
    """The suggestions named by events the facts do not reflect (one query); None when
    there are more than `limit`."""
    limit = _id_limit(TOUCHED_MAX) if limit is None else limit
    ids = set(
        AuditEvent.objects.filter(changes.unread_q(mark), suggestion__congress_id=mark.congress_id)
        .order_by()
        .values_list("suggestion_id", flat=True)
        .distinct()[: limit + 1]
    )
    return None if len(ids) > limit else ids


def _reading_mark(scope: figures.Scope) -> FactsMark | None:
    """The built mark of the congress whose facts are read: the one acted in; outside one,
    the scope's term's (in the same query), else the default congress's."""
    marks = FactsMark._base_manager.filter(built=True)
    acting = context.current_id()
    if acting is not None:
        return marks.filter(congress_id=acting).first()
    if scope.term is not None:
        term = Term._base_manager.filter(pk=figures._pk(scope.term)).values("congress_id")
        return marks.filter(congress_id__in=term).first()
    return marks.filter(congress_id=context.default_congress_id()).first()


def compute_many(*, scope: figures.Scope, within=(), as_of: date):
    """`figures.compute_many` (same arguments, same result) from the stored facts: five
    queries, plus the six of a live derivation when events name suggestions the facts do not
    reflect yet, and one per narrower scope of two or more filters of its own."""
    mark = _reading_mark(scope)
    touched = touched_since(mark) if mark is not None else None
    if touched is None:
        return figures.compute_many(scope=scope, within=within, as_of=as_of)

    whole = figures._Tally(scope)
    tallies, by_dims, by_unit, by_system, own = {}, [whole], {}, {}, []
    dims = set()
    for sub in within:
        if not scope.narrower(sub):
            raise ValueError(f"{sub} does not lie within {scope}")
        if sub in tallies:
            continue
        tally = tallies[sub] = figures._Tally(sub)
        extra = sub.wanted - scope.wanted
        names = {name for name, _ in extra}
        if names <= DIMS.keys():
            dims |= names
            by_dims.append(tally)
        elif len(extra) == 1 and names <= {"unit", "system"}:
            name, value = next(iter(extra))
            (by_unit if name == "unit" else by_system)[value] = tally
        else:
            own.append(sub)
    dims = sorted(dims)
    columns = [DIMS[name] for name in dims]
    categories = dict(Category.objects.values_list("pk", "name"))

    # The units' names, and their systems as they are now (a unit or system scope's reading).
    known = _units(mark.congress_id)
    systems = {unit_id: system for unit_id, (_, system) in known.items()}

    # The scope's suggestions, grouped by what the figures count and by the narrower scopes'
    # columns.
    for row in (
        _suggestions(scope, as_of, touched, mark.congress_id, systems)
        .values(*COUNTED, *columns)
        .annotate(n=Count("id"))
    ):
        keys = scope.wanted | _dim_keys(row, dims)
        counted = _counted(row, categories)
        for tally in by_dims:
            if tally.scope.wanted <= keys:
                tally.add_counted(counted, row["n"])
    # Narrower by a unit or a system: a suggestion counts once in each unit and each system of
    # its row's units (its answering assignments made ≤ D).
    if by_unit or by_system:
        for row in (
            _suggestions(scope, as_of, touched, mark.congress_id, systems)
            .exclude(units="")
            .values(*COUNTED, "units")
            .annotate(n=Count("id"))
        ):
            counted, n, units = _counted(row, categories), row["n"], units_of(row["units"])
            for unit_id in units:
                if unit_id in by_unit:
                    by_unit[unit_id].add_counted(counted, n)
            for system in {systems.get(unit_id) for unit_id in units}:
                if system in by_system:
                    by_system[system].add_counted(counted, n)

    # Answering assignments in force at D: the unit rows, and every scope's 逾期数.
    assignments = _static(_at(AssignmentFacts, as_of, mark.congress_id), scope, touched)
    if scope.unit is not None:
        assignments = assignments.filter(unit_id=figures._pk(scope.unit))
    if scope.system is not None:
        ids = [u for u, system in systems.items() if system == scope.system]
        assignments = assignments.filter(unit_id__in=ids) if ids else assignments.none()
    per_unit, names = {}, {}
    every = [*by_dims, *by_unit.values(), *by_system.values()]
    for row in assignments.values("unit_id", *ASSIGNMENT_COUNTED, *columns).annotate(n=Count("id")):
        unit_id, n = row["unit_id"], row["n"]
        names[unit_id] = known[unit_id]
        system = names[unit_id][1]
        counted = tuple(row[name] for name in ASSIGNMENT_COUNTED)
        per_unit.setdefault(unit_id, {}).setdefault(counted, 0)
        per_unit[unit_id][counted] += n
        if row["overdue"]:
            keys = scope.wanted | _dim_keys(row, dims)
            keys |= {("unit", unit_id), ("system", system), ("unit_system", (unit_id, system))}
            for tally in every:
                if tally.scope.wanted <= keys:
                    tally.overdue += n

    # The suggestions the facts do not reflect yet, derived live.
    rows = figures._rows(scope, as_of, ids=touched) if touched else []
    for row in rows:
        for tally in every:
            if tally.scope.wanted <= row.keys:
                tally.add(row)
    result = {sub: tally.figures(as_of) for sub, tally in tallies.items()}
    for sub in own:
        result[sub] = compute_many(scope=sub, as_of=as_of)[0]
    units = figures._unit_rows(rows, scope=scope, per_unit=per_unit, names=names)
    return whole.figures(as_of), result, units
