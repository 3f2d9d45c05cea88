"""`figures.figure_members` lists exactly the suggestions each figure counts, and the staff list
filters by it (`figure=` and `as_of=`), which the dashboards link to."""

import pytest

from suggestions import figures
from suggestions.figures import Scope

from . import test_figures
from .test_figures import D, today

dataset = test_figures.dataset  # the hand-counted five suggestions, as of D


def counts(f: figures.Figures) -> dict:
    return {
        "submitted": f.submitted,
        "assigned": f.assigned,
        "replied": f.replied,
        "on_time": f.on_time,
        "closed": f.closed,
        **{f"result_{x}": f.results[x] for x in figures.RESULTS},
        "with_feedback": f.with_feedback,
        "satisfied": f.verdicts["satisfied"],
        "basically": f.verdicts["basically"],
        "content": f.verdicts["satisfied"] + f.verdicts["basically"],
        "with_first_feedback": f.with_first_feedback,
        "first_satisfied": f.first_verdicts["satisfied"],
        "first_content": f.first_verdicts["satisfied"] + f.first_verdicts["basically"],
        "face_to_face": f.face_to_face,
        "overdue": f.overdue,  # one answering assignment per overdue suggestion here
    }


@pytest.mark.parametrize("when", ["D", "today"])
def test_each_figure_lists_as_many_suggestions_as_it_counts(people, dataset, when):
    as_of = D if when == "D" else today()
    for scope in (
        Scope(term=people.term),
        Scope(unit=people.unit),
        Scope(key_only=True),
        Scope(system=people.unit.system),
    ):
        expected = counts(figures.compute(scope=scope, as_of=as_of))
        assert set(expected) == set(figures.SUGGESTION_FIGURES)
        for name, count in expected.items():
            members = figures.figure_members(scope=scope, as_of=as_of, figure=name)
            assert len(members) == count, (scope, name)


def test_each_unit_figure_lists_the_suggestions_of_the_counted_assignments(people, dataset):
    rows = figures.unit_figures(scope=Scope(term=people.term), as_of=D)
    fields = {
        "unit_assigned": "assigned",
        "unit_replied": "replied",
        "unit_on_time": "on_time",
        "unit_overdue": "overdue",
        "unit_solved": "solved",
        **{f"unit_result_{x}": x for x in "BCD"},
        "unit_with_feedback": "with_feedback",
        "unit_content": "content",
    }
    assert set(fields) == set(figures.UNIT_FIGURES)
    for row in rows:
        scope = Scope(term=people.term, unit=row.unit_id)
        for name, attr in fields.items():
            members = figures.figure_members(scope=scope, as_of=D, figure=name)
            expected = row.results[attr] if attr in "BCD" else getattr(row, attr)
            assert len(members) == expected, (row.unit_name, name)


def test_the_list_filters_by_a_figure_as_of_a_day(client, people, dataset):
    client.force_login(people.staff)
    response = client.get(
        "/suggestions/",
        {"term": people.term.pk, "figure": "overdue", "as_of": D.isoformat()},
    )
    # s3 never replied; s5's re-handling ran from its 不满意 on T+20 and is past its month.
    assert set(response.context["page"]) == {dataset["s3"], dataset["s5"]}


def test_a_unit_figure_without_a_unit_lists_nothing(client, people, dataset):
    client.force_login(people.staff)
    response = client.get("/suggestions/", {"figure": "unit_replied"})
    assert response.context["page"].paginator.count == 0
