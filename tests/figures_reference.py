"""The figures engine as it was before issue 14: a reference implementation used only by
tests (tests/test_figures_engine.py compares the engine with it on random histories).

It counts each scope by calling the `_SuggestionFacts` definitions of suggestions/figures.py
once per scope and figure; the engine derives each suggestion's facts once and counts every
scope from that one derivation. Both must give the same numbers.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.conf import settings

from suggestions.figures import (
    CONTENT,
    RESULTS,
    CategoryShare,
    Figures,
    Rate,
    Scope,
    UnitRow,
    _load,
    _pk,
    rank_units,
)
from suggestions.models import Verdict
from units.models import Unit


def matches(scope: Scope, facts, as_of: date) -> bool:
    return (
        (scope.term is None or facts.term_id == _pk(scope.term))
        and (scope.meeting is None or facts.meeting_id == _pk(scope.meeting))
        and (not scope.channel or facts.channel == scope.channel)
        and (scope.category is None or facts.category_id == _pk(scope.category))
        and (not scope.key_only or facts.is_key)
        and (
            (scope.unit is None and scope.system is None)
            or any(scope.answers(a) and a.assigned_on <= as_of for a in facts.assignments)
        )
    )


def load(scope: Scope, as_of: date) -> list:
    return [s for s in _load(scope, as_of) if matches(scope, s, as_of)]


def compute(*, scope: Scope, as_of: date) -> Figures:
    return count(load(scope, as_of), scope=scope, as_of=as_of)


def compute_many(*, scope: Scope, within=(), as_of: date):
    facts = load(scope, as_of)
    subs = {
        sub: count([s for s in facts if matches(sub, s, as_of)], scope=sub, as_of=as_of)
        for sub in within
    }
    return count(facts, scope=scope, as_of=as_of), subs, unit_rows(facts, scope=scope, as_of=as_of)


def count(facts, *, scope: Scope, as_of: date) -> Figures:
    d = as_of
    assigned = [s for s in facts if s.is_assigned(d)]
    replied = [s for s in assigned if s.is_replied(d)]
    results = {letter: 0 for letter in RESULTS}
    for s in replied:
        results[s.result(d)] += 1
    latest = [v for v in (s.latest_verdict(d) for s in assigned) if v]
    first = [v for v in (s.first_round_verdict(d) for s in assigned) if v]
    categories = defaultdict(int)
    for s in assigned:
        categories[s.category] += 1
    return Figures(
        scope=scope,
        as_of=d,
        submitted=sum(1 for s in facts if s.submitted_on and s.submitted_on <= d),
        assigned=len(assigned),
        replied=len(replied),
        on_time=sum(1 for s in replied if s.is_on_time(d)),
        closed=sum(1 for s in assigned if s.is_closed(d)),
        results=results,
        with_feedback=len(latest),
        verdicts={v: latest.count(v) for v in Verdict.values},
        with_first_feedback=len(first),
        first_verdicts={v: first.count(v) for v in Verdict.values},
        replied_with_feedback=sum(1 for s in replied if s.latest_verdict(d)),
        face_to_face=sum(1 for s in replied if s.had_face_contact(d)),
        overdue=sum(1 for s in facts for a in s.assignments if a.overdue(d) and scope.answers(a)),
        by_category=[
            CategoryShare(name, n, Rate(n, len(assigned)))
            for name, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        ],
    )


def unit_rows(facts, *, scope: Scope, as_of: date) -> list[UnitRow]:
    d = as_of
    minimum = settings.PORTAL["RANKING_MIN_ASSIGNMENTS"]
    per_unit = defaultdict(list)
    for s in facts:
        for a in s.in_force(d):
            if scope.answers(a):
                per_unit[a.unit_id].append(a)
    names = dict(Unit.objects.filter(pk__in=list(per_unit)).values_list("pk", "name"))
    rows = []
    for unit_id, assignments in per_unit.items():
        replied = [a for a in assignments if a.answer is not None]
        verdicts = [a.latest_verdict for a in assignments if a.latest_verdict]
        results = {letter: 0 for letter in RESULTS}
        for a in replied:
            results[a.reply_in_force[3]] += 1
        rows.append(
            UnitRow(
                unit_id=unit_id,
                unit_name=names[unit_id],
                unit_system=assignments[0].unit_system,
                assigned=len(assignments),
                replied=len(replied),
                on_time=sum(1 for a in replied if a.on_time),
                overdue=sum(1 for a in assignments if a.overdue(d)),
                results=results,
                with_feedback=len(verdicts),
                content=sum(1 for v in verdicts if v in CONTENT),
                ranked=len(assignments) >= minimum,
            )
        )
    ranked, apart = rank_units(rows)
    return ranked + apart
