"""The workflow engine (DESIGN.md §3): the only code that changes a suggestion's or an
assignment's state.

Each transition is a keyword-only function that
1. locks the suggestion row (concurrent transitions on one suggestion run one after another),
2. checks the actor's right (NotPermitted) and the current state (InvalidTransition),
3. writes its rows and exactly one audit event per changed object, in one transaction.
Errors carry a Chinese message for users; `code` is an English identifier for logs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet

from congresses.context import acting_in
from congresses.errors import InvalidTransition, NotPermitted, WorkflowError
from congresses.models import Congress
from deputies.models import Deputy, Meeting, Term
from units.models import Unit

from . import access, activity, attachments, dates, deadlines, deliveries, limits, notices
from .models import (
    Assignment,
    AuditEvent,
    Category,
    Channel,
    Contact,
    CoSignature,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    FeedbackStatus,
    Forwarding,
    Opinion,
    ReassignmentRequest,
    Reply,
    ReplyDelivery,
    RequestState,
    Suggestion,
    Verdict,
)

logger = logging.getLogger(__name__)

S = Suggestion.Status
A = Assignment.State


# --- helpers --------------------------------------------------------------------------------


def _today() -> date:
    """Today, as `suggestions.dates.today` (the one clock) says."""
    return dates.today()


def _audit(
    *,
    actor,
    action: str,
    suggestion: Suggestion,
    assignment: Assignment | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    data: dict | None = None,
    on: date | None = None,
) -> AuditEvent:
    """`on` is the day the step happened when a person records it later (DESIGN.md §7); the
    event keeps it beside the moment it was entered (`at`)."""
    event = AuditEvent.objects.create(
        happened_on=on,
        actor=actor,
        action=action,
        suggestion=suggestion,
        assignment=assignment,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        data=data or {},
    )
    activity.event_written(event)
    return event


def _lock_suggestion(suggestion: Suggestion) -> Suggestion:
    return Suggestion.objects.select_for_update().get(pk=suggestion.pk)


def _lock_assignment(assignment: Assignment) -> tuple[Suggestion, Assignment]:
    suggestion = _lock_suggestion(assignment.suggestion)
    return suggestion, Assignment.objects.select_for_update().select_related("unit").get(
        pk=assignment.pk
    )


def _require_staff(actor) -> None:
    if not getattr(actor, "is_committee_staff", False):
        raise NotPermitted("只有工作人员可以进行此操作", "staff_only")


def _require_unit(actor, assignment: Assignment) -> None:
    if not (getattr(actor, "is_unit_user", False) and actor.unit_id == assignment.unit_id):
        raise NotPermitted("只有本交办的承办单位可以进行此操作", "not_this_unit")


def _is_lead_deputy(actor, suggestion: Suggestion) -> bool:
    if not getattr(actor, "is_deputy", False):
        return False
    return Deputy._base_manager.filter(
        user=actor, pk=suggestion.lead_deputy_id, term__congress_id=actor.congress_id
    ).exists()


def _require_state(obj, allowed: Iterable[str], message: str, code: str) -> None:
    current = obj.state if isinstance(obj, Assignment) else obj.status
    if current not in allowed:
        raise InvalidTransition(message, code)


def _require_text(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidTransition(f"请填写{label}", "missing_" + label)
    return value


def _require_not_future(day: date, label: str) -> None:
    if day > _today():
        raise InvalidTransition(f"{label}不能晚于今天", "future_date")


def _require_past_day(day: date, label: str, *, today: date | None = None) -> None:
    """提出 and 交办 days, whoever calls: within suggestions.dates' range. The floor here is
    dates.FLOOR (no query, so bulk imports stay cheap); forms, serializers and the import
    check the first term's start as well."""
    try:
        dates.validate_past_day(day, field_label=label, earliest=dates.FLOOR, on=today or _today())
    except ValidationError as exc:
        raise InvalidTransition(exc.messages[0], exc.code) from None


def _require_event_day(
    day: date | None, *, after: date | None, label: str, after_label: str
) -> date:
    """The day a step happened (DESIGN.md §7), today when not given: never in the future, never
    before the step it follows (`after`, named `after_label`). Returns the day."""
    day = day or _today()
    _require_not_future(day, label)
    if after is not None and day < after:
        raise InvalidTransition(
            f"{label}不能早于{after_label}({after:%Y-%m-%d})", "before_previous_step"
        )
    return day


def _set_status(suggestion: Suggestion, status: str, **fields) -> str:
    old = suggestion.status
    suggestion.status = status
    for name, value in fields.items():
        setattr(suggestion, name, value)
    suggestion.version += 1
    suggestion.save(update_fields=["status", "version", "updated_at", *fields])
    return old


def _next_number(term: Term) -> int:
    # Locking the term row serialises numbering within a term; the unique constraint
    # (term, number) is the last line of defence.
    Term.objects.select_for_update().filter(pk=term.pk).first()
    current = Suggestion.objects.filter(term=term).aggregate(m=Max("number"))["m"] or 0
    return current + 1


def _record_deadline(
    *,
    assignment: Assignment,
    kind: str,
    deadline: deadlines.Deadline,
    actor,
    reason: str = "",
    old=None,
    effective_on: date | None = None,
) -> DeadlineChange:
    return DeadlineChange.objects.create(
        assignment=assignment,
        kind=kind,
        effective_on=effective_on or _today(),
        old_deadline=old,
        base_date=deadline.base_date,
        new_deadline=deadline.date,
        explanation=deadline.explanation(),
        reason=reason,
        created_by=actor,
    )


def _lapse_pending_requests(
    *, actor, suggestion: Suggestion, assignment: Assignment, why: str
) -> None:
    """Requests still pending when their assignment is answered or ended have nothing left to
    decide: they lapse, each with its own audit event, instead of waiting forever."""
    for model, kind in ((ReassignmentRequest, "调整"), (ExtensionRequest, "延期")):
        for request in model.objects.select_for_update().filter(
            assignment=assignment, state=RequestState.PENDING
        ):
            request.state, request.decided_on, request.decision_note = (
                RequestState.LAPSED,
                _today(),
                why,
            )
            request.save(update_fields=["state", "decided_on", "decision_note"])
            _audit(
                actor=actor,
                action="request.lapse",
                suggestion=suggestion,
                assignment=assignment,
                from_state=RequestState.PENDING,
                to_state=RequestState.LAPSED,
                reason=why,
                data={"request": request.pk, "kind": kind},
            )


def _check_attachments(files: Sequence) -> list:
    """Every file must pass before any is stored; all refusals are named at once."""
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


def _mark_answered(
    *, actor, suggestion: Suggestion, assignment: Assignment, action: str, data: dict, on: date
) -> None:
    """An assignment is answered (a reply, or a co-handler's opinion): its requests lapse."""
    assignment.state = A.REPLIED
    assignment.save(update_fields=["state"])
    _lapse_pending_requests(
        actor=actor, suggestion=suggestion, assignment=assignment, why="交办已答复"
    )
    _audit(
        actor=actor,
        action=action,
        suggestion=suggestion,
        assignment=assignment,
        from_state=A.ACCEPTED,
        to_state=A.REPLIED,
        data=data,
        on=on,
    )


def _round_started_on(assignment: Assignment) -> date:
    latest = (
        assignment.deadline_changes.filter(
            kind__in=[DeadlineChange.Kind.INITIAL, DeadlineChange.Kind.REHANDLE]
        )
        .order_by("-created_at", "-id")
        .first()
    )
    return date.fromisoformat(latest.explanation["start"]) if latest else assignment.assigned_on


# --- co-signers and external tickets --------------------------------------------------------

# The external system a ticket number comes from when the caller names none: the 12345
# hotline (直通车), for the express API and the import's 外部编号 column alike.
DEFAULT_EXTERNAL_SOURCE = "12345"


class AlreadyRecorded(InvalidTransition):
    """An external ticket number already seen: `suggestion` is the one recorded for it."""

    def __init__(self, suggestion: Suggestion):
        super().__init__(
            f"外部编号 {suggestion.external_ticket} 已录入为{suggestion.display_number}",
            "ticket_seen",
        )
        self.suggestion = suggestion


def suggestion_by_ticket(source: str, ticket: str) -> Suggestion | None:
    """The suggestion recorded for an external system's ticket number, if any."""
    ticket = (ticket or "").strip()
    if not ticket:
        return None
    source = (source or "").strip() or DEFAULT_EXTERNAL_SOURCE
    return Suggestion.objects.filter(external_source=source, external_ticket=ticket).first()


def _co_signature_fields(actor, *, confirmed: bool) -> dict:
    """A new co-signature: confirmed on the co-signer's behalf when staff enter a paper form
    (and say so), else waiting for the co-signer (附议确认, DESIGN.md §8)."""
    if getattr(actor, "is_committee_staff", False) and confirmed:
        return {
            "state": CoSignature.State.CONFIRMED,
            "on_behalf": True,
            "decided_on": _today(),
            "decided_by": actor,
        }
    return {"state": CoSignature.State.PENDING}


def _name_co_signers(*, actor, suggestion: Suggestion, deputies, confirmed: bool) -> None:
    fields = _co_signature_fields(actor, confirmed=confirmed)
    CoSignature.objects.bulk_create(
        [CoSignature(suggestion=suggestion, deputy=d, **fields) for d in dict.fromkeys(deputies)]
    )


# --- suggestions ---------------------------------------------------------------------------


# The choices as sets, built once: `.values` builds a new list on every call.
_CHANNELS = frozenset(Channel.values)
_KINDS = frozenset(Suggestion.Kind.values)


def suggestion_check_new(
    *,
    term: Term | None,
    title: str,
    content: str,
    channel: str,
    lead_deputy: Deputy | None,
    kind: str = Suggestion.Kind.SUGGESTION,
    category: Category | None = None,
    meeting: Meeting | None = None,
    co_signers: Sequence[Deputy] = (),
    submitted_on: date | None = None,
    registering: bool = False,
    registered_on: date | None = None,
    today: date | None = None,
) -> list[tuple[str, WorkflowError]]:
    """Every rule a new suggestion breaks, as (field name, error): forms and imports list them
    all at once; `suggestion_create` raises the first. A missing term or lead deputy (not found
    by the caller) skips the rules that need it. An import checking 10,000 rows passes
    `today` (`_today()`, read once)."""
    broken = []
    today = today or _today()

    def rule(field: str, message: str, code: str) -> None:
        broken.append((field, InvalidTransition(message, code)))

    for field, value, label in (("title", title, "标题"), ("content", content, "内容")):
        if not (value or "").strip():
            rule(field, f"请填写{label}", "missing_" + label)
    if term is not None and meeting is not None and meeting.term_id != term.pk:
        rule("meeting", "所选会议不属于该届", "meeting_term_mismatch")
    if term is not None and lead_deputy is not None and lead_deputy.term_id != term.pk:
        rule("lead_deputy", "领衔代表不属于该届", "deputy_term_mismatch")
    if too_many := limits.too_many("co_signers", len(co_signers)):
        rule("co_signers", too_many, limits.CODE)
    if term is not None and any(d.term_id != term.pk for d in co_signers):
        rule("co_signers", "附议代表须属于该届", "deputy_term_mismatch")
    if channel not in _CHANNELS:
        rule("channel", "来源不正确", "bad_channel")
    if kind not in _KINDS:
        rule("kind", "类别不正确", "bad_kind")
    if submitted_on is not None:
        try:
            _require_past_day(submitted_on, "提出日期", today=today)
        except InvalidTransition as refused:
            rule("submitted_on", refused.message, refused.code)
    if registering and category is None:
        rule("category", "立案前请选择分类", "missing_category")
    if registering and registered_on is not None:
        try:
            # An empty 提出 day means the day of entry (today).
            _require_event_day(
                registered_on,
                after=submitted_on or today,
                label="立案日期",
                after_label="提出日期",
            )
        except InvalidTransition as exc:
            broken.append(("registered_on", exc))
    return broken


@transaction.atomic
def suggestion_create(
    *,
    actor,
    term: Term,
    title: str,
    content: str,
    channel: str,
    lead_deputy: Deputy,
    kind: str = Suggestion.Kind.SUGGESTION,
    category: Category | None = None,
    meeting: Meeting | None = None,
    co_signers: Sequence[Deputy] = (),
    submitted_on: date | None = None,
    number: int | None = None,
    co_signers_confirmed: bool = True,
    external_source: str = "",
    external_ticket: str = "",
) -> Suggestion:
    """Staff log a suggestion as submitted (numbered); a deputy starts a draft of their own.

    Co-signers named by a deputy wait for their own confirmation (附议确认); staff entering
    a paper form confirm on their behalf unless `co_signers_confirmed` is False.
    `external_ticket` (staff only) is an external system's number for the item: one already
    seen from the same `external_source` raises AlreadyRecorded with that suggestion, also
    when two identical calls race (the unique constraint decides, in a savepoint)."""
    is_staff = getattr(actor, "is_committee_staff", False)
    if not is_staff:
        if not (getattr(actor, "is_deputy", False) and lead_deputy.user_id == actor.pk):
            raise NotPermitted("代表只能以本人为领衔代表提出建议", "not_own_suggestion")
    external_ticket = (external_ticket or "").strip()
    external_source = (external_source or "").strip() or (
        DEFAULT_EXTERNAL_SOURCE if external_ticket else ""
    )
    if external_ticket and not is_staff:
        raise NotPermitted("外部编号只能由工作人员录入", "staff_only")
    broken = suggestion_check_new(
        term=term,
        title=title,
        content=content,
        channel=channel,
        lead_deputy=lead_deputy,
        kind=kind,
        meeting=meeting,
        co_signers=co_signers,
        submitted_on=submitted_on,
    )
    if broken:
        raise broken[0][1]
    title, content = title.strip(), content.strip()
    co_signers = [d for d in co_signers if d.pk != lead_deputy.pk]

    status = S.SUBMITTED if is_staff else S.DRAFT
    if status == S.SUBMITTED:
        if number is None:
            number = _next_number(term)
        elif Suggestion.objects.filter(term=term, number=number).exists():
            raise InvalidTransition(f"编号 第{number:04d}号 已被使用", "number_taken")
        submitted_on = submitted_on or _today()
    else:
        number = None
    # After the term's lock: a racing identical call that got it first has committed.
    if external_ticket and (seen := suggestion_by_ticket(external_source, external_ticket)):
        raise AlreadyRecorded(seen)
    try:
        with transaction.atomic():
            suggestion = Suggestion.objects.create(
                term=term,
                meeting=meeting,
                number=number,
                kind=kind,
                channel=channel,
                category=category,
                title=title,
                content=content,
                lead_deputy=lead_deputy,
                submitted_on=submitted_on,
                status=status,
                external_source=external_source,
                external_ticket=external_ticket,
                created_by=actor,
            )
    except IntegrityError:
        if external_ticket and (seen := suggestion_by_ticket(external_source, external_ticket)):
            raise AlreadyRecorded(seen) from None
        raise InvalidTransition(f"编号 第{number:04d}号 已被使用", "number_taken") from None
    _name_co_signers(
        actor=actor, suggestion=suggestion, deputies=co_signers, confirmed=co_signers_confirmed
    )
    _audit(
        actor=actor,
        action="suggestion.create",
        suggestion=suggestion,
        to_state=status,
        on=submitted_on,
    )
    if status == S.SUBMITTED and co_signers and not co_signers_confirmed:
        notices.co_signatures_requested(suggestion)
    return suggestion


@dataclass(frozen=True)
class NewSuggestion:
    """One suggestion to log in bulk (`suggestions_import`); `number` None takes the next free."""

    term: Term
    title: str
    content: str
    channel: str
    lead_deputy: Deputy
    kind: str = Suggestion.Kind.SUGGESTION
    category: Category | None = None
    meeting: Meeting | None = None
    co_signers: Sequence[Deputy] = ()
    submitted_on: date | None = None
    number: int | None = None
    registered_on: date | None = None  # 立案 on paper, when imported as registered
    external_source: str = ""
    external_ticket: str = ""  # an external system's number: imported once (AlreadyRecorded)


@transaction.atomic
def suggestions_import(
    *, actor, items: Sequence[NewSuggestion], register: bool, source: dict | None = None
) -> list[Suggestion]:
    """Log many suggestions at once, all or none (an Excel import): the rules of
    `suggestion_create` (and of `suggestion_register` when `register`), with the same audit
    events, written in bulk because one call per row takes minutes for 10,000 rows.

    1. Staff only; each term's row is locked, so numbering is serialised as in `_next_number`.
    2. Every item is checked; the first broken rule refuses the whole batch (callers list
       every error beforehand, see imports.validation).
    3. Given numbers must be free and unique; the others count up from the largest number.
    4. Suggestions, co-signers and audit events (create, then register) are bulk-inserted;
       imported suggestions land as 已提交 or, registered elsewhere on paper, as 已立案.
    Items whose external ticket number is already recorded are left out (returns only the
    suggestions created).
    """
    _require_staff(actor)
    items = list(items)
    term_ids = sorted({item.term.pk for item in items})
    list(Term.objects.select_for_update().filter(pk__in=term_ids).order_by("pk"))
    today = _today()
    # 5. An external ticket recorded since the check (by the express API, say) is skipped
    #    here too, under the terms' locks the API's suggestion_create also takes.
    items = _not_yet_recorded(items)
    for index, item in enumerate(items, start=1):
        broken = suggestion_check_new(
            term=item.term,
            title=item.title,
            content=item.content,
            channel=item.channel,
            lead_deputy=item.lead_deputy,
            kind=item.kind,
            category=item.category,
            meeting=item.meeting,
            co_signers=item.co_signers,
            submitted_on=item.submitted_on,
            registering=register,
            registered_on=item.registered_on,
            today=today,
        )
        if broken:
            raise InvalidTransition(f"第{index}件:{broken[0][1].message}", broken[0][1].code)

    taken: dict[int, set[int]] = {term_id: set() for term_id in term_ids}
    for term_id, number in Suggestion.objects.filter(term_id__in=term_ids).values_list(
        "term_id", "number"
    ):
        if number is not None:
            taken[term_id].add(number)
    given: dict[int, set[int]] = {term_id: set() for term_id in term_ids}
    for item in items:
        if item.number is None:
            continue
        if item.number in taken[item.term.pk] or item.number in given[item.term.pk]:
            raise InvalidTransition(f"编号 第{item.number:04d}号 已被使用", "number_taken")
        given[item.term.pk].add(item.number)
    next_number = {t: max(taken[t] | given[t], default=0) + 1 for t in term_ids}

    status = S.REGISTERED if register else S.SUBMITTED
    suggestions = []
    for item in items:
        number = item.number
        if number is None:
            number = next_number[item.term.pk]
            next_number[item.term.pk] += 1
        suggestions.append(
            Suggestion(
                term=item.term,
                meeting=item.meeting,
                number=number,
                kind=item.kind,
                channel=item.channel,
                category=item.category,
                title=item.title.strip(),
                content=item.content.strip(),
                lead_deputy=item.lead_deputy,
                submitted_on=item.submitted_on or today,
                registered_on=(item.registered_on or today) if register else None,
                status=status,
                external_source=(item.external_source or DEFAULT_EXTERNAL_SOURCE)
                if item.external_ticket
                else "",
                external_ticket=item.external_ticket,
                created_by=actor,
            )
        )
    try:
        with transaction.atomic():
            Suggestion.objects.bulk_create(suggestions, batch_size=1000)
    except IntegrityError:
        raise InvalidTransition(
            "编号或外部编号已被使用,请重新导入(已录入的外部编号将被跳过)", "number_taken"
        ) from None

    # Imported co-signers signed the paper form: staff confirm on their behalf.
    confirmed = _co_signature_fields(actor, confirmed=True)
    CoSignature.objects.bulk_create(
        [
            CoSignature(suggestion_id=suggestion.pk, deputy_id=deputy_id, **confirmed)
            for suggestion, item in zip(suggestions, items, strict=True)
            for deputy_id in dict.fromkeys(d.pk for d in item.co_signers)
            if deputy_id != item.lead_deputy.pk
        ],
        batch_size=1000,
    )
    data = source or {}
    events = []
    for suggestion in suggestions:
        events.append(
            AuditEvent(
                actor=actor,
                action="suggestion.create",
                suggestion=suggestion,
                to_state=S.SUBMITTED,
                data=data,
                happened_on=suggestion.submitted_on,
            )
        )
        if register:
            events.append(
                AuditEvent(
                    actor=actor,
                    action="suggestion.register",
                    suggestion=suggestion,
                    from_state=S.SUBMITTED,
                    to_state=S.REGISTERED,
                    data=data,
                    happened_on=suggestion.registered_on,
                )
            )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    activity.refresh(s.pk for s in suggestions)
    return suggestions


def _not_yet_recorded(items: list[NewSuggestion]) -> list[NewSuggestion]:
    tickets = {item.external_ticket for item in items if item.external_ticket}
    if not tickets:
        return items
    recorded = set(
        Suggestion.objects.filter(external_ticket__in=tickets).values_list(
            "external_source", "external_ticket"
        )
    )
    return [
        item
        for item in items
        if not item.external_ticket
        or ((item.external_source or DEFAULT_EXTERNAL_SOURCE), item.external_ticket) not in recorded
    ]


# Descriptive fields staff (or the deputy, on a draft) may correct; the workflow owns the rest.
EDITABLE_FIELDS = (
    "kind",
    "channel",
    "meeting",
    "category",
    "title",
    "content",
    "lead_deputy",
    "submitted_on",
    "co_signers",
)
FINAL_STATES = (S.CLOSED, S.REJECTED, S.MERGED, S.WITHDRAWN)
# Handled by a lower congress (分级处理): its own copy carries the text from then on.
FORWARDED_STATES = (S.FORWARDED, S.FORWARD_DONE)

# The states in which staff may take each action on a suggestion. The transitions below check
# them; pages ask `staff_actions` which buttons to offer.
STAFF_ACTION_STATES = {
    "edit": tuple(state for state in S.values if state not in FINAL_STATES + FORWARDED_STATES),
    "register": (S.SUBMITTED,),
    "reject": (S.SUBMITTED,),
    "merge": (S.SUBMITTED, S.REGISTERED),
    "assign": (S.REGISTERED, S.ASSIGNED),
    "mark_key": (S.SUBMITTED, S.REGISTERED, S.ASSIGNED, S.REPLIED),
    "close": (S.REPLIED,),
    "feedback": Reply.FEEDBACK_SUGGESTION_STATES,
    # 分级处理 before 交办 only: once units handle it here, it is this congress's to finish.
    "forward": Suggestion.AWAITING_ASSIGNMENT,
}


# The assignment states in which its unit may take each action; the transitions below check
# them and the assignment page asks `unit_actions` which forms to offer.
UNIT_ACTION_STATES = {
    "accept": (A.ASSIGNED,),
    "contact": (A.ASSIGNED, A.ACCEPTED, A.REPLIED),
    "request": Assignment.OPEN_STATES,  # reassignment or extension
    "opinion": (A.ACCEPTED,),  # co-handlers only
    "reply": (A.ACCEPTED,),  # lead and split units only
}


def unit_actions(assignment: Assignment) -> set[str]:
    """The actions the assignment's unit may take on it now."""
    allowed = {name for name, states in UNIT_ACTION_STATES.items() if assignment.state in states}
    if assignment.role == Assignment.Role.CO:
        allowed.discard("reply")
    else:
        allowed.discard("opinion")
    return allowed


def staff_actions(suggestion: Suggestion) -> set[str]:
    """The actions staff may take on this suggestion now."""
    return {name for name, states in STAFF_ACTION_STATES.items() if suggestion.status in states}


def suggestion_check_update(
    *, suggestion: Suggestion, expected_version: int, changes: dict
) -> dict:
    """The rules of an edit, for forms to show before saving; returns the cleaned changes."""
    if suggestion.version != expected_version:
        raise InvalidTransition(
            f"该建议在您打开后已被修改(第{expected_version}版 → 第{suggestion.version}版),"
            "请刷新页面查看最新内容后重新编辑",
            "stale_version",
        )
    if suggestion.status in FINAL_STATES + FORWARDED_STATES:
        raise InvalidTransition(f"“{suggestion.get_status_display()}”的建议不能修改", "final_state")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidTransition(f"不能修改:{'、'.join(sorted(unknown))}", "not_editable")
    changes = dict(changes)
    for name in ("title", "content"):
        if name in changes:
            changes[name] = _require_text(
                changes[name], Suggestion._meta.get_field(name).verbose_name
            )
    if "channel" in changes and changes["channel"] not in Channel.values:
        raise InvalidTransition("来源不正确", "bad_channel")
    meeting = changes.get("meeting", suggestion.meeting)
    if meeting is not None and meeting.term_id != suggestion.term_id:
        raise InvalidTransition("所选会议不属于该届", "meeting_term_mismatch")
    if suggestion.lead_deputy_id is None:
        # A forwarded copy: its deputies are the upper congress's, kept as text (`proposers`).
        if changes.get("lead_deputy") or changes.get("co_signers"):
            raise InvalidTransition(
                "上级人大转来的建议不能指定本级的领衔代表或附议代表", "forwarded_copy"
            )
        changes.pop("lead_deputy", None)
        changes.pop("co_signers", None)
    elif "lead_deputy" in changes and changes["lead_deputy"] is None:
        raise InvalidTransition("请选择领衔代表", "missing_lead_deputy")
    lead = changes.get("lead_deputy", suggestion.lead_deputy)
    if lead is not None and lead.term_id != suggestion.term_id:
        raise InvalidTransition("领衔代表不属于该届", "deputy_term_mismatch")
    if too_many := limits.too_many("co_signers", len(changes.get("co_signers") or ())):
        raise InvalidTransition(too_many, limits.CODE)
    if any(d.term_id != suggestion.term_id for d in changes.get("co_signers") or ()):
        raise InvalidTransition("附议代表须属于该届", "deputy_term_mismatch")
    if changes.get("submitted_on"):
        _require_past_day(changes["submitted_on"], "提出日期")
    if "co_signers" in changes:
        changes["co_signers"] = [d for d in changes["co_signers"] if d.pk != lead.pk]
    return changes


@transaction.atomic
def suggestion_update(
    *, actor, suggestion: Suggestion, expected_version: int, changes: dict
) -> Suggestion:
    """Correct a suggestion's descriptive fields. The edit is based on `expected_version`: if
    anyone changed the suggestion since, it is refused, never silently applied."""
    suggestion = _lock_suggestion(suggestion)
    may_edit = getattr(actor, "is_committee_staff", False) or (
        suggestion.status == S.DRAFT and _is_lead_deputy(actor, suggestion)
    )
    if not may_edit:
        raise NotPermitted("只有工作人员可以修改建议(代表可修改自己的草稿)", "cannot_edit")
    changes = suggestion_check_update(
        suggestion=suggestion, expected_version=expected_version, changes=changes
    )
    diff = {}
    co_signers = changes.pop("co_signers", None)
    if co_signers is not None:
        named = {
            c.deputy_id: c
            for c in suggestion.co_signatures.filter(state__in=CoSignature.NAMED).select_related(
                "deputy"
            )
        }
        old_names = sorted(c.deputy.name for c in named.values())
        new_names = sorted(d.name for d in co_signers)
        if new_names != old_names:
            wanted = {d.pk: d for d in co_signers}
            suggestion.co_signatures.filter(
                deputy_id__in=[pk for pk in named if pk not in wanted]
            ).delete()
            added = [d for pk, d in wanted.items() if pk not in named]
            # Named again after declining: asked again.
            suggestion.co_signatures.filter(deputy__in=added).delete()
            _name_co_signers(actor=actor, suggestion=suggestion, deputies=added, confirmed=True)
            diff["co_signers"] = ["、".join(old_names), "、".join(new_names)]
    for name, value in changes.items():
        old = getattr(suggestion, name)
        if old != value:
            diff[name] = [str(old or ""), str(value or "")]
            setattr(suggestion, name, value)
    if not diff:
        return suggestion
    suggestion.version += 1
    suggestion.save(
        update_fields=[n for n in diff if n != "co_signers"] + ["version", "updated_at"]
    )
    _audit(actor=actor, action="suggestion.update", suggestion=suggestion, data={"changes": diff})
    return suggestion


@transaction.atomic
def suggestion_submit(*, actor, suggestion: Suggestion) -> Suggestion:
    suggestion = _lock_suggestion(suggestion)
    if not (_is_lead_deputy(actor, suggestion) or getattr(actor, "is_committee_staff", False)):
        raise NotPermitted("只有领衔代表或工作人员可以提交", "not_lead_deputy")
    _require_state(suggestion, [S.DRAFT], "只有草稿可以提交", "not_draft")
    old = _set_status(
        suggestion,
        S.SUBMITTED,
        number=_next_number(suggestion.term),
        submitted_on=suggestion.submitted_on or _today(),
    )
    _audit(
        actor=actor,
        action="suggestion.submit",
        suggestion=suggestion,
        from_state=old,
        to_state=S.SUBMITTED,
    )
    notices.co_signatures_requested(suggestion)
    return suggestion


@transaction.atomic
def suggestion_withdraw(*, actor, suggestion: Suggestion, reason: str) -> Suggestion:
    """A deputy withdraws their own suggestion before registration; after that, staff record a
    written withdrawal. Open assignments end; everything stays in history."""
    suggestion = _lock_suggestion(suggestion)
    reason = _require_text(reason, "撤回理由")
    _require_not_forwarded_copy(suggestion, "撤回")
    if getattr(actor, "is_committee_staff", False):
        allowed = [S.DRAFT, S.SUBMITTED, S.REGISTERED, S.ASSIGNED, S.REPLIED]
    elif _is_lead_deputy(actor, suggestion):
        allowed = [S.DRAFT, S.SUBMITTED]
    else:
        raise NotPermitted("只有领衔代表或工作人员可以撤回建议", "not_lead_deputy")
    _require_state(
        suggestion,
        allowed,
        f"“{suggestion.get_status_display()}”状态的建议不能撤回",
        "cannot_withdraw",
    )
    today = _today()
    for assignment in suggestion.assignments.select_for_update().filter(
        state__in=[A.ASSIGNED, A.ACCEPTED]
    ):
        old_state = assignment.state
        assignment.state, assignment.ended_on, assignment.end_reason = A.ENDED, today, "建议已撤回"
        _lapse_pending_requests(
            actor=actor, suggestion=suggestion, assignment=assignment, why="建议已撤回"
        )
        assignment.save(update_fields=["state", "ended_on", "end_reason"])
        _audit(
            actor=actor,
            action="assignment.end",
            suggestion=suggestion,
            assignment=assignment,
            from_state=old_state,
            to_state=A.ENDED,
            reason="建议已撤回",
        )
    old = _set_status(suggestion, S.WITHDRAWN, status_note=reason)
    _audit(
        actor=actor,
        action="suggestion.withdraw",
        suggestion=suggestion,
        from_state=old,
        to_state=S.WITHDRAWN,
        reason=reason,
    )
    return suggestion


@transaction.atomic
def suggestion_register(
    *,
    actor,
    suggestion: Suggestion,
    category: Category | None = None,
    registered_on: date | None = None,
) -> Suggestion:
    """立案, on the day it happened (today when not given; not before 提出)."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion, STAFF_ACTION_STATES["register"], "只有已提交的建议可以立案", "not_submitted"
    )
    category = category or suggestion.category
    if category is None:
        raise InvalidTransition("立案前请选择分类", "missing_category")
    registered_on = _require_event_day(
        registered_on, after=suggestion.submitted_on, label="立案日期", after_label="提出日期"
    )
    old = _set_status(suggestion, S.REGISTERED, category=category, registered_on=registered_on)
    _audit(
        actor=actor,
        action="suggestion.register",
        suggestion=suggestion,
        from_state=old,
        to_state=S.REGISTERED,
        on=registered_on,
    )
    return suggestion


@transaction.atomic
def suggestion_reject(*, actor, suggestion: Suggestion, reason: str, note: str = "") -> Suggestion:
    """不予立案, with one of the typical reasons and free text (required for 其他)."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion, STAFF_ACTION_STATES["reject"], "只有已提交的建议可以不予立案", "not_submitted"
    )
    if reason not in Suggestion.RejectReason.values:
        raise InvalidTransition("请选择不予立案理由", "missing_reason")
    note = (note or "").strip()
    if reason == Suggestion.RejectReason.OTHER and not note:
        raise InvalidTransition("理由为“其他”时请填写说明", "missing_note")
    old = _set_status(suggestion, S.REJECTED, reject_reason=reason, status_note=note)
    label = Suggestion.RejectReason(reason).label
    _audit(
        actor=actor,
        action="suggestion.reject",
        suggestion=suggestion,
        from_state=old,
        to_state=S.REJECTED,
        reason=f"{label}{':' + note if note else ''}",
    )
    _report_to_sender(
        actor=actor, copy=suggestion, step="returned", reason=f"{label}{':' + note if note else ''}"
    )
    return suggestion


@transaction.atomic
def suggestion_merge(
    *, actor, suggestion: Suggestion, into: Suggestion, note: str = ""
) -> Suggestion:
    """并案: this suggestion is handled as part of `into`."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion, STAFF_ACTION_STATES["merge"], "只有已提交或已立案的建议可以并案", "cannot_merge"
    )
    if into.pk == suggestion.pk:
        raise InvalidTransition("不能并入自身", "merge_self")
    _require_not_forwarded_copy(suggestion, "并案")
    into = Suggestion.objects.get(pk=into.pk)
    if into.term_id != suggestion.term_id:
        raise InvalidTransition("只能并入同一届的建议", "merge_other_term")
    if into.status in (S.DRAFT, S.REJECTED, S.MERGED, S.WITHDRAWN):
        raise InvalidTransition(
            f"不能并入“{into.get_status_display()}”状态的建议", "merge_target_state"
        )
    old = _set_status(suggestion, S.MERGED, merged_into=into, status_note=(note or "").strip())
    _audit(
        actor=actor,
        action="suggestion.merge",
        suggestion=suggestion,
        from_state=old,
        to_state=S.MERGED,
        reason=note,
        data={"into": into.pk, "into_number": into.display_number},
    )
    return suggestion


def assignment_units_check(*, suggestion: Suggestion, units: Sequence[tuple[Unit, str]]) -> None:
    """The rules on a set of units for 交办, beside the suggestion's running assignments: at
    least one, none twice or already handling it, active units, one 主办 or several 分办 (not
    both), at least one unit answering the deputy. suggestion_assign checks them; a 预交办
    plan (planning.services) checks each item's proposal with them too."""
    if not units:
        raise InvalidTransition("请至少选择一个承办单位", "no_units")
    if too_many := limits.too_many("units", len(units)):
        raise InvalidTransition(too_many, limits.CODE)
    open_assignments = list(suggestion.assignments.exclude(state=A.ENDED))
    unit_ids = [u.pk for u, _ in units]
    if len(set(unit_ids)) != len(unit_ids):
        raise InvalidTransition("同一承办单位不能重复选择", "duplicate_unit")
    already = {a.unit_id for a in open_assignments}
    for unit, role in units:
        if role not in Assignment.Role.values:
            raise InvalidTransition("办理方式不正确", "bad_role")
        if not unit.is_active:
            raise InvalidTransition(f"{unit.name} 已停用", "inactive_unit")
        if unit.pk in already:
            raise InvalidTransition(f"{unit.name} 已在办理此建议", "unit_already_assigned")
    roles = [a.role for a in open_assignments] + [role for _, role in units]
    if roles.count(Assignment.Role.LEAD) > 1:
        raise InvalidTransition("主办单位只能有一个;多个单位分别答复请选“分办”", "several_leads")
    if Assignment.Role.LEAD in roles and Assignment.Role.SPLIT in roles:
        raise InvalidTransition("主办与分办不能同时使用", "lead_and_split")
    if not any(r in Assignment.ANSWERING_ROLES for r in roles):
        raise InvalidTransition("请至少指定一个主办或分办单位", "no_lead")


@transaction.atomic
def suggestion_assign(
    *,
    actor,
    suggestion: Suggestion,
    units: Sequence[tuple[Unit, str]],
    assigned_on: date | None = None,
) -> list[Assignment]:
    """交办 to one or more units as 主办/协办/分办. Rules are frozen onto each assignment."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion,
        STAFF_ACTION_STATES["assign"],
        "只有已立案或已交办的建议可以交办",
        "not_registered",
    )
    assignment_units_check(suggestion=suggestion, units=units)
    assigned_on = assigned_on or _today()
    _require_past_day(assigned_on, "交办日期")

    rules = deadlines.rules_for_channel(suggestion.channel, congress_id=suggestion.congress_id)
    calendar = deadlines.WorkCalendar.load()
    created = []
    for unit, role in units:
        deadline = deadlines.reply_deadline(
            assigned_on=assigned_on, rules=rules, role=role, calendar=calendar
        )
        assignment = Assignment.objects.create(
            suggestion=suggestion,
            congress_id=suggestion.congress_id,
            unit=unit,
            role=role,
            assigned_on=assigned_on,
            rules=rules.as_dict(),
            deadline=deadline.date,
            created_by=actor,
        )
        _record_deadline(
            assignment=assignment,
            kind=DeadlineChange.Kind.INITIAL,
            deadline=deadline,
            actor=actor,
            effective_on=assigned_on,
        )
        _audit(
            actor=actor,
            action="assignment.create",
            suggestion=suggestion,
            assignment=assignment,
            to_state=A.ASSIGNED,
            data={"unit": unit.name, "role": role, "deadline": deadline.date.isoformat()},
            on=assigned_on,
        )
        notices.assignment_created(assignment)
        created.append(assignment)
    if suggestion.status != S.ASSIGNED:
        old = _set_status(suggestion, S.ASSIGNED)
        _audit(
            actor=actor,
            action="suggestion.assign",
            suggestion=suggestion,
            from_state=old,
            to_state=S.ASSIGNED,
            on=assigned_on,
        )
    return created


@transaction.atomic
def suggestion_mark_key(
    *, actor, suggestion: Suggestion, is_key: bool, supervisor=None
) -> Suggestion:
    """重点建议督办: mark or unmark, naming the supervising leader."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion,
        STAFF_ACTION_STATES["mark_key"],
        f"“{suggestion.get_status_display()}”状态的建议不能设为重点",
        "cannot_mark_key",
    )
    # A key suggestion is supervised by a named leader (DESIGN.md §1 重点建议 / 督办).
    if is_key and supervisor is None:
        raise InvalidTransition("设为重点建议时请选择督办领导", "missing_supervisor")
    if is_key and not (supervisor.is_leader and supervisor.is_active):
        raise InvalidTransition("督办领导必须是领导用户", "supervisor_not_leader")
    if not is_key:
        supervisor = None
    suggestion.is_key, suggestion.supervisor = is_key, supervisor
    suggestion.version += 1
    suggestion.save(update_fields=["is_key", "supervisor", "version", "updated_at"])
    _audit(
        actor=actor,
        action="suggestion.mark_key" if is_key else "suggestion.unmark_key",
        suggestion=suggestion,
        data={"supervisor": supervisor.display_name if supervisor else ""},
    )
    return suggestion


def _last_answer_day(suggestion: Suggestion) -> date | None:
    """The latest reply or feedback on the suggestion's running assignments: 办结 follows it."""
    replies = Reply.objects.filter(assignment__suggestion=suggestion, assignment__state=A.REPLIED)
    days = [
        replies.aggregate(m=Max("replied_on"))["m"],
        Feedback.objects.filter(reply__in=replies).aggregate(m=Max("given_on"))["m"],
    ]
    days = [d for d in days if d is not None]
    return max(days) if days else None


@transaction.atomic
def suggestion_close(
    *, actor, suggestion: Suggestion, note: str = "", closed_on: date | None = None
) -> Suggestion:
    """办结: every answering unit has replied and no re-handling is open. On the day it
    happened (today when not given), not before the last reply or feedback."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    _require_state(
        suggestion, STAFF_ACTION_STATES["close"], "只有全部答复后的建议可以办结", "not_replied"
    )
    closed_on = _require_event_day(
        closed_on,
        after=_last_answer_day(suggestion),
        label="办结日期",
        after_label="最后一次答复或反馈日期",
    )
    old = _set_status(suggestion, S.CLOSED, closed_on=closed_on)
    _audit(
        actor=actor,
        action="suggestion.close",
        suggestion=suggestion,
        from_state=old,
        to_state=S.CLOSED,
        reason=note,
        on=closed_on,
    )
    _report_to_sender(actor=actor, copy=suggestion, step="closed", on=closed_on)
    return suggestion


# --- 分级处理: forwarding to a lower congress (DESIGN.md §11) ---------------------------------


def forward_targets(congress_id: int) -> QuerySet:
    """The congresses a congress's staff may forward to: its active direct lower congresses."""
    return Congress.objects.filter(parent_id=congress_id, is_active=True).order_by("id")


def _proposers_text(suggestion: Suggestion) -> str:
    """Who proposed it, by name only: in the lower congress they hold no seat, and their
    contact data stays with their own congress; a deputy whose identity is confidential is
    not named at all."""

    if suggestion.lead_deputy_id is None:  # forwarded on again: as it came
        return suggestion.proposers

    def name(deputy) -> str:
        # As exports write it (access.CONFIDENTIAL_NAME): the copy reaches another congress.
        return access.CONFIDENTIAL_NAME if deputy.identity_confidential else deputy.name

    lead = name(suggestion.lead_deputy)
    co = [
        name(c.deputy)
        for c in suggestion.co_signatures.filter(state__in=CoSignature.COUNTED)
        .select_related("deputy")
        .order_by("id")
    ]
    text = f"{suggestion.term.name}代表 {lead}(领衔)"
    return text + (f"、{'、'.join(co)}(附议)" if co else "")


@transaction.atomic
def suggestion_forward_down(
    *, actor, suggestion: Suggestion, to_congress, note: str = "", forwarded_on: date | None = None
) -> Forwarding:
    """分级处理: the sender's staff hand a suggestion to an active direct lower congress.

    1. Only before 交办 (已提交 or 已立案): once this congress's units handle it, it is this
       congress's to finish; a suggestion others were merged into stays too.
    2. The copy is the lower congress's own, made while acting in it: its current term, its
       own next number, a category of the same name if it has one, the deputies as text
       (`proposers`), 闭会期间 (received between that congress's meetings), 已提交 — its
       staff then 立案/交办 it as any other.
    3. The original becomes 已转下级办理: never 交办/答复/办结 in the sender's figures (it has
       no assignment there); its result comes back through `_report_to_sender`.
    One audit event on each side; the lower congress's staff are told."""
    _require_staff(actor)
    suggestion = _lock_suggestion(suggestion)
    if actor.congress_id != suggestion.congress_id:
        raise NotPermitted("只有本级人大的工作人员可以转交", "other_congress")
    _require_state(
        suggestion,
        STAFF_ACTION_STATES["forward"],
        f"“{suggestion.get_status_display()}”的建议不能转交,只有尚未交办的建议可以转交下级人大",
        "cannot_forward",
    )
    if suggestion.merged_from.exists():
        raise InvalidTransition("已有建议并入本件,不能转交下级人大", "has_merged")
    target = Congress.objects.filter(pk=getattr(to_congress, "pk", to_congress)).first()
    if target is None or target.parent_id != suggestion.congress_id or not target.is_active:
        raise InvalidTransition("只能转交本级人大的下级人大", "not_a_lower_congress")
    forwarded_on = _require_event_day(
        forwarded_on, after=suggestion.submitted_on, label="转办日期", after_label="提出日期"
    )
    note = (note or "").strip()
    sender = Congress.objects.get(pk=suggestion.congress_id)
    category_name = suggestion.category.name if suggestion.category_id else ""
    # Read here, in the sender's congress: acting in the lower one, its deputies are not
    # visible (row-level security).
    proposers = _proposers_text(suggestion)
    with acting_in(target):
        term = Term.objects.filter(is_current=True).first()
        if term is None:
            raise InvalidTransition(f"{target.name}尚未设置本届,不能转交", "no_current_term")
        copy = Suggestion.objects.create(
            congress=target,
            term=term,
            number=_next_number(term),
            kind=suggestion.kind,
            channel=Channel.RECESS,
            category=Category.objects.filter(name=category_name, is_active=True).first()
            if category_name
            else None,
            title=suggestion.title,
            content=suggestion.content,
            lead_deputy=None,
            proposers=proposers,
            submitted_on=forwarded_on,
            status=S.SUBMITTED,
            created_by=actor,
        )
        _audit(
            actor=actor,
            action="suggestion.forwarded_in",
            suggestion=copy,
            to_state=S.SUBMITTED,
            reason=note,
            data={"from_congress": sender.name},
            on=forwarded_on,
        )
    forwarding = Forwarding.objects.create(
        original=suggestion,
        copy=copy,
        from_congress=sender,
        to_congress=target,
        note=note,
        from_state=suggestion.status,
        category_name=category_name,
        forwarded_by=actor,
        forwarded_on=forwarded_on,
    )
    old = _set_status(suggestion, S.FORWARDED)
    _audit(
        actor=actor,
        action="suggestion.forward_down",
        suggestion=suggestion,
        from_state=old,
        to_state=S.FORWARDED,
        reason=note,
        data={"congress": target.name},
        on=forwarded_on,
    )
    notices.forwarded_in(forwarding)
    return forwarding


def _require_not_forwarded_copy(suggestion: Suggestion, what: str) -> None:
    """A copy ends by 办结 or 不予立案 only, so that its result always goes back."""
    if suggestion.lead_deputy_id is None:
        raise InvalidTransition(
            f"上级人大转来的建议不能{what};不属本级办理的,请不予立案,退回上级人大",
            "forwarded_copy",
        )


def _report_to_sender(
    *,
    actor,
    copy: Suggestion,
    step: str,
    reply: Reply | None = None,
    on: date | None = None,
    reason: str = "",
) -> None:
    """The lower congress's step on a forwarded copy goes back to the sender, in the same
    transaction: `step` "replied" (a reply released to the deputy), "closed" (办结) or
    "returned" (不予立案). The Forwarding records the result and the original's timeline
    shows it, with the lower congress's name.

    This writes into the sender's records on purpose, acting in the sender's congress for
    the block; the lower congress's pages still never show the original. Only a forwarded
    copy has no lead deputy (`Suggestion.lead_deputy`), so other suggestions cost no query."""
    if copy.lead_deputy_id is not None:
        return
    forwarding = (
        Forwarding.objects.select_for_update()
        .select_related("to_congress")
        .filter(copy_id=copy.pk)
        .first()
    )
    if forwarding is None or forwarding.state in (
        Forwarding.State.CLOSED,
        Forwarding.State.RETURNED,
    ):
        return
    name = forwarding.to_congress.name
    with acting_in(forwarding.from_congress_id):
        original = _lock_suggestion(Suggestion(pk=forwarding.original_id))
        fields = ["state"]
        if step == "replied":
            forwarding.state = Forwarding.State.REPLIED
            forwarding.result, forwarding.replied_on = reply.result, reply.replied_on
            forwarding.result_summary = reply.summary or _summary(reply.text)
            fields += ["result", "replied_on", "result_summary"]
            _audit(
                actor=actor,
                action="forwarding.replied",
                suggestion=original,
                reason=forwarding.result_summary,
                data={"congress": name, "reply_result": reply.get_result_display()},
                on=reply.replied_on,
            )
        elif step == "closed":
            forwarding.state, forwarding.closed_on = Forwarding.State.CLOSED, on
            fields.append("closed_on")
            old = _set_status(original, S.FORWARD_DONE)
            _audit(
                actor=actor,
                action="forwarding.closed",
                suggestion=original,
                from_state=old,
                to_state=S.FORWARD_DONE,
                data={"congress": name},
                on=on,
            )
        else:
            forwarding.state, forwarding.returned_reason = Forwarding.State.RETURNED, reason
            fields.append("returned_reason")
            # Back where it was before forwarding: the sender's staff handle it themselves.
            old = _set_status(original, forwarding.from_state)
            _audit(
                actor=actor,
                action="forwarding.returned",
                suggestion=original,
                from_state=old,
                to_state=forwarding.from_state,
                reason=reason,
                data={"congress": name},
            )
        forwarding.save(update_fields=fields)
        notices.forwarding_reported(forwarding, original=original, step=step)
        # Forwarded on again (市 → 县 → 乡): the result goes on up, acting in each congress.
        if step in ("replied", "closed"):
            _report_to_sender(actor=actor, copy=original, step=step, reply=reply, on=on)


def _summary(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


class BulkRefused(InvalidTransition):
    """A bulk action refused as a whole; `failures` names each suggestion and its reason."""

    def __init__(self, failures: list[str]):
        super().__init__(f"未执行任何操作,以下{len(failures)}件不符合条件", "bulk_refused")
        self.failures = failures


@transaction.atomic
def _apply_all(items: Iterable, step, label) -> int:
    """Run `step(item)` (one transition) on every item, all or nothing: any refusal undoes
    them all, and every refusal is reported as "<label(item)>:<reason>" (BulkRefused). More
    items than the bulk limit are refused before any is touched (a queryset is read only up
    to it)."""
    most = limits.limit("bulk")
    items = list(items[: most + 1] if isinstance(items, QuerySet) else items)
    if too_many := limits.too_many("bulk", len(items)):
        raise InvalidTransition(too_many, limits.CODE)
    failures, count = [], 0
    for item in items:
        try:
            with transaction.atomic():
                step(item)
            count += 1
        except NotPermitted:
            raise
        except WorkflowError as exc:
            failures.append(f"{label(item)}:{exc.message}")
    if failures:
        raise BulkRefused(failures)
    return count


def suggestions_apply(*, suggestions: Iterable[Suggestion], step) -> int:
    """One transition on many suggestions (list and admin bulk actions), all or nothing."""
    return _apply_all(suggestions, step, lambda s: s.display_number)


def unit_requests_apply(*, requests: Iterable, step) -> int:
    """One decision on many reassignment or extension requests (admin), all or nothing."""
    return _apply_all(requests, step, lambda r: f"{r.assignment.suggestion.display_number} {r}")


# --- assignments ---------------------------------------------------------------------------


# 经办人电话: an 11-digit mobile, or a landline with its area code (0xx-xxxxxxxx, an
# extension after a dash); spaces and dashes between digit groups are allowed.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")


def handler_phone_clean(phone: str) -> str:
    """The handler's phone as stored (mobile digits only; a landline with one dash after the
    area code), or "" when it is not a phone number."""
    squeezed = re.sub(r"\s", "", phone or "")
    digits = squeezed.replace("-", "")
    if _MOBILE.fullmatch(digits):
        return digits
    if _LANDLINE.fullmatch(squeezed) or _LANDLINE.fullmatch(digits):
        return squeezed
    return ""


def _five_fixed(
    assignment: Assignment, *, responsible_leader: str, handler_name: str, handler_phone: str
) -> dict:
    """五定 at 签收 (DESIGN.md §9): the 分管领导 and the 经办人 with a phone. Required of the
    units that answer the deputy (主办/分办), whose handler is the deputy's contact; a
    co-handler (协办) only writes an opinion to the lead, so it may leave them out, but what
    it gives is checked the same way."""
    values = {
        "responsible_leader": (responsible_leader or "").strip(),
        "handler_name": (handler_name or "").strip(),
        "handler_phone": (handler_phone or "").strip(),
    }
    labels = {
        "responsible_leader": "分管领导",
        "handler_name": "经办人",
        "handler_phone": "经办人电话",
    }
    if assignment.answers_deputy:
        missing = [labels[k] for k, v in values.items() if not v]
        if missing:
            raise InvalidTransition(
                f"主办、分办单位签收时须填写{'、'.join(missing)}", "five_fixed_missing"
            )
    for key, value in values.items():
        if len(value) > Assignment._meta.get_field(key).max_length:
            raise InvalidTransition(f"{labels[key]}过长", "five_fixed_too_long")
    if values["handler_phone"]:
        values["handler_phone"] = handler_phone_clean(values["handler_phone"])
        if not values["handler_phone"]:
            raise InvalidTransition(
                "经办人电话格式不正确:请填写11位手机号码或带区号的固定电话(如 010-12345678)",
                "bad_handler_phone",
            )
    return values


@transaction.atomic
def assignment_accept(
    *,
    actor,
    assignment: Assignment,
    accepted_on: date | None = None,
    responsible_leader: str = "",
    handler_name: str = "",
    handler_phone: str = "",
) -> Assignment:
    """签收, on the day it happened (today when not given; not before 交办), naming the
    五定 people (`_five_fixed`)."""
    _require_unit(actor, assignment)
    suggestion, assignment = _lock_assignment(assignment)
    _require_state(
        assignment, UNIT_ACTION_STATES["accept"], "该交办已签收或已结束", "not_pending_acceptance"
    )
    accepted_on = _require_event_day(
        accepted_on, after=assignment.assigned_on, label="签收日期", after_label="交办日期"
    )
    five_fixed = _five_fixed(
        assignment,
        responsible_leader=responsible_leader,
        handler_name=handler_name,
        handler_phone=handler_phone,
    )
    assignment.state, assignment.accepted_on = A.ACCEPTED, accepted_on
    for key, value in five_fixed.items():
        setattr(assignment, key, value)
    assignment.save(update_fields=["state", "accepted_on", *five_fixed])
    _audit(
        actor=actor,
        action="assignment.accept",
        suggestion=suggestion,
        assignment=assignment,
        from_state=A.ASSIGNED,
        to_state=A.ACCEPTED,
        on=accepted_on,
        data=five_fixed,
    )
    return assignment


def _open_unit_request(*, actor, assignment: Assignment, reason: str, what: str, model):
    """What every unit request checks first: the unit's own open assignment, a reason, and no
    request of the same kind still pending."""
    _require_unit(actor, assignment)
    suggestion, assignment = _lock_assignment(assignment)
    _require_state(
        assignment,
        UNIT_ACTION_STATES["request"],
        f"该交办已答复或已结束,不能申请{what}",
        "not_open",
    )
    reason = _require_text(reason, f"{what}理由")
    if model.objects.filter(assignment=assignment, state=RequestState.PENDING).exists():
        raise InvalidTransition(f"已有待审核的{what}申请", "request_pending")
    return suggestion, assignment, reason


@transaction.atomic
def assignment_request_reassignment(
    *, actor, assignment: Assignment, reason: str, suggested_unit: Unit | None = None
) -> ReassignmentRequest:
    """申请调整, only within the window after assignment."""
    suggestion, assignment, reason = _open_unit_request(
        actor=actor, assignment=assignment, reason=reason, what="调整", model=ReassignmentRequest
    )
    rules = deadlines.Rules.from_dict(assignment.rules)
    window_end = deadlines.reassignment_window_end(assigned_on=assignment.assigned_on, rules=rules)
    if _today() > window_end:
        raise InvalidTransition(
            f"申请调整须在交办后{rules.reassign_window_days}日内提出(截至 {window_end:%Y-%m-%d})",
            "window_passed",
        )
    request = ReassignmentRequest.objects.create(
        assignment=assignment,
        reason=reason,
        requested_on=_today(),
        suggested_unit=suggested_unit,
        requested_by=actor,
    )
    _audit(
        actor=actor,
        action="reassignment.request",
        suggestion=suggestion,
        assignment=assignment,
        reason=reason,
        data={
            "request": request.pk,
            "suggested_unit": suggested_unit.name if suggested_unit else "",
        },
    )
    return request


@transaction.atomic
def reassignment_decide(
    *,
    actor,
    request: ReassignmentRequest,
    approve: bool,
    note: str = "",
    new_unit: Unit | None = None,
    decided_on: date | None = None,
) -> Assignment | None:
    """Approve: the old assignment ends (kept in history) and a new one starts with a fresh
    deadline. Reject: the assignment stays as it was. Returns the new assignment, if any.
    The decision's day (today when not given; not before the request) is the day the old
    assignment ends and the new one's clock starts."""
    _require_staff(actor)
    suggestion, assignment = _lock_assignment(request.assignment)
    request = ReassignmentRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise InvalidTransition("该申请已审核", "already_decided")
    note = (note or "").strip()
    today = _require_event_day(
        decided_on, after=request.requested_on, label="审核日期", after_label="申请日期"
    )
    if not approve:
        if not note:
            raise InvalidTransition("不同意调整时请填写审核意见", "missing_note")
        request.state, request.decided_by, request.decided_on, request.decision_note = (
            RequestState.REJECTED,
            actor,
            today,
            note,
        )
        request.save(update_fields=["state", "decided_by", "decided_on", "decision_note"])
        _audit(
            actor=actor,
            action="reassignment.reject",
            suggestion=suggestion,
            assignment=assignment,
            reason=note,
            data={"request": request.pk},
            on=today,
        )
        notices.request_decided(request, what="调整", approved=False)
        return None

    new_unit = new_unit or request.suggested_unit
    if new_unit is None:
        raise InvalidTransition("申请未提出建议承办单位,请选择新的承办单位后再同意", "missing_unit")
    if new_unit.pk == assignment.unit_id:
        raise InvalidTransition("新的承办单位不能与原单位相同", "same_unit")
    if not new_unit.is_active:
        raise InvalidTransition(f"{new_unit.name} 已停用", "inactive_unit")
    if suggestion.assignments.filter(unit=new_unit).exclude(state=A.ENDED).exists():
        raise InvalidTransition(f"{new_unit.name} 已在办理此建议", "unit_already_assigned")
    request.state, request.decided_by, request.decided_on, request.decision_note = (
        RequestState.APPROVED,
        actor,
        today,
        note,
    )
    request.save(update_fields=["state", "decided_by", "decided_on", "decision_note"])
    old_state = assignment.state
    assignment.state, assignment.ended_on, assignment.end_reason = A.ENDED, today, "调整承办单位"
    assignment.save(update_fields=["state", "ended_on", "end_reason"])
    _lapse_pending_requests(
        actor=actor, suggestion=suggestion, assignment=assignment, why="已调整承办单位"
    )

    rules = deadlines.rules_for_channel(suggestion.channel, congress_id=suggestion.congress_id)
    deadline = deadlines.reply_deadline(
        assigned_on=today, rules=rules, role=assignment.role, calendar=deadlines.WorkCalendar.load()
    )
    new = Assignment.objects.create(
        suggestion=suggestion,
        congress_id=suggestion.congress_id,
        unit=new_unit,
        role=assignment.role,
        assigned_on=today,
        rules=rules.as_dict(),
        deadline=deadline.date,
        created_by=actor,
    )
    assignment.replaced_by = new
    assignment.save(update_fields=["replaced_by"])
    _record_deadline(
        assignment=new,
        kind=DeadlineChange.Kind.INITIAL,
        deadline=deadline,
        actor=actor,
        reason="调整承办单位",
        effective_on=today,
    )
    _audit(
        actor=actor,
        action="reassignment.approve",
        suggestion=suggestion,
        assignment=assignment,
        from_state=old_state,
        to_state=A.ENDED,
        reason=note,
        data={"request": request.pk, "new_unit": new_unit.name},
        on=today,
    )
    _audit(
        actor=actor,
        action="assignment.create",
        suggestion=suggestion,
        assignment=new,
        to_state=A.ASSIGNED,
        data={
            "unit": new_unit.name,
            "role": new.role,
            "deadline": deadline.date.isoformat(),
            "replaces": assignment.pk,
        },
        on=today,
    )
    notices.request_decided(request, what="调整", approved=True)
    notices.assignment_created(new)
    return new


@transaction.atomic
def assignment_request_extension(
    *, actor, assignment: Assignment, requested_deadline: date, reason: str, deputy_informed: bool
) -> ExtensionRequest:
    """申请延期, within the cap, having told the deputy why."""
    suggestion, assignment, reason = _open_unit_request(
        actor=actor, assignment=assignment, reason=reason, what="延期", model=ExtensionRequest
    )
    if not deputy_informed:
        raise InvalidTransition("申请延期前须向代表说明理由", "deputy_not_informed")
    _validated_extension(assignment, requested_deadline)
    request = ExtensionRequest.objects.create(
        assignment=assignment,
        reason=reason,
        requested_on=_today(),
        requested_deadline=requested_deadline,
        deputy_informed=True,
        requested_by=actor,
    )
    _audit(
        actor=actor,
        action="extension.request",
        suggestion=suggestion,
        assignment=assignment,
        reason=reason,
        data={"request": request.pk, "requested_deadline": requested_deadline.isoformat()},
    )
    return request


def _validated_extension(assignment: Assignment, requested: date) -> deadlines.Deadline:
    try:
        return deadlines.extended_deadline(
            round_started_on=_round_started_on(assignment),
            current=assignment.deadline,
            requested=requested,
            rules=deadlines.Rules.from_dict(assignment.rules),
            calendar=deadlines.WorkCalendar.load(),
        )
    except deadlines.DeadlineError as exc:
        raise InvalidTransition(str(exc), "extension_out_of_bounds") from None


@transaction.atomic
def extension_decide(
    *,
    actor,
    request: ExtensionRequest,
    approve: bool,
    note: str = "",
    decided_on: date | None = None,
) -> ExtensionRequest:
    """Approve or reject an extension request. The decision's day (today when not given; not
    before the request) is the day the new deadline takes effect."""
    _require_staff(actor)
    suggestion, assignment = _lock_assignment(request.assignment)
    request = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != RequestState.PENDING:
        raise InvalidTransition("该申请已审核", "already_decided")
    note = (note or "").strip()
    today = _require_event_day(
        decided_on, after=request.requested_on, label="审核日期", after_label="申请日期"
    )
    if approve:
        if not assignment.is_open:
            raise InvalidTransition("该交办已答复或已结束,无需延期", "not_open")
        deadline = _validated_extension(assignment, request.requested_deadline)
        old = assignment.deadline
        assignment.deadline = deadline.date
        assignment.save(update_fields=["deadline"])
        _record_deadline(
            assignment=assignment,
            kind=DeadlineChange.Kind.EXTENSION,
            deadline=deadline,
            actor=actor,
            reason=request.reason,
            old=old,
            effective_on=today,
        )
    elif not note:
        raise InvalidTransition("不同意延期时请填写审核意见", "missing_note")
    request.state = RequestState.APPROVED if approve else RequestState.REJECTED
    request.decided_by, request.decided_on, request.decision_note = actor, today, note
    request.save(update_fields=["state", "decided_by", "decided_on", "decision_note"])
    _audit(
        actor=actor,
        action="extension.approve" if approve else "extension.reject",
        suggestion=suggestion,
        assignment=assignment,
        reason=note,
        data={"request": request.pk, "deadline": assignment.deadline.isoformat()},
        on=today,
    )
    notices.request_decided(request, what="延期", approved=approve)
    return request


@transaction.atomic
def assignment_record_contact(
    *,
    actor,
    assignment: Assignment,
    kind: str,
    participants: str,
    summary: str,
    contacted_on: date | None = None,
) -> Contact:
    """面商/沟通 record, on the day it happened (today when not given; not before 交办)."""
    _require_unit(actor, assignment)
    suggestion, assignment = _lock_assignment(assignment)
    _require_state(assignment, UNIT_ACTION_STATES["contact"], "该交办已结束", "ended")
    if kind not in Contact.Kind.values:
        raise InvalidTransition("沟通方式不正确", "bad_kind")
    contacted_on = _require_event_day(
        contacted_on, after=assignment.assigned_on, label="沟通日期", after_label="交办日期"
    )
    contact = Contact.objects.create(
        assignment=assignment,
        kind=kind,
        contacted_on=contacted_on,
        participants=_require_text(participants, "参加人员"),
        summary=_require_text(summary, "沟通情况"),
        created_by=actor,
    )
    _audit(
        actor=actor,
        action="contact.record",
        suggestion=suggestion,
        assignment=assignment,
        data={"contact": contact.pk, "kind": kind, "date": contacted_on.isoformat()},
        on=contacted_on,
    )
    return contact


@transaction.atomic
def assignment_send_opinion(
    *, actor, assignment: Assignment, text: str, sent_on: date | None = None
) -> Opinion:
    """A co-handler sends its written opinion to the lead unit."""
    _require_unit(actor, assignment)
    suggestion, assignment = _lock_assignment(assignment)
    if assignment.role != Assignment.Role.CO:
        raise InvalidTransition("只有协办单位提交协办意见", "not_co_handler")
    _require_state(
        assignment,
        UNIT_ACTION_STATES["opinion"],
        "请先签收;已提交意见或已结束的交办不能再提交",
        "not_accepted",
    )
    sent_on = _require_event_day(
        sent_on, after=assignment.assigned_on, label="送达日期", after_label="交办日期"
    )
    opinion = Opinion.objects.create(
        assignment=assignment,
        text=_require_text(text, "协办意见"),
        sent_on=sent_on,
        created_by=actor,
    )
    _mark_answered(
        actor=actor,
        suggestion=suggestion,
        assignment=assignment,
        action="opinion.send",
        data={"opinion": opinion.pk},
        on=sent_on,
    )
    return opinion


# Replies are drafted, signed (签发), reviewed and released in suggestions.signing.


def _require_co_handler_opinions(assignment: Assignment) -> None:
    """Co-handlers first (DESIGN.md §4a, §8): a lead (主办/分办) may not answer the deputy while
    a co-handler in force owes its opinion — one not ended (reassigned away or withdrawn), no
    opinion sent and not waived by staff (`co_opinion_waive`): `Assignment.owes_opinion_q`.
    Co-handlers are never re-handled, so an opinion sent in the first round serves every
    round. Only the 签发 step (`signing.reply_sign`, a reply or its follow-up) calls this,
    with the suggestion row locked, so an opinion or waiver arriving meanwhile is seen; a
    draft may be written while the hold lasts."""
    if not assignment.answers_deputy:
        return
    missing = list(
        Assignment.objects.filter(
            Assignment.owes_opinion_q(), suggestion_id=assignment.suggestion_id
        )
        .order_by("id")
        .values_list("unit__name", flat=True)
    )
    if missing:
        raise InvalidTransition(
            f"协办单位{'、'.join(missing)}尚未提交协办意见,暂不能签发答复;"
            "请待其提交意见,或由工作人员说明理由豁免后再签发",
            "co_handler_opinion_missing",
        )


@transaction.atomic
def co_opinion_waive(*, actor, assignment: Assignment, reason: str) -> Assignment:
    """Staff let the lead answer without a co-handler's opinion, with a reason (DESIGN.md
    §4a). The co-handler then owes nothing: its deadline stops (no reminders, not late), and
    its pending requests lapse; it may still send its opinion. Set once, kept in history."""
    _require_staff(actor)
    suggestion, assignment = _lock_assignment(assignment)
    unit = assignment.unit.name
    if assignment.role != Assignment.Role.CO:
        raise InvalidTransition("只有协办单位的意见可以豁免", "not_co_handler")
    if assignment.opinion_waived:
        raise InvalidTransition(
            f"{unit}的协办意见已于{assignment.opinion_waived_on:%Y-%m-%d}豁免", "already_waived"
        )
    if assignment.state == A.REPLIED:
        raise InvalidTransition(f"{unit}已提交协办意见,无需豁免", "opinion_sent")
    _require_state(assignment, Assignment.OPEN_STATES, f"{unit}的协办交办已结束,无需豁免", "ended")
    reason = _require_text(reason, "豁免理由")
    limit = Assignment._meta.get_field("opinion_waiver_reason").max_length
    if len(reason) > limit:
        raise InvalidTransition(f"豁免理由不能超过{limit}字", "reason_too_long")
    today = _today()
    assignment.opinion_waived_on = today
    assignment.opinion_waiver_reason = reason
    assignment.opinion_waived_by = actor
    assignment.save(
        update_fields=["opinion_waived_on", "opinion_waiver_reason", "opinion_waived_by"]
    )
    _lapse_pending_requests(
        actor=actor, suggestion=suggestion, assignment=assignment, why="协办意见已豁免"
    )
    _audit(
        actor=actor,
        action="opinion.waive",
        suggestion=suggestion,
        assignment=assignment,
        reason=reason,
        data={"unit": unit},
    )
    notices.opinion_waived(assignment)
    return assignment


def _deliver_reply(actor, reply: Reply) -> list[ReplyDelivery]:
    """The reply reaches the deputies: record to whom it went (`deliveries.reply_deliver`).
    Called by the step that releases a reply, right before `notices.reply_posted`, which
    tells the deputies recorded here."""
    return deliveries.reply_deliver(reply=reply)


# --- feedback ------------------------------------------------------------------------------


@transaction.atomic
def feedback_record(
    *,
    actor,
    reply: Reply,
    result_verdict: str,
    work_verdict: str,
    remarks: str = "",
    given_on: date | None = None,
) -> Feedback:
    """The deputy's verdicts on a reply, given by the lead deputy or entered by staff from the
    paper form. 不满意 on the result starts re-handling with its own deadline."""
    suggestion, assignment = _lock_assignment(reply.assignment)
    is_staff = getattr(actor, "is_committee_staff", False)
    if not (is_staff or _is_lead_deputy(actor, suggestion)):
        raise NotPermitted("只有领衔代表或代为录入的工作人员可以反馈", "not_lead_deputy")
    if suggestion.lead_deputy_id is None:
        raise InvalidTransition(
            "上级人大转来的建议在本级没有领衔代表,答复结果已报送上级人大,无需录入反馈",
            "forwarded_copy",
        )
    reply = Reply.objects.select_related("feedback").get(pk=reply.pk)
    assignment.suggestion = suggestion
    reply.assignment = assignment  # the rows locked above decide
    status = reply.get_feedback_status()
    if status == FeedbackStatus.SUGGESTION_NOT_OPEN:
        raise InvalidTransition(
            f"“{suggestion.get_status_display()}”状态的建议不能反馈", "suggestion_not_open"
        )
    if status == FeedbackStatus.NOT_CURRENT:
        raise InvalidTransition("只能对当前有效的答复进行反馈", "reply_not_current")
    if status == FeedbackStatus.GIVEN:
        raise InvalidTransition("该答复已有反馈", "feedback_exists")
    for verdict in (result_verdict, work_verdict):
        if verdict not in Verdict.values:
            raise InvalidTransition("请选择满意、基本满意或不满意", "bad_verdict")
    given_on = _require_event_day(
        given_on, after=reply.replied_on, label="反馈日期", after_label="答复日期"
    )
    if result_verdict == Verdict.DISSATISFIED and not (remarks or "").strip():
        raise InvalidTransition("不满意时请填写具体意见", "missing_remarks")
    feedback = Feedback.objects.create(
        reply=reply,
        result_verdict=result_verdict,
        work_verdict=work_verdict,
        remarks=(remarks or "").strip(),
        given_on=given_on,
        deputy=suggestion.lead_deputy,
        entered_by=actor,
        on_behalf=is_staff,
    )
    _audit(
        actor=actor,
        action="feedback.record",
        suggestion=suggestion,
        assignment=assignment,
        data={
            "feedback": feedback.pk,
            "result": result_verdict,
            "work": work_verdict,
            "on_behalf": is_staff,
        },
        on=given_on,
    )
    notices.feedback_received(feedback)
    if result_verdict == Verdict.DISSATISFIED:
        _start_rehandling(
            actor=actor,
            suggestion=suggestion,
            assignment=assignment,
            remarks=feedback.remarks,
            started_on=given_on,
        )
    return feedback


# --- co-signers confirm (附议确认) and merged deputies' verdicts -----------------------------


def _co_signature_decision(*, actor, co_signature: CoSignature, state: str, reason: str = ""):
    suggestion = _lock_suggestion(co_signature.suggestion)
    co_signature = (
        CoSignature.objects.select_for_update().select_related("deputy").get(pk=co_signature.pk)
    )
    is_staff = getattr(actor, "is_committee_staff", False)
    own = co_signature.deputy.user_id is not None and co_signature.deputy.user_id == actor.pk
    if not (own or is_staff):
        raise NotPermitted("只有被列为附议代表的本人或工作人员可以确认附议", "not_co_signer")
    if co_signature.state != CoSignature.State.PENDING:
        raise InvalidTransition(
            f"该附议已{co_signature.get_state_display()[1:]},不能重复确认", "already_decided"
        )
    if suggestion.status in (S.WITHDRAWN, S.REJECTED):
        raise InvalidTransition(
            f"“{suggestion.get_status_display()}”的建议不需要确认附议", "suggestion_not_open"
        )
    on_behalf = is_staff and not own
    co_signature.state = state
    co_signature.on_behalf = on_behalf
    co_signature.decided_on = _today()
    co_signature.decided_by = actor
    co_signature.save(update_fields=["state", "on_behalf", "decided_on", "decided_by"])
    confirmed = state == CoSignature.State.CONFIRMED
    _audit(
        actor=actor,
        action="cosignature.confirm" if confirmed else "cosignature.decline",
        suggestion=suggestion,
        reason=(reason or "").strip(),
        data={"deputy": co_signature.deputy.name, "on_behalf": on_behalf},
    )
    return co_signature


@transaction.atomic
def co_signature_confirm(*, actor, co_signature: CoSignature) -> CoSignature:
    """附议确认: the co-signer confirms online, or staff record a paper confirmation on their
    behalf (`on_behalf`). From then on the co-signer counts and is sent the replies; a reply
    already sent before is not sent again."""
    return _co_signature_decision(
        actor=actor, co_signature=co_signature, state=CoSignature.State.CONFIRMED
    )


@transaction.atomic
def co_signature_decline(*, actor, co_signature: CoSignature, reason: str = "") -> CoSignature:
    """The deputy named as co-signer says they did not co-sign: kept for the record, counted
    nowhere, and the suggestion is no longer theirs to see."""
    return _co_signature_decision(
        actor=actor, co_signature=co_signature, state=CoSignature.State.DECLINED, reason=reason
    )


@transaction.atomic
def delivery_feedback_record(
    *,
    actor,
    delivery: ReplyDelivery,
    result_verdict: str,
    work_verdict: str,
    remarks: str = "",
    given_on: date | None = None,
) -> ReplyDelivery:
    """The verdicts of a merged suggestion's deputy (并案) on a reply sent to them, given by
    that deputy or entered by staff from the paper form. Shown beside the lead deputy's
    Feedback, never in the figures; 不满意 is passed on to the unit but reopens nothing (only
    the lead deputy's does, `feedback_record`)."""
    suggestion, assignment = _lock_assignment(delivery.reply.assignment)
    delivery = (
        ReplyDelivery.objects.select_for_update(of=("self",))
        .select_related("deputy", "reply", "via")
        .get(pk=delivery.pk)
    )
    is_staff = getattr(actor, "is_committee_staff", False)
    own = delivery.deputy.user_id is not None and delivery.deputy.user_id == actor.pk
    if not (own or is_staff):
        raise NotPermitted("只有收到答复的代表本人或代为录入的工作人员可以反馈", "not_recipient")
    if delivery.role != ReplyDelivery.Role.MERGED:
        raise InvalidTransition(
            "只有并案建议的代表在此反馈;领衔代表请在答复下方反馈", "not_merged_deputy"
        )
    assignment.suggestion = suggestion
    delivery.reply.assignment = assignment  # the rows locked above decide
    status = delivery.get_feedback_status()
    if status == FeedbackStatus.SUGGESTION_NOT_OPEN:
        raise InvalidTransition(
            f"“{suggestion.get_status_display()}”状态的建议不能反馈", "suggestion_not_open"
        )
    if status == FeedbackStatus.NOT_CURRENT:
        raise InvalidTransition("只能对当前有效的答复进行反馈", "reply_not_current")
    if status == FeedbackStatus.GIVEN:
        raise InvalidTransition("您已对该答复反馈过意见", "feedback_exists")
    for verdict in (result_verdict, work_verdict):
        if verdict not in Verdict.values:
            raise InvalidTransition("请选择满意、基本满意或不满意", "bad_verdict")
    given_on = _require_event_day(
        given_on, after=delivery.reply.replied_on, label="反馈日期", after_label="答复日期"
    )
    remarks = (remarks or "").strip()
    if result_verdict == Verdict.DISSATISFIED and not remarks:
        raise InvalidTransition("不满意时请填写具体意见", "missing_remarks")
    delivery.result_verdict, delivery.work_verdict = result_verdict, work_verdict
    delivery.remarks, delivery.given_on = remarks, given_on
    delivery.entered_by, delivery.on_behalf = actor, is_staff and not own
    delivery.save(
        update_fields=[
            "result_verdict",
            "work_verdict",
            "remarks",
            "given_on",
            "entered_by",
            "on_behalf",
        ]
    )
    _audit(
        actor=actor,
        action="delivery.feedback",
        suggestion=suggestion,
        assignment=assignment,
        data={
            "delivery": delivery.pk,
            "deputy": delivery.deputy.name,
            "via": delivery.via.display_number,
            "result": result_verdict,
            "work": work_verdict,
            "on_behalf": delivery.on_behalf,
        },
        on=given_on,
    )
    notices.delivery_feedback_received(delivery)
    return delivery


def _start_rehandling(
    *, actor, suggestion: Suggestion, assignment: Assignment, remarks: str, started_on: date
) -> None:
    """Re-handling runs from the day of the 不满意 (DESIGN.md §7), not the day it was typed in:
    a paper form given weeks ago starts a clock that may already have run out."""
    rules = deadlines.Rules.from_dict(assignment.rules)
    deadline = deadlines.rehandle_deadline(
        started_on=started_on, rules=rules, calendar=deadlines.WorkCalendar.load()
    )
    old_deadline = assignment.deadline
    assignment.state, assignment.round, assignment.deadline = (
        A.ACCEPTED,
        assignment.round + 1,
        deadline.date,
    )
    assignment.save(update_fields=["state", "round", "deadline"])
    _record_deadline(
        assignment=assignment,
        kind=DeadlineChange.Kind.REHANDLE,
        deadline=deadline,
        actor=actor,
        reason=remarks,
        old=old_deadline,
        effective_on=started_on,
    )
    _audit(
        actor=actor,
        action="assignment.rehandle",
        suggestion=suggestion,
        assignment=assignment,
        from_state=A.REPLIED,
        to_state=A.ACCEPTED,
        reason=remarks,
        data={"round": assignment.round, "deadline": deadline.date.isoformat()},
        on=started_on,
    )
    notices.rehandling_started(assignment, remarks=remarks)
    if suggestion.status == S.REPLIED:
        old = _set_status(suggestion, S.ASSIGNED)
        _audit(
            actor=actor,
            action="suggestion.rehandle",
            suggestion=suggestion,
            from_state=old,
            to_state=S.ASSIGNED,
            on=started_on,
        )


# --- calendar ------------------------------------------------------------------------------


@transaction.atomic
def deadlines_recompute_for_calendar(*, actor=None) -> int:
    """After the official calendar changes, move every open deadline to the right working day,
    keeping its rule, and say so in its history. Returns how many deadlines moved."""
    calendar = deadlines.WorkCalendar.load()
    moved = 0
    open_assignments = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(state__in=[A.ASSIGNED, A.ACCEPTED])
        .select_related("suggestion")
    )
    latest_changes = {}
    ids = [a.pk for a in open_assignments]
    for change in DeadlineChange.objects.filter(assignment_id__in=ids).order_by("created_at", "id"):
        latest_changes[change.assignment_id] = change
    for assignment in open_assignments:
        change = latest_changes.get(assignment.pk)
        if change is None:
            continue
        deadline = deadlines.resettle(explanation=change.explanation, calendar=calendar)
        if deadline.date == assignment.deadline:
            continue
        old = assignment.deadline
        assignment.deadline = deadline.date
        assignment.save(update_fields=["deadline"])
        _record_deadline(
            assignment=assignment,
            kind=DeadlineChange.Kind.CALENDAR,
            deadline=deadline,
            actor=actor,
            reason="法定节假日日历变更",
            old=old,
        )
        _audit(
            actor=actor,
            action="deadline.calendar",
            suggestion=assignment.suggestion,
            assignment=assignment,
            reason="法定节假日日历变更",
            data={"old": old.isoformat(), "new": deadline.date.isoformat()},
        )
        moved += 1
    logger.info("Calendar change moved %d open deadlines", moved)
    return moved
