"""Every write of supervision (DESIGN.md §9), one transaction per user action.

Refusals raise the workflow's errors (`InvalidTransition`, `NotPermitted`) with Chinese
messages, so pages and the API show them as they show the workflow's. Each supervision
action writes one `AuditEvent` per suggestion it concerns (its timeline; the report counts
distinct actions from them, `suggestions.figures.supervision_counts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.conf import settings
from django.db import transaction

from suggestions import activity, attachments, dates, deadlines, notices
from suggestions.models import Assignment, AuditEvent, Suggestion
from suggestions.workflow import InvalidTransition

from . import access
from .models import (
    ACKNOWLEDGE_AUDIT_ACTION,
    AUDIT_ACTIONS,
    Acknowledgement,
    ActionKind,
    KeyTopic,
    Milestone,
    MilestoneAttachment,
    MilestoneKind,
    SupervisionAction,
    TopicState,
)

# Suggestions a topic may hold: registered or later, never refused, merged or withdrawn.
TOPIC_STATUSES = (
    Suggestion.Status.REGISTERED,
    Suggestion.Status.ASSIGNED,
    Suggestion.Status.REPLIED,
    Suggestion.Status.CLOSED,
)
MAX_TOPIC_SUGGESTIONS = 200


def _day(day: date | None, label: str, *, after: date | None = None, after_label: str = "") -> date:
    """A day something happened: today when not given, never in the future, never before
    the step it follows."""
    day = day or dates.today()
    if day > dates.today():
        raise InvalidTransition(f"{label}不能晚于今天", "future_date")
    if after is not None and day < after:
        raise InvalidTransition(
            f"{label}不能早于{after_label}({after:%Y-%m-%d})", "before_previous_step"
        )
    return day


def _require_open(topic: KeyTopic) -> None:
    if not topic.is_open:
        raise InvalidTransition("专题已完成,不能再修改", "topic_closed")


def _check_topic_fields(*, year: int, term, leaders: Sequence, suggestions: Sequence) -> None:
    start, end = term.start_date.year, (term.end_date.year if term.end_date else None)
    if year < start or (end is not None and year > end):
        raise InvalidTransition(f"年度{year}不在{term.name}的任期内", "year_outside_term")
    if not leaders:
        raise InvalidTransition("请至少选择一位领办领导", "missing_leader")
    not_leaders = [u.display_name for u in leaders if not (u.is_leader and u.is_active)]
    if not_leaders:
        raise InvalidTransition(f"领办领导必须是领导用户:{'、'.join(not_leaders)}", "not_leader")
    if len(suggestions) > MAX_TOPIC_SUGGESTIONS:
        raise InvalidTransition(f"一个专题最多包含{MAX_TOPIC_SUGGESTIONS}件建议", "too_many")
    wrong = [
        s.display_number
        for s in suggestions
        if s.term_id != term.pk or s.status not in TOPIC_STATUSES
    ]
    if wrong:
        raise InvalidTransition(
            f"专题只能包含{term.name}已立案(含已交办、已答复、已办结)的建议:{'、'.join(wrong)}",
            "bad_suggestion",
        )


@transaction.atomic
def topic_create(
    *,
    actor,
    year: int,
    term,
    title: str,
    leaders: Sequence,
    suggestions: Sequence = (),
    description: str = "",
    committee=None,
    lead_unit=None,
    co_units: Iterable = (),
) -> KeyTopic:
    access.require_topic_staff(actor)
    title = (title or "").strip()
    if not title:
        raise InvalidTransition("请填写专题名称", "missing_title")
    leaders, suggestions = list(leaders), list(suggestions)
    _check_topic_fields(year=year, term=term, leaders=leaders, suggestions=suggestions)
    topic = KeyTopic.objects.create(
        year=year,
        term=term,
        title=title,
        description=description,
        committee=committee,
        lead_unit=lead_unit,
        created_by=actor,
    )
    topic.leaders.set(leaders)
    topic.suggestions.set(suggestions)
    topic.co_units.set(list(co_units))
    return topic


@transaction.atomic
def topic_update(
    *,
    actor,
    topic: KeyTopic,
    expected_version: int | None = None,
    year: int,
    term,
    title: str,
    leaders: Sequence,
    suggestions: Sequence = (),
    description: str = "",
    committee=None,
    lead_unit=None,
    co_units: Iterable = (),
) -> KeyTopic:
    access.require_topic_staff(actor)
    topic = KeyTopic.objects.select_for_update().get(pk=topic.pk)
    _require_open(topic)
    if expected_version is not None and expected_version != topic.version:
        raise InvalidTransition("专题已被他人修改,请刷新后重试", "stale_version")
    title = (title or "").strip()
    if not title:
        raise InvalidTransition("请填写专题名称", "missing_title")
    leaders, suggestions = list(leaders), list(suggestions)
    _check_topic_fields(year=year, term=term, leaders=leaders, suggestions=suggestions)
    topic.year, topic.term, topic.title = year, term, title
    topic.description, topic.committee, topic.lead_unit = description, committee, lead_unit
    topic.version += 1
    topic.save()
    topic.leaders.set(leaders)
    topic.suggestions.set(suggestions)
    topic.co_units.set(list(co_units))
    return topic


@transaction.atomic
def milestone_add(
    *, actor, topic: KeyTopic, kind: str, planned_on: date, note: str = ""
) -> Milestone:
    access.require_topic_staff(actor)
    topic = KeyTopic.objects.select_for_update().get(pk=topic.pk)
    _require_open(topic)
    if kind not in MilestoneKind.values:
        raise InvalidTransition("环节类型不正确", "bad_kind")
    if planned_on is None:
        raise InvalidTransition("请填写计划日期", "missing_planned_on")
    return Milestone.objects.create(
        topic=topic, kind=kind, planned_on=planned_on, note=note, created_by=actor
    )


def _check_files(files: Sequence) -> list:
    """Every file passes the reply attachments' checks (type by content, size, count)."""
    try:
        attachments.check_batch(files)
    except attachments.AttachmentRefused as exc:
        raise InvalidTransition(exc.message, "attachment_refused") from None
    checked, refused = [], []
    for upload in files:
        try:
            checked.append(attachments.check(upload))
        except attachments.AttachmentRefused as exc:
            refused.append(exc.message)
    if refused:
        raise InvalidTransition(";".join(refused), "attachment_refused")
    return checked


@transaction.atomic
def milestone_record_done(
    *, actor, milestone: Milestone, done_on: date | None = None, note: str = "", files=()
) -> Milestone:
    """Record a milestone as done (on the day it happened), with its note and files."""
    access.require_topic_staff(actor)
    milestone = Milestone.objects.select_for_update().select_related("topic").get(pk=milestone.pk)
    _require_open(milestone.topic)
    if milestone.done_on is not None:
        raise InvalidTransition("该环节已完成", "already_done")
    files = list(files)
    checked = _check_files(files)
    milestone.done_on = _day(done_on, "完成日期")
    if note:
        milestone.note = note
    milestone.save(update_fields=["done_on", "note"])
    for upload, facts in zip(files, checked, strict=True):
        upload.seek(0)
        row = MilestoneAttachment(
            milestone=milestone,
            name=facts.name,
            kind=facts.kind,
            size=facts.size,
            sha256=facts.sha256,
            created_by=actor,
        )
        row.file.save(facts.name, upload, save=False)
        row.save()
    return milestone


@transaction.atomic
def topic_close(*, actor, topic: KeyTopic, closed_on: date | None = None, summary: str) -> KeyTopic:
    """已完成: with the closing summary that opens the closing report."""
    access.require_topic_staff(actor)
    topic = KeyTopic.objects.select_for_update().get(pk=topic.pk)
    _require_open(topic)
    summary = (summary or "").strip()
    if not summary:
        raise InvalidTransition("请填写办理总结", "missing_summary")
    topic.closed_on = _day(
        closed_on, "完成日期", after=date(topic.year, 1, 1), after_label="专题年度开始"
    )
    topic.state, topic.closing_summary = TopicState.DONE, summary
    topic.version += 1
    topic.save(update_fields=["closed_on", "state", "closing_summary", "version"])
    return topic


def ack_due_on(day: date) -> date:
    """An instruction is acknowledged within INSTRUCTION_ACK_WORKING_DAYS working days."""
    return deadlines.WorkCalendar.load().add_workdays(
        day, settings.PORTAL["INSTRUCTION_ACK_WORKING_DAYS"]
    )


@transaction.atomic
def action_record(
    *,
    actor,
    kind: str,
    content: str,
    topic: KeyTopic | None = None,
    suggestion: Suggestion | None = None,
    happened_on: date | None = None,
    participants: str = "",
) -> SupervisionAction:
    """督办意见, 催办 or a 视察/座谈 record, on one suggestion or a whole topic.

    1. checks the actor (leaders and committee staff) and the input;
    2. writes the action and one audit event per suggestion it concerns;
    3. 督办意见: one acknowledgement per current assignment of those suggestions, due in
       INSTRUCTION_ACK_WORKING_DAYS working days, and the units told at once;
       催办: the units of the open assignments told at once (suggestions.notices)."""
    access.require_supervisor(actor)
    if kind not in ActionKind.values:
        raise InvalidTransition("督办类型不正确", "bad_kind")
    if (topic is None) == (suggestion is None):
        raise InvalidTransition("请选择督办的建议或专题", "missing_target")
    content = (content or "").strip()
    if not content:
        label = {"instruction": "督办意见", "urge": "催办内容", "visit": "视察座谈情况"}[kind]
        raise InvalidTransition(f"请填写{label}", "missing_content")
    participants = (participants or "").strip()
    if kind == ActionKind.VISIT and not participants:
        raise InvalidTransition("请填写参加人员", "missing_participants")
    if topic is not None:
        topic = KeyTopic.objects.select_for_update().get(pk=topic.pk)
        _require_open(topic)
        targets = list(topic.suggestions.order_by("pk"))
        if not targets:
            raise InvalidTransition("专题尚未包含建议", "empty_topic")
    else:
        targets = [suggestion]
    # Lock the suggestions in id order: their timelines and assignments change together.
    locked = list(
        Suggestion.objects.select_for_update().filter(pk__in=[s.pk for s in targets]).order_by("pk")
    )
    # 督办意见 and 催办 go to handling units: a suggestion must have been assigned (a topic's
    # act concerns all its suggestions and reaches the units of those assigned).
    if kind in (ActionKind.INSTRUCTION, ActionKind.URGE):
        if not any(s.status in TOPIC_STATUSES[1:] for s in locked):
            names = "、".join(s.display_number for s in locked)
            raise InvalidTransition(f"尚未交办的建议不能督办或催办:{names}", "not_assigned")
    happened_on = _day(happened_on, "日期")
    action = SupervisionAction.objects.create(
        kind=kind,
        topic=topic,
        suggestion=suggestion if topic is None else None,
        content=content,
        happened_on=happened_on,
        participants=participants,
        actor=actor,
    )
    action.suggestions.set(locked)
    data = {"action_id": action.pk}
    if topic is not None:
        data["topic"] = topic.title
    if participants:
        data["participants"] = participants
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                happened_on=happened_on,
                actor=actor,
                action=AUDIT_ACTIONS[kind],
                suggestion=s,
                reason=content,
                data=data,
            )
            for s in locked
        ]
    )
    activity.refresh(s.pk for s in locked)
    if kind == ActionKind.VISIT:
        return action
    assignments = Assignment.objects.filter(suggestion__in=locked).select_related(
        "unit", "suggestion"
    )
    if kind == ActionKind.INSTRUCTION:
        current = list(assignments.exclude(state=Assignment.State.ENDED).order_by("pk"))
        due = ack_due_on(happened_on)
        Acknowledgement.objects.bulk_create(
            [Acknowledgement(action=action, assignment=a, due_on=due) for a in current]
        )
        notices.supervision_instructed(action, current, due_on=due)
    else:
        notices.supervision_urged(
            action, list(assignments.filter(state__in=Assignment.OPEN_STATES).order_by("pk"))
        )
    return action


@transaction.atomic
def instruction_acknowledge(
    *, actor, acknowledgement: Acknowledgement, note: str = "", acknowledged_on: date | None = None
) -> Acknowledgement:
    """The unit acknowledges a 督办意见 on its assignment (签收督办意见), with how it acts on it."""
    access.require_unit_of_acknowledgement(actor, acknowledgement)
    ack = (
        Acknowledgement.objects.select_for_update()
        .select_related("action", "assignment__suggestion")
        .get(pk=acknowledgement.pk)
    )
    if ack.acknowledged_on is not None:
        raise InvalidTransition("该督办意见已签收", "already_acknowledged")
    ack.acknowledged_on = _day(
        acknowledged_on, "签收日期", after=ack.action.happened_on, after_label="督办日期"
    )
    ack.acknowledged_by, ack.note = actor, (note or "").strip()
    ack.save(update_fields=["acknowledged_on", "acknowledged_by", "note"])
    event = AuditEvent.objects.create(
        happened_on=ack.acknowledged_on,
        actor=actor,
        action=ACKNOWLEDGE_AUDIT_ACTION,
        suggestion=ack.assignment.suggestion,
        assignment=ack.assignment,
        reason=ack.note,
        data={"action_id": ack.action_id},
    )
    activity.event_written(event)
    return ack
