"""The figures engine (issue 14) derives each suggestion's facts at D once and counts every
scope from them: it gives the numbers of the engine it replaced (tests/figures_reference.py)
for random scopes, days and workflow histories, and each figure's member list is as long as
its count."""

import datetime as dt
import random
from dataclasses import replace

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congresses.context import default_congress_id
from rollups import facts
from rollups.models import FactsMark
from suggestions import figures
from suggestions.figures import Scope
from suggestions.models import Assignment, Category, Channel, Suggestion
from units.models import UnitSystem

from . import figures_reference as reference
from .test_figures_door import _random_steps, seed


@pytest.fixture
def seeded(db):
    """Demo data; hypothesis runs every example on it (each example's steps are rolled back)."""
    seed(scale=120)


def _random_scope(rng: random.Random) -> Scope:
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    choices = {
        "meeting": [None, *Suggestion.objects.values_list("meeting_id", flat=True).distinct()],
        "channel": [None, *Channel.values],
        "category": [None, *Category.objects.values_list("pk", flat=True)],
        "unit": [None, *Assignment.objects.values_list("unit_id", flat=True).distinct()],
        "system": [None, *UnitSystem.values],
        "key_only": [False, True],
    }
    chosen = {name: rng.choice(sorted(values, key=str)) for name, values in choices.items()}
    # Mostly one or two filters, as the dashboards ask; sometimes everything at once.
    keep = rng.sample(sorted(chosen), k=rng.choice([0, 1, 2, 2, 3, 6]))
    return Scope(term=term_id, **{k: v for k, v in chosen.items() if k in keep})


# The loads pass a small scope's ids as a list and select a large one's by subquery
# (figures.ID_LIST_MAX): both must give the reference numbers.
@pytest.mark.parametrize("id_list_max", [figures.ID_LIST_MAX, 0], ids=["id list", "subquery"])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed_=st.integers(0, 10_000), steps=st.integers(0, 6), back=st.integers(0, 120))
def test_the_engine_gives_the_reference_numbers_for_random_scopes_and_histories(
    seeded, monkeypatch, id_list_max, seed_, steps, back
):
    monkeypatch.setattr(figures, "ID_LIST_MAX", id_list_max)
    rng = random.Random(seed_)
    with transaction.atomic():
        _random_steps(rng, steps)
        day = timezone.localdate() - dt.timedelta(days=back)
        scope = _random_scope(rng)
        within = [replace(scope, channel=c) for c in Channel.values if not scope.channel]
        within += [replace(scope, system=x) for x in UnitSystem.values if not scope.system]
        whole, subs, units = figures.compute_many(scope=scope, within=within, as_of=day)
        old_whole, old_subs, old_units = reference.compute_many(
            scope=scope, within=within, as_of=day
        )
        assert whole == old_whole, scope
        assert subs == old_subs, scope
        assert units == old_units, scope
        assert figures.compute(scope=scope, as_of=day) == reference.compute(scope=scope, as_of=day)
        for name, attribute in [
            ("assigned", "assigned"),
            ("replied", "replied"),
            ("on_time", "on_time"),
            ("closed", "closed"),
            ("with_feedback", "with_feedback"),
            ("with_first_feedback", "with_first_feedback"),
            ("face_to_face", "face_to_face"),
        ]:
            members = figures.figure_members(scope=scope, as_of=day, figure=name)
            assert len(members) == getattr(whole, attribute), (scope, name)
        transaction.set_rollback(True)


def test_a_suggestion_is_counted_once_in_each_scope_it_is_in(seeded):
    """A 分办 suggestion with two answering units of one system counts once for the system and
    once for each unit, as one `compute` per scope does."""
    day = timezone.localdate()
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    whole = Scope(term=term_id)
    within = [Scope(term=term_id, system=s) for s in UnitSystem.values]
    within += [
        Scope(term=term_id, unit=u)
        for u in Assignment.objects.values_list("unit_id", flat=True).distinct()
    ]
    _, subs, _ = figures.compute_many(scope=whole, within=within, as_of=day)
    for sub in within:
        assert subs[sub] == reference.compute(scope=sub, as_of=day), sub


# --- the stored dated facts (rollups.facts): the same numbers from SQL on any day ----------


def _within(scope: Scope) -> list[Scope]:
    within = [replace(scope, channel=c) for c in Channel.values if not scope.channel]
    within += [replace(scope, system=x) for x in UnitSystem.values if not scope.system]
    units = Assignment.objects.values_list("unit_id", flat=True).distinct().order_by("unit_id")
    if scope.unit is None:
        within += [replace(scope, unit=u) for u in units[:5]]
    if scope.category is None:
        within += [
            replace(scope, category=c) for c in Category.objects.values_list("pk", flat=True)
        ]
    return within


def _assert_facts_give_the_reference(scope: Scope, day: dt.date) -> None:
    within = _within(scope)
    whole, subs, units = facts.compute_many(scope=scope, within=within, as_of=day)
    old_whole, old_subs, old_units = reference.compute_many(scope=scope, within=within, as_of=day)
    assert whole == old_whole, (scope, day)
    assert subs == old_subs, (scope, day)
    assert units == old_units, (scope, day)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed_=st.integers(0, 10_000),
    before=st.integers(0, 6),
    after=st.integers(0, 4),
    back=st.integers(-30, 400),
)
def test_the_stored_facts_give_the_reference_numbers_on_any_day(seeded, seed_, before, after, back):
    """Facts derived for every day at once (`figures.dated_facts`), stored, and counted in SQL
    as of a random day give the reference engine's numbers: right after a sync, and after more
    steps the facts do not reflect yet (those suggestions are derived live)."""
    rng = random.Random(seed_)
    with transaction.atomic():
        _random_steps(rng, before)
        facts.sync()
        day = timezone.localdate() - dt.timedelta(days=back)
        scope = _random_scope(rng)
        _assert_facts_give_the_reference(scope, day)
        _random_steps(rng, after)
        _assert_facts_give_the_reference(scope, day)
        facts.sync()  # incremental: only the suggestions of the new events
        _assert_facts_give_the_reference(scope, day)
        _assert_facts_give_the_reference(Scope(term=scope.term), day)
        transaction.set_rollback(True)


def test_an_incremental_sync_derives_only_the_changed_suggestions(seeded):
    assert facts.sync() == Suggestion.objects.count()  # the first sync builds every suggestion
    assert facts.sync() == 0
    _random_steps(random.Random(3), 3)
    changed = facts.touched_since(FactsMark.objects.get(congress_id=default_congress_id()))
    assert 0 < len(changed) <= 3
    assert facts.sync() == len(changed)
    day = timezone.localdate()
    _assert_facts_give_the_reference(Scope(term=_random_scope(random.Random(1)).term), day)


def test_the_stored_facts_take_a_fixed_number_of_queries(seeded, django_assert_max_num_queries):
    facts.sync()
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    scope = Scope(term=term_id, channel=Channel.values[0], key_only=True)
    day = timezone.localdate()
    # The mark, the events it does not reflect, the categories, the units, the suggestions,
    # the assignments.
    with django_assert_max_num_queries(6):
        facts.compute_many(scope=scope, as_of=day)
    _random_steps(random.Random(5), 2)
    # … plus the live derivation of the suggestions named by the new events.
    with django_assert_max_num_queries(12):
        facts.compute_many(scope=scope, as_of=day)


def test_with_more_changes_than_the_facts_take_live_the_figures_are_derived_live(
    seeded, monkeypatch
):
    """Past `facts.TOUCHED_MAX` suggestions named by unread events, everything is derived
    live (`figures.compute_many`): the same numbers, never a partial count."""
    facts.sync()
    _random_steps(random.Random(11), 4)
    monkeypatch.setattr(facts, "TOUCHED_MAX", 0)
    assert facts.touched_since(FactsMark.objects.get(congress_id=default_congress_id())) is None
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    _assert_facts_give_the_reference(Scope(term=term_id), timezone.localdate())


def test_every_system_scope_gives_the_reference_numbers(seeded):
    """A system scope reads the rows naming one of its units: directly for a system of few
    units (法院系统), as the complement of the others' units for one of most (政府系统), and
    as "any unit" when every unit is the system's."""
    from units.models import Unit

    facts.sync()
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    day = timezone.localdate()
    counts = {s: Unit.objects.filter(system=s).count() for s in UnitSystem.values}
    others = sum(counts.values()) - counts[UnitSystem.GOVERNMENT]
    assert counts[UnitSystem.GOVERNMENT] > others and 0 < counts[UnitSystem.COURT] < others
    for system in UnitSystem.values:
        _assert_facts_give_the_reference(Scope(term=term_id, system=system), day)
    with transaction.atomic():
        Unit.objects.update(system=UnitSystem.GOVERNMENT)
        government = Scope(term=term_id, system=UnitSystem.GOVERNMENT)
        _assert_facts_give_the_reference(government, day)
        assert facts.compute_many(scope=government, as_of=day)[0].assigned > 0
        transaction.set_rollback(True)


def test_a_unit_moved_to_another_system_counts_in_it_at_once(seeded):
    """The stored facts name a suggestion's units, not their systems: a unit moved to another
    system (in the admin or by import) is counted in its new system on the next read, with
    no sync, as the reference engine counts it."""
    from units.models import Unit

    facts.sync()
    term_id = Suggestion.objects.values_list("term_id", flat=True).first()
    day = timezone.localdate()
    # One of the term's congress's units (the demo's district has units of its own).
    unit = Unit.objects.filter(
        congress_id=default_congress_id(), system=UnitSystem.GOVERNMENT, assignments__isnull=False
    ).first()
    court = Scope(term=term_id, system=UnitSystem.COURT)
    before = facts.compute_many(scope=court, as_of=day)[0]
    Unit.objects.filter(pk=unit.pk).update(system=UnitSystem.COURT)
    after = facts.compute_many(scope=court, as_of=day)[0]
    assert after.assigned > before.assigned
    _assert_facts_give_the_reference(court, day)
    _assert_facts_give_the_reference(Scope(term=term_id), day)
    _assert_facts_give_the_reference(
        Scope(term=term_id, unit=unit.pk, system=UnitSystem.COURT), day
    )
