"""Stored figures: the published examples of DESIGN.md §5–6 on hand-built data, the full and
incremental rollups, and as-of reproducibility after later replies and feedback."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rollups import selectors, services, tasks
from rollups.models import Rollup, RollupChange, ScopeKind
from rollups.scopes import scope_for, scope_key
from suggestions import figures, workflow
from suggestions.models import Assignment, Feedback, Reply, Suggestion

from . import test_figures
from .factories import category
from .test_figures import assign, feedback, reply

dataset = test_figures.dataset  # five suggestions, hand-counted as of test_figures.D

TODAY = timezone.localdate()
D = test_figures.D


def build_published_report(people, *, as_of):
    """Hand-built rows for "共提出建议203件,交由政府系统办理201件 … 已解决或采纳166件 …
    正在解决24件 … 留待解决11件" and "人代会期间83件,办结率69.9%;闭会期间23件,办结率100%":
    - 203 submitted, 201 with a lead assignment (2 never assigned);
    - of the 201: 83 大会期间 (58 closed), 23 闭会期间 (all closed), 95 代表之声 (none closed);
    - results A 166, B 24, C 11; 10 replies came after their deadline;
    - categories 财政经济 14, 城乡建设 55, 科教文卫 132;
    - closed ones have feedback 满意 (so 满意和基本满意率 100%)."""
    d = as_of
    channels = ["session"] * 83 + ["recess"] * 23 + ["voice"] * 95
    closed = set(range(58)) | set(range(83, 106))
    results = ["A"] * 166 + ["B"] * 24 + ["C"] * 11
    categories = (
        [category("财政经济")] * 14 + [category("城乡建设")] * 55 + [category("科教文卫")] * 132
    )
    suggestions = Suggestion.objects.bulk_create(
        [
            Suggestion(
                term=people.term,
                number=i + 1,
                channel=channels[i] if i < 201 else "session",
                category=categories[i] if i < 201 else categories[0],
                title=f"建议{i + 1}",
                content="内容",
                lead_deputy=people.deputy,
                submitted_on=d - dt.timedelta(120),
                status=("closed" if i in closed else "replied") if i < 201 else "submitted",
                closed_on=d - dt.timedelta(1) if i in closed else None,
            )
            for i in range(203)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                suggestion=s,
                unit=people.unit,
                role="lead",
                state="replied",
                assigned_on=d - dt.timedelta(100),
                rules={},
                deadline=d - dt.timedelta(10),
            )
            for s in suggestions[:201]
        ]
    )
    replies = Reply.objects.bulk_create(
        [
            Reply(
                assignment=a,
                round=1,
                text="答复",
                result=results[i],
                signer="王局长",
                replied_on=d - dt.timedelta(5 if i >= 191 else 20),
                is_public=True,
            )
            for i, a in enumerate(assignments)
        ]
    )
    Feedback.objects.bulk_create(
        [
            Feedback(
                reply=replies[i],
                result_verdict="satisfied",
                work_verdict="satisfied",
                given_on=d - dt.timedelta(2),
                deputy=people.deputy,
            )
            for i in sorted(closed)
        ]
    )


def stored(kind, key, day):
    return selectors.figures_as_of(scope_kind=kind, scope_key=key, day=day)


def test_the_published_report_is_reproduced_from_stored_figures(people):
    build_published_report(people, as_of=D)
    services.rollups_compute_all(as_of=D)
    term = stored(ScopeKind.TERM, scope_key(people.term.pk), D)

    assert (term.submitted, term.assigned, str(term.assigned_share)) == (203, 201, "99.0%")
    assert term.results == {"A": 166, "B": 24, "C": 11, "D": 0}
    assert str(term.solved_rate) == "82.6%"
    assert str(term.result_rate("B")) == "11.9%"
    assert str(term.result_rate("C")) == "5.5%"
    assert str(term.solved_or_solving_rate) == "94.5%"
    assert [(c.category, c.assigned, str(c.share)) for c in term.by_category] == [
        ("科教文卫", 132, "65.7%"),
        ("城乡建设", 55, "27.4%"),
        ("财政经济", 14, "7.0%"),
    ]
    assert (term.on_time, str(term.on_time_rate)) == (191, "95.0%")
    assert (term.closed, str(term.completion_rate)) == (81, "40.3%")
    assert (str(term.content_rate), str(term.feedback_rate)) == ("100.0%", "40.3%")
    assert (str(term.face_to_face_rate), term.overdue) == ("0.0%", 0)

    session = stored(ScopeKind.CHANNEL, scope_key(people.term.pk, "session"), D)
    recess = stored(ScopeKind.CHANNEL, scope_key(people.term.pk, "recess"), D)
    assert (session.assigned, session.closed, str(session.completion_rate)) == (83, 58, "69.9%")
    assert (recess.assigned, str(recess.completion_rate)) == (23, "100.0%")
    express = selectors.figures_for(
        scope_kind=ScopeKind.CHANNEL, scope_key=scope_key(people.term.pk, "express"), day=D
    )
    assert (express.assigned, str(express.completion_rate)) == (0, "—")


def test_stored_figures_equal_the_live_computation_for_every_scope(people, dataset):
    count = services.rollups_compute_all(as_of=D)
    rows = list(Rollup.objects.filter(day=D))

    # term, 1 channel, 2 categories, 2 units
    assert count == len(rows) == 6
    for row in rows:
        scope = scope_for(row.scope_kind, row.scope_key)
        assert stored(row.scope_kind, row.scope_key, D) == figures.compute(scope=scope, as_of=D)
    units = selectors.unit_rows_as_of(term=people.term, day=D)
    assert units == figures.unit_figures(scope=figures.Scope(term=people.term.pk), as_of=D)


def test_a_past_day_reads_what_the_live_computation_gave_that_day(people, journey, dataset):
    scope = figures.Scope(term=people.term.pk)
    key = scope_key(people.term.pk)
    live_then = figures.compute(scope=scope, as_of=D)
    services.rollups_compute_all(as_of=D)  # the nightly run closing D

    # Later replies and feedback, and one entered late but dated before D.
    reply(people, dataset["a3"], TODAY - dt.timedelta(5))
    later = reply(people, dataset["a5"], TODAY - dt.timedelta(4), "B")
    feedback(people, later, TODAY - dt.timedelta(3), "satisfied")
    _s, (backdated,) = assign(journey, assigned_on=D - dt.timedelta(30))
    reply(people, backdated, D - dt.timedelta(1))
    services.rollups_compute_all(as_of=TODAY)

    assert stored(ScopeKind.TERM, key, D) == live_then
    assert figures.compute(scope=scope, as_of=D).replied == live_then.replied + 1
    now = stored(ScopeKind.TERM, key, TODAY)
    assert (now.replied, now.closed, now.overdue) == (6, 3, 0)


def test_every_workflow_step_marks_its_suggestion_for_the_incremental_rollup(people, journey):
    suggestion, assignment = journey.assigned()
    before = RollupChange.objects.count()
    workflow.assignment_accept(actor=people.unit_user, assignment=assignment)
    assert RollupChange.objects.count() == before + 1
    assert set(RollupChange.objects.values_list("suggestion_id", flat=True)) == {suggestion.pk}


def test_one_incremental_step_recomputes_only_the_changed_scopes(people, journey):
    journey.assigned()
    other, _ = journey.assigned(roles=(("other_unit", "lead"),), category=category("科教文卫"))
    RollupChange.objects.exclude(suggestion_id=other.pk).delete()

    assert services.rollups_recompute_changed(today=TODAY) == 4  # term, channel, category, unit
    keys = set(Rollup.objects.values_list("scope_kind", "scope_key"))
    assert (ScopeKind.UNIT, scope_key(people.term.pk, people.other_unit.pk)) in keys
    assert (ScopeKind.UNIT, scope_key(people.term.pk, people.unit.pk)) not in keys
    assert not RollupChange.objects.exists()
    term = stored(ScopeKind.TERM, scope_key(people.term.pk), TODAY)
    assert term.assigned == 2  # the term's figures count every suggestion


def test_two_rollup_runs_give_one_row_per_scope_and_day(people, dataset):
    services.rollups_compute_all(as_of=D)
    first = dict(Rollup.objects.values_list("scope_key", "figures"))
    services.rollups_compute_all(as_of=D)
    services.rollups_recompute_changed(today=D)

    assert Rollup.objects.count() == 6
    assert dict(Rollup.objects.values_list("scope_key", "figures")) == first


def test_a_lost_race_for_the_debounce_queues_nothing(people):
    assert services.rollup_schedule() is True
    assert services.rollup_schedule() is False  # one is already waiting
    services.rollups_recompute_changed(today=TODAY)  # it ran: the next change queues again
    assert services.rollup_schedule() is True


def test_a_stale_waiting_mark_is_taken_over(people):
    now = timezone.now()
    assert services.rollup_schedule(now=now - dt.timedelta(hours=1)) is True
    assert services.rollup_schedule(now=now) is True


def test_the_nightly_run_closes_yesterday_and_stores_today(people, dataset):
    assert tasks.compute_rollups_nightly.apply(args=[TODAY.isoformat()]).get() == 12
    assert set(Rollup.objects.values_list("day", flat=True)) == {TODAY - dt.timedelta(1), TODAY}


def test_the_tasks_only_delegate_and_go_to_the_rollups_queue(people, dataset):
    from congress.celery import app

    assert tasks.compute_rollups.apply(args=[D.isoformat()]).get() == 6
    assert tasks.recompute_rollups_changed.apply(args=[D.isoformat()]).get() == 6
    for task in (
        tasks.compute_rollups,
        tasks.recompute_rollups_changed,
        tasks.compute_rollups_nightly,
    ):
        assert app.amqp.router.route({}, task.name)["queue"].name == "rollups"
        assert task.acks_late


def test_the_command_computes_as_of_a_date(people, dataset):
    out = StringIO()
    call_command("compute_rollups", "--as-of", D.isoformat(), stdout=out)
    assert f"已保存 6 个范围截至 {D:%Y-%m-%d}" in out.getvalue()
    assert stored(ScopeKind.TERM, scope_key(people.term.pk), D).assigned == 5
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("compute_rollups", "--as-of", "2026-13-01")
    with pytest.raises(CommandError, match="不能晚于今天"):
        call_command("compute_rollups", "--as-of", (TODAY + dt.timedelta(1)).isoformat())


def test_reading_stored_figures_takes_one_query(people, dataset, django_assert_num_queries):
    services.rollups_compute_all(as_of=D)
    with django_assert_num_queries(1):
        stored(ScopeKind.TERM, scope_key(people.term.pk), D)
    with django_assert_num_queries(1):
        selectors.term_figures_as_of(term=people.term, day=D, kind=ScopeKind.UNIT)
