"""The figures of DESIGN.md §5, on small datasets made through the workflow and counted by
hand, as of a date D before today (events after D must not count)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from suggestions import figures, workflow
from suggestions.figures import Rate, Scope
from suggestions.models import Assignment, Contact

from .factories import FIVE_FIXED, category, release_follow_up, release_reply


def today() -> dt.date:
    # Read when used, not at import, so it is the date the workflow sees.
    return timezone.localdate()


def ago(days: int) -> dt.date:
    return today() - dt.timedelta(days=days)


T = ago(200)  # 交办 day of the main dataset; session deadlines (3 months) fall near ago(108)
D = ago(10)  # the as-of date of the main dataset


def unit_user(people, assignment):
    return people.unit_user if assignment.unit_id == people.unit.pk else people.other_unit_user


def assign(journey, *, roles=(("unit", "lead"),), assigned_on=T, **kwargs):
    suggestion, _ = journey.assigned(roles=roles, assigned_on=assigned_on, **kwargs)
    return suggestion, list(Assignment.objects.filter(suggestion=suggestion).order_by("id"))


def reply(people, assignment, on, result="A"):
    assignment.refresh_from_db()
    if assignment.state == Assignment.State.ASSIGNED:
        workflow.assignment_accept(
            actor=unit_user(people, assignment), assignment=assignment, **FIVE_FIXED
        )
    return release_reply(
        actor=unit_user(people, assignment),
        assignment=assignment,
        text="答复如下。",
        result=result,
        replied_on=on,
        is_public=True,
    )


def feedback(people, reply_, on, verdict):
    return workflow.feedback_record(
        actor=people.staff,
        reply=reply_,
        result_verdict=verdict,
        work_verdict="satisfied",
        remarks="仍未解决" if verdict == "dissatisfied" else "",
        given_on=on,
    )


def face_contact(people, assignment, on):
    workflow.assignment_record_contact(
        actor=unit_user(people, assignment),
        assignment=assignment,
        kind=Contact.Kind.FACE,
        contacted_on=on,
        participants="张伟代表",
        summary="当面沟通",
    )


@pytest.fixture
def dataset(people, journey):
    """Five suggestions, hand-counted as of D:
    s1 replied A on time after a face talk, feedback 满意            → replied, on time, closed
    s2 replied B late, feedback 基本满意 (category 科教文卫)          → replied, late, closed
    s3 never replied, deadline passed                                → overdue
    s4 分办: unit replies A, other unit replies C, no feedback       → replied, on time, class C
    s5 replied A, then 不满意 on T+20 (entered today, dated from the paper form): re-handling
       runs from T+20, its one-month deadline passed long before D  → not replied, overdue
    """
    s1, (a1,) = assign(journey)
    face_contact(people, a1, T + dt.timedelta(days=5))
    feedback(
        people, reply(people, a1, T + dt.timedelta(days=10)), T + dt.timedelta(20), "satisfied"
    )
    s2, (a2,) = assign(journey, category=category("科教文卫"))
    feedback(
        people, reply(people, a2, T + dt.timedelta(150), "B"), T + dt.timedelta(160), "basically"
    )
    s3, (a3,) = assign(journey)
    s4, (a4, a4b) = assign(journey, roles=(("unit", "split"), ("other_unit", "split")))
    reply(people, a4, T + dt.timedelta(10), "A")
    reply(people, a4b, T + dt.timedelta(20), "C")
    s5, (a5,) = assign(journey)
    feedback(people, reply(people, a5, T + dt.timedelta(10)), T + dt.timedelta(20), "dissatisfied")
    return {"s3": s3, "a3": a3, "s4": s4, "a4b": a4b, "s5": s5, "a5": a5}


# --- Rate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "numerator, denominator, shown",
    [
        (166, 201, "82.6%"),
        (1, 8, "12.5%"),
        (1, 16, "6.3%"),  # 6.25 rounds half-up
        (2, 3, "66.7%"),
        (201, 203, "99.0%"),  # 交由政府系统办理201件, 占总数的99%
        (24, 201, "11.9%"),
        (11, 201, "5.5%"),
        (58, 83, "69.9%"),  # 人代会期间83件, 办结率69.9%
        (23, 23, "100.0%"),
        (55, 201, "27.4%"),
        (14, 201, "7.0%"),
        (0, 5, "0.0%"),
    ],
)
def test_a_rate_is_exact_and_rounded_half_up_to_one_decimal(numerator, denominator, shown):
    assert str(Rate(numerator, denominator)) == shown


def test_a_rate_gives_its_value_as_an_exact_decimal():
    assert Rate(1, 16).percent == Decimal("6.3")
    assert Rate(166, 201).percent == Decimal("82.6")


def test_a_zero_denominator_shows_a_dash_never_zero_or_an_error():
    assert str(Rate(0, 0)) == "—"
    assert Rate(0, 0).percent is None


def test_an_empty_scope_gives_zero_counts_and_dashes(people):
    result = figures.compute(scope=Scope(term=people.term), as_of=today())
    assert (result.assigned, result.replied, result.overdue) == (0, 0, 0)
    for rate in (
        result.on_time_rate,
        result.completion_rate,
        result.solved_rate,
        result.satisfied_rate,
        result.first_content_rate,
        result.feedback_rate,
        result.face_to_face_rate,
    ):
        assert str(rate) == "—"


# --- the table of §5 -------------------------------------------------------------------------


def test_every_figure_of_the_table_matches_the_hand_count(people, dataset):
    result = figures.compute(scope=Scope(term=people.term), as_of=D)
    assert result.submitted == 5
    assert result.assigned == 5
    assert result.replied == 3  # s1, s2, s4
    assert result.on_time == 2  # s1, s4
    assert str(result.on_time_rate) == "66.7%"
    assert result.closed == 2  # s1, s2
    assert str(result.completion_rate) == "40.0%"
    assert result.results == {"A": 1, "B": 1, "C": 1, "D": 0}
    assert str(result.solved_rate) == "33.3%"
    assert str(result.solved_or_solving_rate) == "66.7%"
    assert str(result.result_rate("D")) == "0.0%"
    assert result.with_feedback == 3  # s1 满意, s2 基本满意, s5 不满意
    assert str(result.satisfied_rate) == "33.3%"
    assert str(result.basically_satisfied_rate) == "33.3%"
    assert str(result.content_rate) == "66.7%"
    assert str(result.first_content_rate) == "66.7%"
    assert result.replied_with_feedback == 2
    assert str(result.feedback_rate) == "66.7%"
    assert result.face_to_face == 1
    assert str(result.face_to_face_rate) == "33.3%"
    assert result.overdue == 2  # s3, and s5's re-handling (from T+20, due a month later)


def test_shares_by_category_are_of_the_scopes_total(people, dataset):
    shares = figures.compute(scope=Scope(term=people.term), as_of=D).by_category
    assert [(s.category, s.assigned, str(s.share)) for s in shares] == [
        ("城乡建设", 4, "80.0%"),
        ("科教文卫", 1, "20.0%"),
    ]


def test_a_scope_narrows_the_suggestions(people, dataset):
    assert figures.compute(scope=Scope(unit=people.other_unit), as_of=D).assigned == 1
    assert figures.compute(scope=Scope(unit=people.unit), as_of=D).overdue == 2
    assert figures.compute(scope=Scope(unit=people.other_unit), as_of=D).overdue == 0
    assert figures.compute(scope=Scope(channel="recess"), as_of=D).assigned == 0
    assert figures.compute(scope=Scope(category=category("科教文卫")), as_of=D).replied == 1


def test_figures_as_of_a_date_ignore_every_later_event(people, dataset):
    scope = Scope(term=people.term)
    before = figures.compute(scope=scope, as_of=D)
    reply(people, dataset["a3"], ago(5))
    later = reply(people, dataset["a5"], ago(4), "B")
    feedback(people, later, ago(3), "satisfied")
    workflow.suggestion_close(actor=people.staff, suggestion=dataset["s5"])
    assert figures.compute(scope=scope, as_of=D) == before
    now = figures.compute(scope=scope, as_of=today())
    assert (now.replied, now.closed, now.overdue) == (5, 3, 0)


# --- re-handling, follow-ups, split leads ----------------------------------------------------


def test_dissatisfaction_reopens_the_suggestion_until_the_next_rounds_reply(people, journey):
    s, (a,) = assign(journey)
    first = reply(people, a, T + dt.timedelta(10))

    def at(day):
        return figures.compute(scope=Scope(), as_of=T + dt.timedelta(day))

    assert (at(15).replied, at(15).closed) == (1, 0)
    feedback(people, first, T + dt.timedelta(20), "dissatisfied")
    assert (at(15).replied, at(25).replied, at(25).closed) == (1, 0, 0)
    second = reply(people, a, T + dt.timedelta(30), "A")
    assert (at(25).replied, at(30).replied, at(30).closed) == (0, 1, 0)
    assert (at(25).overdue, at(30).on_time) == (0, 1)
    feedback(people, second, T + dt.timedelta(40), "satisfied")
    assert at(40).closed == 1
    assert (at(40).verdicts["satisfied"], at(40).first_verdicts["dissatisfied"]) == (1, 1)


def test_a_follow_up_reply_changes_the_class_only_from_its_own_date(people, journey):
    s, (a,) = assign(journey)
    first = reply(people, a, T + dt.timedelta(10), "B")
    release_follow_up(
        actor=people.unit_user,
        reply=first,
        text="已解决。",
        result="A",
        replied_on=T + dt.timedelta(120),  # after the deadline: the matter took time
        is_public=True,
    )
    assert figures.compute(scope=Scope(), as_of=T + dt.timedelta(119)).results["B"] == 1
    assert figures.compute(scope=Scope(), as_of=T + dt.timedelta(120)).results["A"] == 1
    # On time is judged on the reply that answered, not on the later follow-up.
    assert figures.compute(scope=Scope(), as_of=T + dt.timedelta(180)).on_time == 1


def test_split_leads_take_the_highest_letter_and_wait_for_every_lead(people, journey):
    s, (a, b) = assign(journey, roles=(("unit", "split"), ("other_unit", "split")))
    reply(people, a, T + dt.timedelta(10), "A")
    assert figures.compute(scope=Scope(), as_of=T + dt.timedelta(15)).replied == 0
    reply(people, b, T + dt.timedelta(20), "B")
    assert figures.compute(scope=Scope(), as_of=T + dt.timedelta(20)).results == {
        "A": 0,
        "B": 1,
        "C": 0,
        "D": 0,
    }


def test_a_co_handler_never_counts_as_a_lead(people, journey):
    s, (a, co) = assign(journey, roles=(("unit", "lead"), ("other_unit", "co")))
    # Staff let the lead reply without the opinion: the co-handler stays open, and still
    # never counts (not replied by it, never overdue).
    workflow.co_opinion_waive(actor=people.staff, assignment=co, reason="协办单位职能已调整")
    reply(people, a, T + dt.timedelta(10))
    result = figures.compute(scope=Scope(), as_of=D)
    assert (result.replied, result.overdue) == (1, 0)


# --- deadlines and overdue -------------------------------------------------------------------


def test_overdue_counts_unanswered_leads_past_their_deadline_at_d(people, journey):
    s, (a,) = assign(journey)
    a.refresh_from_db()
    assert figures.compute(scope=Scope(), as_of=a.deadline).overdue == 0
    assert figures.compute(scope=Scope(), as_of=a.deadline + dt.timedelta(1)).overdue == 1
    reply(people, a, a.deadline + dt.timedelta(5))
    assert figures.compute(scope=Scope(), as_of=a.deadline + dt.timedelta(4)).overdue == 1
    assert figures.compute(scope=Scope(), as_of=a.deadline + dt.timedelta(5)).overdue == 0


def extend(people, assignment, to):
    request = workflow.assignment_request_extension(
        actor=people.unit_user,
        assignment=assignment,
        requested_deadline=to,
        reason="涉及多部门协调",
        deputy_informed=True,
    )
    workflow.extension_decide(actor=people.staff, request=request, approve=True)


def test_on_time_uses_the_deadline_in_force_on_the_reply_date(people, journey):
    # Both deadlines passed near ago(28) and were extended today: a reply dated today is on
    # time, one dated before the extension took effect was late.
    s1, (a1,) = assign(journey, assigned_on=ago(120))
    s2, (a2,) = assign(journey, assigned_on=ago(120))
    for a in (a1, a2):
        workflow.assignment_accept(actor=people.unit_user, assignment=a, **FIVE_FIXED)
        extend(people, a, today() + dt.timedelta(30))
    reply(people, a1, today())
    reply(people, a2, ago(5))
    result = figures.compute(scope=Scope(), as_of=today())
    assert (result.replied, result.on_time) == (2, 1)
    assert figures.compute(scope=Scope(), as_of=ago(1)).overdue == 1  # a1, before extension


def test_a_reassigned_suggestion_counts_its_replacement(people, journey):
    s, (old,) = assign(journey, assigned_on=ago(2))
    request = workflow.assignment_request_reassignment(
        actor=people.unit_user, assignment=old, reason="不属于本单位职责"
    )
    new = workflow.reassignment_decide(
        actor=people.staff, request=request, approve=True, new_unit=people.other_unit
    )
    reply(people, new, today())
    assert figures.compute(scope=Scope(), as_of=ago(1)).replied == 0
    result = figures.compute(scope=Scope(), as_of=today())
    assert (result.assigned, result.replied) == (1, 1)
    rows = figures.unit_figures(scope=Scope(), as_of=today())
    assert [(r.unit_name, r.assigned, r.replied) for r in rows] == [("市教育局", 1, 1)]


# --- staff closing ---------------------------------------------------------------------------


def test_staff_closing_counts_from_its_date(people, journey):
    s, (a,) = assign(journey)
    reply(people, a, T + dt.timedelta(10))
    s.refresh_from_db()
    workflow.suggestion_close(actor=people.staff, suggestion=s)
    assert figures.compute(scope=Scope(), as_of=ago(1)).closed == 0
    assert figures.compute(scope=Scope(), as_of=today()).closed == 1


# --- unit figures ----------------------------------------------------------------------------


def test_unit_figures_count_each_units_assignments_and_rank_above_the_minimum(people, dataset):
    rows = figures.unit_figures(scope=Scope(term=people.term), as_of=D)
    summary = [
        (r.unit_name, r.assigned, r.replied, r.on_time, r.overdue, r.solved, r.ranked) for r in rows
    ]
    assert summary == [
        ("市交通运输局", 5, 3, 2, 2, 2, True),  # s1-s5; s4's own reply is A; s3, s5 overdue
        ("市教育局", 1, 1, 1, 0, 0, False),  # s4's C, below the minimum of 5
    ]
    unit = rows[0]
    assert (str(unit.on_time_rate), str(unit.solved_rate), str(unit.content_rate)) == (
        "66.7%",
        "66.7%",
        "66.7%",
    )
    assert str(rows[1].content_rate) == "—"


def test_the_minimum_volume_is_a_setting(people, dataset, settings):
    settings.PORTAL = {**settings.PORTAL, "RANKING_MIN_ASSIGNMENTS": 1}
    rows = figures.unit_figures(scope=Scope(term=people.term), as_of=D)
    assert [r.ranked for r in rows] == [True, True]


# --- efficiency ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 30])
def test_figures_take_the_same_few_queries_whatever_the_size(
    people, journey, django_assert_max_num_queries, size
):
    for _ in range(size):
        _s, (a,) = assign(journey)
        face_contact(people, a, T + dt.timedelta(3))
        feedback(people, reply(people, a, T + dt.timedelta(10)), T + dt.timedelta(12), "satisfied")
    with django_assert_max_num_queries(6):
        result = figures.compute(scope=Scope(term=people.term), as_of=D)
    with django_assert_max_num_queries(7):
        figures.unit_figures(scope=Scope(term=people.term), as_of=D)
    assert (result.replied, result.closed, result.face_to_face) == (size, size, size)
