"""Deadline reminders (DESIGN.md §4), each sent at most once per assignment, kind and deadline.

Stages of one deadline, for open 主办/分办 assignments owing a reply and for 协办 assignments
owing the lead their opinion (their own 1-month deadline, DESIGN.md §8; not once the opinion is
sent or staff waived it), whose stages carry the prefix "opinion_" (settings.PORTAL):
- `before:N` — N days or fewer before the deadline (N in REMINDER_DAYS_BEFORE, 14/7/3), to
  the unit; only the nearest stage reached is sent, so a job that was down skips, not floods;
- `overdue:W` — the day after the deadline (W=0) and then each week W, to the unit;
- `escalation` — more than OVERDUE_ESCALATION_DAYS past the deadline, once, to the
  supervising leader of a key suggestion and to committee staff.
A new deadline (extension, re-handling) starts its stages afresh.
- `instruction:<action id>` — a leader's 督办意见 (supervision) the unit has not acknowledged
  by its day (INSTRUCTION_ACK_WORKING_DAYS working days after it), once, to the unit; the
  "deadline" of the row is that day (`instruction_reminders_due`).

How a run works (the claim pattern of healthchecks' sendalerts):
1. `reminders_due` finds the assignments owing work whose deadline is within the first stage
   with one query on the (state, deadline) index, and leaves out stages already recorded.
2. `reminder_claim` inserts the `ReminderDelivery` row and the inbox notifications in one
   transaction. The unique (assignment, kind, deadline) makes a concurrent run's insert fail:
   that run lost the race and does nothing.
   Text messages (`notifications.sms`) to the recipients who opted in are written with
   them, one per delivery and recipient.
3. `reminder_send_email` takes a lease on a pending row with a conditional update, sends one
   e-mail, and marks it sent. A failure keeps the row pending with a backoff; the last
   attempt marks it failed. A worker that dies mid-run leaves rows pending (and its lease
   expires), and the next run sends them: claimed rows are never claimed again. The run
   then sends every text message due the same way (`sms.sms_send_pending`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import committee_staff
from congresses import context
from suggestions.models import Assignment, Suggestion

from . import outbox, sms
from .models import OPINION_PREFIX, ReminderClaim, ReminderDelivery, ReminderKind, split_kind
from .services import notify

logger = logging.getLogger(__name__)

# An e-mail attempt longer than this is taken for a dead worker.
MAX_ATTEMPTS = outbox.MAX_ATTEMPTS  # leases and backoff: notifications.outbox


def stages_on(*, deadline: date, today: date, opinion: bool = False) -> list[str]:
    """The reminder stages a deadline has reached on `today` (see the module docstring);
    `opinion` for a co-handler's opinion deadline (the same ladder, its own kinds)."""
    prefix = OPINION_PREFIX if opinion else ""
    days_left = (deadline - today).days
    if days_left >= 0:
        reached = [n for n in settings.PORTAL["REMINDER_DAYS_BEFORE"] if days_left <= n]
        return [f"{prefix}{ReminderKind.BEFORE}:{min(reached)}"] if reached else []
    days_over = -days_left
    stages = [f"{prefix}{ReminderKind.OVERDUE}:{(days_over - 1) // 7}"]
    if days_over > settings.PORTAL["OVERDUE_ESCALATION_DAYS"]:
        stages.append(f"{prefix}{ReminderKind.ESCALATION}")
    return stages


def _acting_q(path: str) -> Q:
    """Rows of the congress acted in, through `path` to a congress column: assignments (their
    copy of the suggestion's, leading the index of the scan), acknowledgements and
    commitments are not narrowed by their default managers. Outside a run in one congress
    (a test, the shell) every congress's."""
    acting = context.current_id()
    return Q(**{path: acting}) if acting is not None else Q()


def _reminded_q(prefix: str = "") -> Q:
    """The assignments the ladder runs for: leads owing the deputy a reply (past the deadline
    they are 逾期, the one meaning of Assignment.overdue_q) and co-handlers owing the lead
    their opinion (Assignment.owes_opinion_q: 协办意见逾期 past it, never 逾期)."""
    return Assignment.awaiting_reply_q(prefix) | Assignment.owes_opinion_q(prefix)


@dataclass(slots=True)
class Due:
    """A stage due for one assignment's deadline. The scan reads only ids and deadlines;
    the assignment itself (with its suggestion and unit) is loaded for the claim."""

    assignment_id: int
    deadline: date
    kind: str
    assignment: Assignment | None = None

    @property
    def key(self) -> tuple:
        return (self.assignment_id, self.kind, self.deadline)


def reminders_due(*, today: date) -> list[Due]:
    """1. Stages due today and not yet recorded: one scan on the (state, deadline) index,
    each deadline with the stages already recorded for it (a left join on the unique
    (assignment, kind, deadline) index: one row per recorded stage, or one with none). It
    reads bare columns, not model rows: a scan of thousands of open deadlines stays close
    to the SQL's cost."""
    horizon = today + timedelta(days=max(settings.PORTAL["REMINDER_DAYS_BEFORE"]))
    rows = (
        # Open deadlines owing an answer (a lead's reply, a co-handler's opinion), each with
        # the stages already recorded for that deadline: one query.
        Assignment.objects.filter(_reminded_q(), _acting_q("congress_id"), deadline__lte=horizon)
        .annotate(
            recorded=FilteredRelation(
                "reminder_deliveries",
                condition=Q(reminder_deliveries__deadline=F("deadline")),
            )
        )
        .order_by()  # sorted below, in Python: cheaper than a sort in the query
        .values_list("id", "deadline", "role", "recorded__kind")
    )
    stages: dict[tuple, list[str]] = {}  # many assignments share a deadline
    recorded: dict[int, set] = {}  # assignment id -> stages recorded for its deadline
    keys: dict[int, tuple] = {}
    for pk, deadline, role, kind in rows:
        key = (deadline, role == Assignment.Role.CO)
        keys[pk] = key
        if kind is not None:
            recorded.setdefault(pk, set()).add(kind)
        if key not in stages:
            stages[key] = stages_on(deadline=deadline, today=today, opinion=key[1])
    due = []
    add = due.append
    for _, pk, key in sorted((key[0], pk, key) for pk, key in keys.items()):
        done = recorded.get(pk)
        for kind in stages[key]:
            if done is None or kind not in done:
                add(Due(pk, key[0], kind))
    return due


def instruction_reminders_due(*, today: date) -> list[Due]:
    """督办意见 not acknowledged by their day, on assignments still in force, not reminded
    yet: one scan of the open acknowledgements (index ack_open_idx) and one look-up of the
    reminders already recorded for them."""
    from supervision.models import Acknowledgement

    open_acks = list(
        Acknowledgement.objects.filter(
            _acting_q("assignment__congress_id"),
            acknowledged_on__isnull=True,
            due_on__lt=today,
        )
        .exclude(assignment__state=Assignment.State.ENDED)
        .order_by("due_on", "id")
        .values_list("assignment_id", "action_id", "due_on")
    )
    if not open_acks:
        return []
    due = [
        Due(assignment_id, day, f"{ReminderKind.INSTRUCTION}:{action_id}")
        for assignment_id, action_id, day in open_acks
    ]
    recorded = set(
        ReminderDelivery.objects.filter(
            kind__startswith=f"{ReminderKind.INSTRUCTION}:",
            assignment_id__in={d.assignment_id for d in due},
        ).values_list("assignment_id", "kind", "deadline")
    )
    return [d for d in due if d.key not in recorded]


def _with_assignments(due: list[Due]) -> None:
    """Load the assignments (with suggestion and unit) of the stages about to be claimed:
    one query per 1,000 assignments."""
    wanted = {d.assignment_id for d in due if d.assignment is None}
    loaded = Assignment.objects.select_related("suggestion", "unit").in_bulk(wanted)
    for d in due:
        if d.assignment is None:
            d.assignment = loaded.get(d.assignment_id)


@dataclass
class Audience:
    """Who hears about a stage: inbox users and e-mail addresses."""

    users: list = field(default_factory=list)
    emails: list = field(default_factory=list)


def _audiences(due: list[Due]) -> tuple[dict, list]:
    """Unit users per unit and the committee staff, in one query."""
    unit_ids = {d.assignment.unit_id for d in due}
    congress_ids = {d.assignment.suggestion.congress_id for d in due}
    users_by_unit, staff = {}, {}
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_unit_user=True, unit_id__in=unit_ids)
            | Q(is_committee_staff=True, congress_id__in=congress_ids)
        )
    )
    for user in people.order_by("id"):
        if user.is_unit_user and user.unit_id in unit_ids:
            users_by_unit.setdefault(user.unit_id, []).append(user)
        if user.is_committee_staff and user.congress_id in congress_ids:
            # Escalations go to the suggestion's own congress's staff only.
            staff.setdefault(user.congress_id, []).append(user)
    return users_by_unit, staff


def _audience(d: Due, users_by_unit: dict, staff: dict) -> Audience:
    suggestion = d.assignment.suggestion
    escalation = split_kind(d.kind)[0] == ReminderKind.ESCALATION
    if escalation:
        users = list(staff.get(suggestion.congress_id, []))
        if suggestion.is_key and suggestion.supervisor_id:
            users.insert(0, suggestion.supervisor)
    else:
        users = users_by_unit.get(d.assignment.unit_id, [])
    emails = [u.email for u in users if u.email]
    if not emails and not escalation and d.assignment.unit.email:
        emails = [d.assignment.unit.email]  # a unit without portal accounts
    return Audience(users=users, emails=list(dict.fromkeys(emails)))


def reminder_text(d: Due, today: date) -> tuple[str, str]:
    a, s = d.assignment, d.assignment.suggestion
    stage, _, opinion = split_kind(d.kind)
    what = f"{s.display_number}《{s.title}》"
    if stage == ReminderKind.INSTRUCTION:
        title = f"督办意见待签收:{what}的督办意见应于{d.deadline:%Y-%m-%d}前签收"
        body = (
            f"承办单位:{a.unit.name}\n签收期限:{d.deadline:%Y-%m-%d}\n"
            "请在交办页面签收督办意见并说明落实情况。"
        )
        return title, body
    late = (today - d.deadline).days
    if opinion:
        if stage == ReminderKind.BEFORE:
            title = f"协办意见期限提醒:{what}的协办意见将于{d.deadline:%Y-%m-%d}到期"
        elif stage == ReminderKind.OVERDUE:
            title = f"协办意见逾期提醒:{what}的协办意见已于{d.deadline:%Y-%m-%d}到期,尚未提交"
        else:
            title = f"协办意见逾期督办:{a.unit.name}协办的{what}协办意见已逾期{late}天"
    elif stage == ReminderKind.BEFORE:
        title = f"答复期限提醒:{what}将于{d.deadline:%Y-%m-%d}到期"
    elif stage == ReminderKind.OVERDUE:
        title = f"逾期提醒:{what}已于{d.deadline:%Y-%m-%d}到期,尚未答复"
    else:
        title = f"逾期督办:{a.unit.name}办理的{what}已逾期{late}天"
    deadline_label = "协办意见期限" if opinion else "答复期限"
    body = (
        f"承办单位:{a.unit.name}\n办理方式:{a.get_role_display()}\n"
        f"交办日期:{a.assigned_on:%Y-%m-%d}\n{deadline_label}:{d.deadline:%Y-%m-%d}"
    )
    return title, body


def reminder_claim(*, due: Due, audience: Audience, today: date, now: datetime):
    """2. Record the stage and write the inbox rows, in one transaction. None when another
    run recorded it first (the unique constraint refused this insert)."""
    if due.assignment is None:
        _with_assignments([due])
    if due.assignment is None:  # gone since the scan
        return None
    title, body = reminder_text(due, today)
    try:
        with transaction.atomic():
            delivery = ReminderDelivery.objects.create(
                congress_id=due.assignment.congress_id,
                assignment=due.assignment,
                kind=due.kind,
                deadline=due.deadline,
                due_on=today,
                recipients=audience.emails,
                next_attempt_at=now,
                created_at=now,
            )
            notify(
                recipients=audience.users,
                kind=f"reminder.{due.kind.partition(':')[0]}",
                title=title,
                body=body,
                # Units act on their assignment page; staff and leaders look at the suggestion.
                url=reverse("suggestions:detail", args=[due.assignment.suggestion_id])
                if split_kind(due.kind)[0] == ReminderKind.ESCALATION
                else reverse("inbox:assignment", args=[due.assignment.pk]),
                suggestion=due.assignment.suggestion,
                assignment=due.assignment,
                email=False,  # the delivery row sends and tracks the e-mail
            )
            # Text messages belong to the delivery: one per recipient, sent by this run.
            sms.sms_queue(
                users=audience.users,
                kind=sms.KIND_REMINDER,
                text=title,
                params=_sms_params(due),
                delivery=delivery,
                now=now,
            )
    except IntegrityError:
        return None
    return delivery


def _sms_params(due: Due) -> dict:
    params = sms.reminder_params(due.assignment)
    if due.kind.startswith(f"{ReminderKind.INSTRUCTION}:"):
        params["deadline"] = f"{due.deadline:%Y-%m-%d}"  # the day to acknowledge by
    return params


def reminder_take_lease(*, delivery_id: int, now: datetime) -> bool:
    """Own a pending row for one e-mail attempt; False if it is sent, failed, leased by a
    live attempt or waiting for its backoff."""
    return outbox.take_lease(ReminderDelivery, pk=delivery_id, now=now, attempts=F("attempts") + 1)


def reminder_send_email(*, delivery_id: int, now: datetime | None = None) -> str:
    """3. One e-mail attempt: "sent", "retry" (queued again with backoff), "failed" (last
    attempt) or "skipped" (someone else owns or finished it)."""
    now = now or timezone.now()
    if not reminder_take_lease(delivery_id=delivery_id, now=now):
        return "skipped"
    delivery = ReminderDelivery.objects.select_related(
        "assignment__suggestion", "assignment__unit"
    ).get(pk=delivery_id)
    due = Due(delivery.assignment_id, delivery.deadline, delivery.kind, delivery.assignment)
    title, body = reminder_text(due, delivery.due_on)
    try:
        if delivery.recipients:
            EmailMessage(
                subject=f"[代表建议办理平台] {title}",
                body=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=delivery.recipients,
            ).send()
    except Exception as exc:
        return _record_failure(delivery, exc, now)
    ReminderDelivery.objects.filter(pk=delivery_id).update(
        state=ReminderDelivery.State.SENT, sent_at=timezone.now(), sending_until=None
    )
    return "sent"


def _record_failure(delivery: ReminderDelivery, exc: Exception, now: datetime) -> str:
    delay = outbox.record_failure(
        ReminderDelivery, pk=delivery.pk, attempts=delivery.attempts, exc=exc, now=now
    )
    if delay is None:
        return "failed"
    from .tasks import send_reminder_email

    transaction.on_commit(
        lambda: send_reminder_email.apply_async((delivery.pk,), countdown=delay.total_seconds())
    )
    return "retry"


# --- reminders that are not about a deadline of an assignment --------------------------------


def _claim_once(
    *,
    kind: str,
    key: str,
    today: date,
    recipients: list,
    congress_id: int,
    suggestion=None,
    **message,
):
    """Record (kind, key) in its congress and notify `recipients` in one transaction; False
    when a run recorded it first (the unique constraint refused the insert)."""
    try:
        with transaction.atomic():
            ReminderClaim.objects.create(
                congress_id=congress_id,
                kind=kind,
                key=key,
                suggestion=suggestion,
                due_on=today,
                recipients=len(recipients),
            )
            notify(
                recipients=recipients,
                kind=f"reminder.{kind}",
                suggestion=suggestion,
                congress_id=congress_id,
                **message,
            )
    except IntegrityError:
        return False
    return True


def assignment_late_reminders(*, today: date) -> tuple[int, int]:
    """闭会期间超期未交办 (Suggestion.assignment_late_q, the staff workbench's queue): each
    such suggestion is reminded to committee staff once. Returns (claimed, lost)."""
    from suggestions.selectors import staff_assignment_late_cutoff

    claimed_before = ReminderClaim.objects.filter(
        kind=ReminderClaim.Kind.ASSIGN_LATE, suggestion=OuterRef("pk")
    )
    late = list(
        Suggestion.objects.filter(Suggestion.assignment_late_q(staff_assignment_late_cutoff(today)))
        .exclude(Exists(claimed_before))
        .order_by("submitted_on", "pk")
    )
    if not late:
        return 0, 0
    days = settings.PORTAL["STAFF_ASSIGN_WORKING_DAYS"]
    staff: dict[int, list] = {}
    claimed = lost = 0
    for s in late:
        if s.congress_id not in staff:
            staff[s.congress_id] = list(committee_staff(s.congress_id).order_by("id"))
        done = _claim_once(
            kind=ReminderClaim.Kind.ASSIGN_LATE,
            key=f"suggestion:{s.pk}",
            today=today,
            recipients=staff[s.congress_id],
            congress_id=s.congress_id,
            suggestion=s,
            title=f"闭会期间超期未交办:{s.display_number}《{s.title}》",
            body=f"提出日期:{s.submitted_on:%Y-%m-%d};闭会期间收到的建议应在{days}个工作日内交办。",
            url=reverse("suggestions:detail", args=[s.pk]),
        )
        claimed, lost = (claimed + 1, lost) if done else (claimed, lost + 1)
    return claimed, lost


def plan_window_reminders(*, today: date) -> tuple[int, int]:
    """预交办: from the working day before a plan's window closes to its last day, each unit
    with proposals it has not answered is reminded once per plan. Returns (claimed, lost)."""
    from planning.models import AssignmentPlan, PlanUnit
    from suggestions.deadlines import WorkCalendar, preassign_reminder_day

    plans = list(
        AssignmentPlan.objects.filter(
            state=AssignmentPlan.State.PUBLISHED,
            answer_by__gte=today,
            answer_by__lte=today + timedelta(days=31),
        )
    )
    if not plans:
        return 0, 0
    calendar = WorkCalendar.load()
    plans = [
        p
        for p in plans
        if preassign_reminder_day(answer_by=p.answer_by, calendar=calendar) <= today
    ]
    pending: dict[tuple[int, int], int] = {}
    for plan_id, unit_id in PlanUnit.objects.filter(
        item__plan__in=plans, is_current=True, decision=""
    ).values_list("item__plan_id", "unit_id"):
        pending[(plan_id, unit_id)] = pending.get((plan_id, unit_id), 0) + 1
    keys = {f"plan:{p}:unit:{u}" for p, u in pending}
    recorded = set(
        ReminderClaim.objects.filter(kind=ReminderClaim.Kind.PLAN_WINDOW, key__in=keys).values_list(
            "key", flat=True
        )
    )
    users = get_user_model().objects.filter(
        is_active=True, is_unit_user=True, unit_id__in={u for _, u in pending}
    )
    by_unit: dict[int, list] = {}
    for user in users.order_by("id"):
        by_unit.setdefault(user.unit_id, []).append(user)
    by_id = {p.pk: p for p in plans}
    claimed = lost = 0
    for (plan_id, unit_id), n in sorted(pending.items()):
        key = f"plan:{plan_id}:unit:{unit_id}"
        if key in recorded:
            continue
        plan = by_id[plan_id]
        done = _claim_once(
            kind=ReminderClaim.Kind.PLAN_WINDOW,
            key=key,
            today=today,
            recipients=by_unit.get(unit_id, []),
            congress_id=plan.congress_id,
            title=f"预交办意见即将截止:{plan.title}",
            body=f"本单位尚有{n}件拟交办建议未反馈意见,反馈截止 {plan.answer_by:%Y-%m-%d},截止后不能再提交。",
            url=reverse("inbox:plans"),
        )
        claimed, lost = (claimed + 1, lost) if done else (claimed, lost + 1)
    return claimed, lost


@dataclass
class RunResult:
    claimed: int = 0
    lost: int = 0  # stages another run recorded first
    sent: int = 0
    retry: int = 0
    failed: int = 0
    sms: dict = field(default_factory=dict)  # outcome -> count (notifications.sms.sms_send)
    commitments: int = 0  # commitment reminder stages claimed (below)

    def __add__(self, other: RunResult) -> RunResult:
        """Two congresses' runs as one (the periodic job's summary)."""
        sms_ = dict(self.sms)
        for outcome, n in other.sms.items():
            sms_[outcome] = sms_.get(outcome, 0) + n
        return RunResult(
            claimed=self.claimed + other.claimed,
            lost=self.lost + other.lost,
            sent=self.sent + other.sent,
            retry=self.retry + other.retry,
            failed=self.failed + other.failed,
            sms=sms_,
            commitments=self.commitments + other.commitments,
        )

    def __str__(self):
        texts = ",".join(f"{k} {v}" for k, v in sorted(self.sms.items())) or "无"
        return (
            f"新记录 {self.claimed},已由其他进程处理 {self.lost};邮件发送 {self.sent},"
            f"待重试 {self.retry},失败 {self.failed};短信 {texts}"
        )


def reminders_send(*, today: date | None = None, now: datetime | None = None) -> RunResult:
    """The reminder job: claim what is due today, then send every pending e-mail whose time
    has come (including those a dead worker left behind)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    result = RunResult()
    due = reminders_due(today=today) + instruction_reminders_due(today=today)
    _with_assignments(due)
    due = [d for d in due if d.assignment is not None]
    users_by_unit, staff = _audiences(due) if due else ({}, {})
    for d in due:
        delivery = reminder_claim(
            due=d, audience=_audience(d, users_by_unit, staff), today=today, now=now
        )
        if delivery is None:
            result.lost += 1
        else:
            result.claimed += 1
    result.commitments, _ = commitment_reminders_send(today=today)
    # Staff's 闭会期间超期未交办 and the units' 预交办 window: once each, through notify.
    for run in (assignment_late_reminders, plan_window_reminders):
        claimed, lost = run(today=today)
        result.claimed, result.lost = result.claimed + claimed, result.lost + lost
    pending = ReminderDelivery.objects.filter(
        state=ReminderDelivery.State.PENDING, next_attempt_at__lte=now
    ).values_list("pk", flat=True)
    for delivery_id in list(pending.order_by("pk")):
        outcome = reminder_send_email(delivery_id=delivery_id, now=now)
        if outcome != "skipped":
            setattr(result, outcome, getattr(result, outcome) + 1)
    # Every text message due: this run's, retries whose backoff has passed, notices whose
    # queued task was lost, those a rate limit deferred.
    result.sms = sms.sms_send_pending(now=now)
    logger.info("reminders %s (congress %s): %s", today, context.current_id(), result)
    return result


def reminders_send_each_congress(*, today: date | None = None) -> tuple[RunResult, list]:
    """The job as beat runs it: `reminders_send` acting in each active congress in turn
    (congresses.runs). Returns the runs summed and the codes of congresses whose run failed
    (logged; the others ran)."""
    from congresses.runs import each_active_congress

    runs = each_active_congress(lambda: reminders_send(today=today), what="Reminders")
    return sum(runs.results.values(), RunResult()), runs.failed


# --- commitments of B/C replies (DESIGN.md §10): the same exactly-once claim ----------------
#
# An open commitment gets the stages of its promised day that `stages_on` names (before:N,
# then overdue:W weekly; no escalation), to its unit's users. Each stage is claimed by
# inserting a `CommitmentReminder` row whose unique (commitment, kind, due_on) makes a second
# or concurrent run's insert fail: that run sends nothing.


def commitment_reminders_due(*, today: date) -> list[tuple]:
    """(commitment id, stage) pairs due today and not yet recorded: two queries."""
    from commitments.models import Commitment, CommitmentReminder

    horizon = today + timedelta(days=max(settings.PORTAL["REMINDER_DAYS_BEFORE"]))
    open_ = Commitment.objects.filter(
        _acting_q("reply__assignment__congress_id"),
        completed_on__isnull=True,
        due_on__lte=horizon,
    )
    due = []
    for pk, due_on in open_.values_list("pk", "due_on").order_by("due_on", "pk"):
        for kind in stages_on(deadline=due_on, today=today):
            if kind != ReminderKind.ESCALATION:
                due.append((pk, kind, due_on))
    if not due:
        return []
    recorded = set(
        CommitmentReminder.objects.filter(
            commitment__completed_on__isnull=True, commitment__due_on__lte=horizon
        ).values_list("commitment_id", "kind", "due_on")
    )
    return [d for d in due if d not in recorded]


def commitment_reminder_claim(*, commitment_id: int, kind: str, due_on: date, today: date):
    """Record one stage and notify the unit's users, in one transaction; None when another
    run recorded it first."""
    from commitments.models import Commitment, CommitmentReminder

    commitment = (
        Commitment.objects.select_related(
            "reply__assignment__suggestion", "reply__assignment__unit"
        )
        .filter(pk=commitment_id, completed_on__isnull=True)
        .first()
    )
    if commitment is None:  # completed since the scan
        return None
    assignment = commitment.reply.assignment
    suggestion = assignment.suggestion
    what = f"{suggestion.display_number}《{suggestion.title}》"
    if kind.startswith(ReminderKind.BEFORE):
        title = f"承诺事项提醒:{what}的承诺事项将于{due_on:%Y-%m-%d}到期"
    else:
        title = f"承诺事项逾期:{what}的承诺事项已于{due_on:%Y-%m-%d}到期,尚未兑现"
    users = get_user_model().objects.filter(
        is_active=True, is_unit_user=True, unit_id=assignment.unit_id
    )
    try:
        with transaction.atomic():
            row = CommitmentReminder.objects.create(
                commitment=commitment, kind=kind, due_on=due_on, sent_on=today
            )
            notify(
                recipients=list(users),
                kind=f"commitment.{kind.partition(':')[0]}",
                title=title,
                body=f"承诺事项:{commitment.what}\n责任人:{commitment.responsible}",
                url=reverse("commitments:detail", args=[commitment.pk]),
                suggestion=suggestion,
                assignment=assignment,
            )
    except IntegrityError:
        return None
    return row


def commitment_reminders_send(*, today: date | None = None) -> tuple[int, int]:
    """The commitments' part of the reminder job: (claimed, lost to another run)."""
    today = today or timezone.localdate()
    claimed = lost = 0
    for commitment_id, kind, due_on in commitment_reminders_due(today=today):
        row = commitment_reminder_claim(
            commitment_id=commitment_id, kind=kind, due_on=due_on, today=today
        )
        if row is None:
            lost += 1
        else:
            claimed += 1
    return claimed, lost
