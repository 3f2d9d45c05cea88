"""What a complete stored day costs (issue 14 item 1): one congress's day, every scope of it,
takes the same number of queries whatever the number of its units and categories, on the
first run (which builds the dated facts) and after; and the first build finds the audit
trail's gaps in the database, as the watermark's reading would."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rollups import changes, services
from rollups.models import Rollup, ScopeKind, SuggestionFacts
from suggestions import workflow
from suggestions.models import AuditEvent, Suggestion
from units.models import Unit

from .factories import SuggestionFactory, UnitFactory, category

D = dt.date(2026, 6, 30)


def _congress_of(people, width: int) -> None:
    """`width` units (two systems) and `width` categories, each unit leading two suggestions
    of its category, one of them also 分办 by the next unit; one of each pair replied."""
    units = [
        UnitFactory(system=Unit.System.GOVERNMENT if i % 2 else Unit.System.COURT)
        for i in range(width)
    ]
    categories = [category(f"分类{i}") for i in range(width)]
    for i, unit in enumerate(units):
        for n in range(2):
            suggestion = SuggestionFactory(
                term=people.term,
                lead_deputy=people.deputy,
                category=categories[i],
                channel="session" if n else "recess",
            )
            suggestion = workflow.suggestion_register(actor=people.staff, suggestion=suggestion)
            roles = [(unit, "split"), (units[(i + 1) % width], "split")] if n else [(unit, "lead")]
            workflow.suggestion_assign(
                actor=people.staff, suggestion=suggestion, units=roles, assigned_on=D
            )


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


@pytest.mark.parametrize("width", [2, 8])
def test_a_full_day_takes_the_same_queries_for_any_number_of_units_and_categories(people, width):
    _congress_of(people, width)
    first = _queries(lambda: services.rollups_compute_all(as_of=D))
    again = _queries(lambda: services.rollups_compute_all(as_of=D))

    kinds = dict.fromkeys(ScopeKind.values, 0)
    for kind in Rollup.objects.filter(day=D).values_list("scope_kind", flat=True):
        kinds[kind] += 1
    # Every scope stored: the term, both channels, each category and unit, both systems.
    assert kinds == {
        "term": 1,
        "meeting": 0,
        "channel": 2,
        "category": width,
        "unit": width,
        "system": 2,
    }
    assert SuggestionFacts.objects.count() >= 2 * width
    # The same budget for 2 and for 8 units and categories (6 and 18 scopes). The first run
    # builds the facts: its extra queries are the derivation's loads and writes, one set per
    # chunk of suggestions, not per scope.
    assert again == 22
    assert first == 37


def test_the_first_build_finds_the_gaps_the_watermark_reading_would(people, journey):
    journey.assigned()
    journey.assigned()
    ids = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    suggestion = Suggestion.objects.first()
    # Ids the reading never sees (a rolled-back insert, an open transaction): holes after
    # the highest id, two of them between written ones, and the ids above the last one.
    for pk in (ids[-1] + 3, ids[-1] + 7):
        AuditEvent.objects.create(id=pk, suggestion=suggestion, action="suggestion.update")
    top = ids[-1] + 10
    now = timezone.now()
    visible = AuditEvent.objects.filter(id__lte=top).values_list("id", flat=True)
    expected = changes.gaps_after(changes.Mark(), read=list(visible), top=top, now=now)

    assert changes.gaps_below(top, now=now) == expected
    assert [g[:2] for g in expected][-3:] == [
        [ids[-1] + 1, ids[-1] + 2],
        [ids[-1] + 4, ids[-1] + 6],
        [ids[-1] + 8, top],
    ]
    assert changes.gaps_below(0, now=now) == []
