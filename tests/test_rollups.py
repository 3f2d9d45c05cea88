"""Stored figures: the published examples of DESIGN.md §5–6 on hand-built data, complete days,
the watermark job that follows the audit trail, and back-dated events."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from rollups import changes, selectors, services, tasks
from rollups.models import Rollup, RollupDay, RollupWatermark, ScopeKind
from rollups.scopes import scope_for, scope_key
from suggestions import figures, workflow
from suggestions.models import Assignment, Feedback, Reply, Suggestion

from . import test_figures
from .factories import category
from .test_figures import feedback, reply

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
    """The stored row of a scope and day as Figures (the rows, as the job wrote them)."""
    row = Rollup.objects.filter(scope_kind=kind, scope_key=key, day=day).first()
    if row is None:
        return None
    from rollups.scopes import figures_from_json

    return figures_from_json(row.figures, scope=scope_for(kind, key), day=day)


def door(scope, day, **parts):
    return selectors.figure_set(scope=scope, as_of=day, **parts)


def test_the_published_report_is_reproduced_from_stored_figures(people):
    build_published_report(people, as_of=D)
    services.rollups_compute_all(as_of=D)
    found = door(figures.Scope(term=people.term.pk), D, breakdown=True)
    assert found.provenance.stored
    term = found.figures

    assert (term.submitted, term.assigned, str(term.assigned_share)) == (203, 201, "99.0%")
    # "交由政府系统办理201件,占总数的99%": the system scope, of the term's 提出.
    government = found.by_system["government"]
    assert (government.assigned, str(figures.Rate(government.assigned, term.submitted))) == (
        201,
        "99.0%",
    )
    assert found.by_system["court"].assigned == 0
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

    session, recess = found.by_channel["session"], found.by_channel["recess"]
    assert (session.assigned, session.closed, str(session.completion_rate)) == (83, 58, "69.9%")
    assert (recess.assigned, str(recess.completion_rate)) == (23, "100.0%")
    express = found.by_channel["express"]
    assert (express.assigned, str(express.completion_rate)) == (0, "—")


def test_stored_figures_equal_the_live_computation_for_every_scope(people, dataset):
    count = services.rollups_compute_all(as_of=D)
    rows = list(Rollup.objects.filter(day=D))

    # term, 1 channel, 2 categories, 2 units, 1 system
    assert count == len(rows) == 7
    for row in rows:
        scope = scope_for(row.scope_kind, row.scope_key)
        assert stored(row.scope_kind, row.scope_key, D) == figures.compute(scope=scope, as_of=D)
        assert door(scope, D).provenance.stored
    units = door(figures.Scope(term=people.term.pk), D, units=True).units
    assert units == figures.unit_figures(scope=figures.Scope(term=people.term.pk), as_of=D)


def test_a_back_dated_event_makes_the_stored_day_live_until_the_job_recomputes_it(
    people, journey, dataset
):
    scope = figures.Scope(term=people.term.pk)
    services.rollups_compute_all(as_of=D)  # the nightly run closing D
    services.rollups_refresh(today=TODAY)
    assert door(scope, D).provenance.stored

    # Entered today, dated before D: a reply to the overdue suggestion.
    reply(people, dataset["a3"], D - dt.timedelta(1))
    live = figures.compute(scope=scope, as_of=D)
    found = door(scope, D, units=True)
    assert not found.provenance.stored and "尚未更新" in found.provenance.label
    assert (
        found.figures == live
        and found.figures.replied
        == stored(ScopeKind.TERM, scope_key(people.term.pk), D).replied + 1
    )

    services.rollups_refresh(today=TODAY)
    found = door(scope, D, units=True)
    assert found.provenance.stored
    assert found.figures == live
    assert found.units == figures.unit_figures(scope=scope, as_of=D)


def test_a_later_event_leaves_a_past_day_stored_and_unchanged(people, journey, dataset):
    scope = figures.Scope(term=people.term.pk)
    live_then = figures.compute(scope=scope, as_of=D)
    services.rollups_compute_all(as_of=D)
    later = reply(people, dataset["a5"], TODAY - dt.timedelta(4), "B")
    feedback(people, later, TODAY - dt.timedelta(3), "satisfied")

    found = door(scope, D)
    assert found.provenance.stored and found.figures == live_then
    services.rollups_refresh(today=TODAY)
    assert stored(ScopeKind.TERM, scope_key(people.term.pk), D) == live_then
    assert door(scope, TODAY).figures == figures.compute(scope=scope, as_of=TODAY)


def test_a_correction_of_the_category_recomputes_every_stored_day(people, journey, dataset):
    services.rollups_compute_all(as_of=D - dt.timedelta(30))
    services.rollups_compute_all(as_of=D)
    science = category("科教文卫")
    s3 = dataset["s3"]
    s3.refresh_from_db()
    workflow.suggestion_update(
        actor=people.staff,
        suggestion=s3,
        expected_version=s3.version,
        changes={"category": science},
    )
    for day in (D - dt.timedelta(30), D):
        assert not door(
            figures.Scope(term=people.term.pk, category=science.pk), day
        ).provenance.stored
    services.rollups_refresh(today=TODAY)
    for day in (D - dt.timedelta(30), D):
        for row in Rollup.objects.filter(day=day):
            scope = scope_for(row.scope_kind, row.scope_key)
            found = door(scope, day)
            assert found.provenance.stored
            assert found.figures == figures.compute(scope=scope, as_of=day), scope


def test_the_job_reads_every_write_even_one_that_marks_nothing(people, journey):
    # A bulk write beside its audit events (as imports and the seeder do) reaches the figures.
    journey.assigned()
    assert services.rollups_refresh(today=TODAY) > 0  # today stored completely
    assert RollupDay.objects.filter(day=TODAY).exists()
    journey.assigned(roles=(("other_unit", "lead"),), category=category("科教文卫"))
    scope = figures.Scope(term=people.term.pk)
    assert not door(scope, TODAY).provenance.stored  # changed since: live, and it says so

    assert services.rollups_refresh(today=TODAY) == 5  # term, channel, category, unit, system
    keys = set(Rollup.objects.values_list("scope_kind", "scope_key"))
    assert (ScopeKind.UNIT, scope_key(people.term.pk, people.other_unit.pk)) in keys
    found = door(scope, TODAY, units=True)
    assert found.provenance.stored and found.figures.assigned == 2
    assert [r.unit_name for r in found.units] == sorted([people.unit.name, people.other_unit.name])
    assert RollupWatermark.objects.get().seen_to == changes.highest_event_id()


def test_a_run_with_nothing_new_writes_nothing(people, journey):
    journey.assigned()
    services.rollups_refresh(today=TODAY)
    assert services.rollups_refresh(today=TODAY) == 0


def test_two_rollup_runs_give_one_row_per_scope_and_day(people, dataset):
    services.rollups_compute_all(as_of=D)
    first = dict(Rollup.objects.values_list("scope_key", "figures"))
    services.rollups_compute_all(as_of=D)
    services.rollups_refresh(today=D)

    assert Rollup.objects.count() == 7
    assert dict(Rollup.objects.values_list("scope_key", "figures")) == first


def test_a_run_that_finds_another_in_progress_does_nothing(people, journey):
    journey.assigned()
    now = timezone.now()
    RollupWatermark.objects.create(lease_until=now + dt.timedelta(minutes=5))
    assert services.rollups_refresh(today=TODAY, now=now) == 0
    assert not Rollup.objects.exists()
    # A lease that ran out (its run died) is taken over.
    assert services.rollups_refresh(today=TODAY, now=now + dt.timedelta(minutes=6)) > 0


def test_an_event_that_was_not_visible_when_the_job_passed_it_is_read_later(people, journey):
    """An id the job passed while its transaction was still open stays a gap until seen."""
    suggestion, _ = journey.assigned()
    top = changes.highest_event_id()
    services.rollups_refresh(today=TODAY)
    # As if the newest event had been invisible: the job kept its id as a gap.
    RollupWatermark.objects.update(gaps=[[top, top, timezone.now().isoformat()]])
    RollupDay.objects.update(seen_to=top)
    scope = figures.Scope(term=people.term.pk)
    assert not door(scope, TODAY).provenance.stored
    services.rollups_refresh(today=TODAY)
    assert RollupWatermark.objects.get().gaps == []
    assert door(scope, TODAY).provenance.stored


def test_a_gap_older_than_the_settle_time_is_dropped(people):
    mark = RollupWatermark(seen_to=10, gaps=[[3, 4, "2000-01-01T00:00:00+00:00"]])
    assert changes.gaps_after(mark, read=[12], top=13, now=timezone.now())[0][:2] == [11, 11]
    assert len(changes.gaps_after(mark, read=[11, 12, 13], top=13, now=timezone.now())) == 0


def test_event_day_is_the_day_the_event_recorded(people, journey):
    _s, assignment = journey.assigned(assigned_on=TODAY - dt.timedelta(20))
    answer = reply(people, assignment, TODAY - dt.timedelta(7))
    feedback(people, answer, TODAY - dt.timedelta(3), "satisfied")
    days = {e.action: changes.event_day(e) for e in changes.load_events(Q(id__gt=0))}
    assert days["assignment.create"] == TODAY - dt.timedelta(20)
    assert days["reply.post"] == TODAY - dt.timedelta(7)
    assert days["feedback.record"] == TODAY - dt.timedelta(3)
    assert days["assignment.accept"] == TODAY


def test_event_day_is_the_day_a_person_recorded_for_a_late_entry(people, journey):
    _s, assignment = journey.assigned(assigned_on=TODAY - dt.timedelta(20))
    workflow.assignment_record_contact(
        actor=people.unit_user,
        assignment=assignment,
        kind="face",
        participants="张伟",
        summary="当面沟通",
        contacted_on=TODAY - dt.timedelta(10),
    )
    (event,) = changes.load_events(Q(action="contact.record"))
    assert changes.event_day(event) == TODAY - dt.timedelta(10)
    assert changes.affects_from(event) == TODAY - dt.timedelta(10)


def test_the_nightly_run_closes_yesterday_and_stores_today(people, dataset):
    assert tasks.compute_rollups_nightly.apply(args=[TODAY.isoformat()]).get() == 14
    assert set(Rollup.objects.values_list("day", flat=True)) == {TODAY - dt.timedelta(1), TODAY}
    assert set(RollupDay.objects.values_list("day", flat=True)) == {
        TODAY - dt.timedelta(1),
        TODAY,
    }


def test_the_tasks_only_delegate_and_go_to_the_rollups_queue(people, dataset):
    from django.conf import settings

    from congress.celery import app

    assert tasks.compute_rollups.apply(args=[D.isoformat()]).get() == 7
    assert tasks.refresh_rollups.apply(args=[TODAY.isoformat()]).get() == 7  # today, complete
    for task in (tasks.compute_rollups, tasks.refresh_rollups, tasks.compute_rollups_nightly):
        assert app.amqp.router.route({}, task.name)["queue"].name == "rollups"
        assert task.acks_late
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "rollups.tasks.refresh_rollups" in scheduled


def test_the_command_computes_as_of_a_date(people, dataset):
    out = StringIO()
    call_command("compute_rollups", "--as-of", D.isoformat(), stdout=out)
    assert f"已保存 7 个范围截至 {D:%Y-%m-%d}" in out.getvalue()
    assert stored(ScopeKind.TERM, scope_key(people.term.pk), D).assigned == 5
    with pytest.raises(CommandError, match="日期格式不正确"):
        call_command("compute_rollups", "--as-of", "2026-13-01")
    with pytest.raises(CommandError, match="不能晚于今天"):
        call_command("compute_rollups", "--as-of", (TODAY + dt.timedelta(1)).isoformat())


def test_reading_stored_figures_takes_a_few_queries(people, dataset, django_assert_num_queries):
    services.rollups_compute_all(as_of=D)
    scope = figures.Scope(term=people.term.pk)
    with django_assert_num_queries(3):  # complete days, unreflected events, the rows
        found = door(scope, D, units=True, breakdown=True)
    assert found.provenance.stored
