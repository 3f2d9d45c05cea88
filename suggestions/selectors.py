"""Reads for pages and jobs, with their query shapes decided once."""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    Func,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Upper
from django.utils import timezone

from congresses import context
from congresses.selectors import below as congresses_below

from . import access, deadlines, figures, signing
from .deadlines import DEFAULT_LIMITS, add_months
from .models import (
    AUDIT_ACTION_LABELS,
    Assignment,
    AuditEvent,
    CalendarYear,
    CoSignature,
    DeadlineChange,
    ExtensionRequest,
    Forwarding,
    Opinion,
    ReassignmentRequest,
    Reply,
    ReplyDelivery,
    ReplyDraft,
    RequestState,
    Suggestion,
)

A = Assignment.State
OPEN_STATES = Assignment.OPEN_STATES


def calendar_missing_years() -> list[int]:
    """Years a deadline set today can reach (the 6-month extension cap plus a month of
    re-handling) that have no official calendar entered. One query."""
    today = timezone.localdate()
    horizon = add_months(
        today, DEFAULT_LIMITS["max_total_months"] + DEFAULT_LIMITS["rehandle_months"]
    )
    wanted = set(range(today.year, horizon.year + 1))
    known = set(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    return sorted(wanted - known)


# --- the staff list --------------------------------------------------------------------------

# Sort keys offered on the list, in the words staff use; the first is the default.
SORTS = {
    # By term id, not the term's number: terms are entered in order, and the (term, number)
    # unique index then serves the default sort reading only the rows of the page.
    "-number": ("编号(新→旧)", ("-term_id", "-number")),
    "number": ("编号(旧→新)", ("term_id", "number")),
    "-submitted_on": ("提出日期(新→旧)", ("-submitted_on", "-id")),
    "submitted_on": ("提出日期(旧→新)", ("submitted_on", "id")),
    "deadline": ("答复期限(近→远)", ("next_deadline", "-id")),
    "-deadline": ("答复期限(远→近)", ("-next_deadline", "-id")),
    "status": ("状态", ("status", "-id")),
}


# Lead and split units first, co-handlers after them.
_CO_LAST = Case(When(role=Assignment.Role.CO, then=1), default=0)


def _open_answering() -> QuerySet:
    """The row's lead assignments still owing a reply (for a subquery)."""
    return Assignment.objects.filter(Assignment.awaiting_reply_q(), suggestion=OuterRef("pk"))


def suggestion_search(queryset: QuerySet, text: str) -> QuerySet:
    """Title or content containing the text. On PostgreSQL the trigram GIN indexes on
    UPPER(title) and UPPER(content) serve terms of 3+ characters (migration 0003), and the
    bigram GIN index serves 2-character terms (migration 0010), which trigrams cannot; a
    1-character term scans. SQLite scans. The LIKE test always decides: an index only
    narrows the rows it is tried on, so every backend finds the same rows."""
    text = text.strip()
    if not text:
        return queryset
    found = Q(title__icontains=text) | Q(content__icontains=text)
    if len(text) == 2 and connections[queryset.db].vendor == "postgresql":
        found &= _has_bigram(text)
    return queryset.filter(found)


def _has_bigram(text: str) -> Func:
    """`(portal_bigrams(UPPER(title)) || portal_bigrams(UPPER(content))) @> ARRAY[UPPER(text)]`:
    the expression of the `suggestion_search_bigrams` index (migration 0010), written the
    same way so PostgreSQL uses it. A 2-character term is in the title or the content
    exactly when it is one of their bigrams; UPPER() on both sides, as `icontains` does."""
    bigrams = Func(
        Func(Upper("title"), function="portal_bigrams"),
        Func(Upper("content"), function="portal_bigrams"),
        template="(%(expressions)s)",
        arg_joiner=" || ",
        output_field=TextField(),
    )
    term = Func(Upper(Value(text)), template="ARRAY[%(expressions)s]", output_field=TextField())
    return Func(
        bigrams, term, template="(%(expressions)s)", arg_joiner=" @> ", output_field=BooleanField()
    )


# What the list page's rows show (the template tag portal.suggestion_rows): term, category,
# lead deputy, and the supervising leader of a key suggestion. No meeting: one join fewer
# for the planner (its plan cost more than the page's rows at 100,000 suggestions).
LIST_ROW_RELATED = ("term", "category", "lead_deputy", "supervisor")
# The columns the list's rows show (suggestions.templatetags.portal.suggestion_rows): fifty
# rows without their text, and users without their passwords, read and built in less time.
LIST_ROW_FIELDS = (
    "id",
    "number",
    "title",
    "channel",
    "status",
    "is_key",
    "proposers",
    "term__name",
    "category__name",
    "lead_deputy__name",
    "supervisor__name",
    "supervisor__username",
)
LIST_ROW_ASSIGNMENT_FIELDS = ("id", "suggestion_id", "unit_id", "role", "unit__name")


def suggestion_list(
    *, user, filters: dict, today: date | None = None, rows_only: bool = False
) -> QuerySet:
    """The suggestions a user may see, filtered and sorted as the list page asks.

    `filters` holds the list form's cleaned data: term, meeting, channel, category, status,
    unit, system, key, supervisor, overdue, due_soon, awaiting_feedback, assign_late (the
    workbench's queues), deputy (name), q (text), sort, and figure with as_of (the suggestions
    behind one figure of `suggestions.figures`, for the dashboard's drill-down links). The rows carry `next_deadline`
    (the nearest deadline among open lead/split assignments) and `current_assignments`
    (assignments not ended, with their units): two queries per page whatever its size.
    Both, and the unit and overdue filters, read only the assignments the user is shown
    (`access.assignments_visible_to`, as on the suggestion page): a co-handling unit never
    learns the lead's state or deadline, nor which other units handle it. With `rows_only`,
    the suggestions and assignments carry only what the list page's rows show.
    """
    today = today or timezone.localdate()

    def shown(assignments: QuerySet) -> QuerySet:
        return access.assignments_visible_to(user, assignments)

    qs = access.suggestions_visible_to(user).select_related(
        "term", "meeting", "category", "lead_deputy", "supervisor"
    )
    qs = qs.annotate(
        next_deadline=Subquery(shown(_open_answering()).order_by("deadline").values("deadline")[:1])
    )
    for field in ("term", "meeting", "category"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    for field in ("channel", "status"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("figure"):
        # The figure's own scope decides: its unit means answering assignments, which the
        # list's unit filter below (any current assignment) does not.
        qs = qs.filter(pk__in=_figure_members(filters, today))
    else:
        current = shown(Assignment.objects.filter(suggestion=OuterRef("pk"))).exclude(state=A.ENDED)
        if filters.get("unit"):
            qs = qs.filter(Exists(current.filter(unit=filters["unit"])))
        if filters.get("system"):
            qs = qs.filter(Exists(current.filter(unit__system=filters["system"])))
    if filters.get("key"):
        qs = qs.filter(is_key=True)
    if filters.get("supervisor"):
        qs = qs.filter(supervisor=filters["supervisor"])
    # With a unit chosen, the deadline filters mean that unit's assignment (the workbench's
    # "overdue by unit" links here); without one, any assignment the user is shown.
    at_unit = {"unit": filters["unit"]} if filters.get("unit") and not filters.get("figure") else {}
    if filters.get("overdue"):
        qs = qs.filter(
            Exists(shown(_open_answering()).filter(Assignment.overdue_q(today), **at_unit))
        )
    if filters.get("due_soon"):
        qs = qs.filter(
            Exists(
                shown(Assignment.objects.filter(suggestion=OuterRef("pk"))).filter(
                    Assignment.due_soon_q(today), **at_unit
                )
            )
        )
    if filters.get("awaiting_feedback"):
        # The suggestion's own state, already required by awaiting_feedback_q (through the
        # reply's assignment), said again on the outer rows: the planner then probes each
        # candidate's replies instead of reading every reply in force (a leader's 督办 queue:
        # 50 ms instead of 600 on 100,000 suggestions). The same rows either way.
        qs = qs.filter(status__in=Reply.FEEDBACK_SUGGESTION_STATES)
        qs = qs.filter(
            Exists(
                access.replies_visible_to(user)
                .filter(Reply.awaiting_feedback_q())
                .filter(assignment__suggestion=OuterRef("pk"))
            )
        )
    if filters.get("assign_late"):
        qs = qs.filter(Suggestion.assignment_late_q(staff_assignment_late_cutoff(today)))
    if filters.get("deputy"):
        name = filters["deputy"].strip()
        qs = qs.filter(
            Q(lead_deputy__name__contains=name)
            | Exists(
                Suggestion.co_signers.through.objects.filter(
                    suggestion_id=OuterRef("pk"), deputy__name__contains=name
                )
            )
        )
    qs = suggestion_search(qs, filters.get("q") or "")
    sort = filters.get("sort") or "-number"
    qs = qs.order_by(*SORTS.get(sort, SORTS["-number"])[1])
    current = shown(Assignment.objects.exclude(state=A.ENDED)).select_related("unit")
    if rows_only:
        # The list page's rows: only the columns they show (LIST_ROW_FIELDS; each
        # assignment's unit name and role), read and built in less time than whole rows.
        qs = qs.select_related(None).select_related(*LIST_ROW_RELATED).only(*LIST_ROW_FIELDS)
        current = current.only(*LIST_ROW_ASSIGNMENT_FIELDS)
    else:
        # Without the rules in force when assigned: a JSON document per row, read only by
        # the suggestion page's deadline explanations.
        current = current.defer("rules")
    return qs.prefetch_related(
        Prefetch(
            "assignments",
            queryset=current.order_by(_CO_LAST, "id"),
            to_attr="current_assignments",
        )
    )


def staff_assignment_late_cutoff(today: date) -> date:
    """The last day of receipt whose 5-working-day assignment limit has passed by today."""
    return deadlines.staff_assignment_late_cutoff(
        today=today,
        working_days=settings.PORTAL["STAFF_ASSIGN_WORKING_DAYS"],
        calendar=deadlines.WorkCalendar.load(),
    )


def _figure_members(filters: dict, today: date) -> list[int]:
    scope = figures.Scope(
        term=filters.get("term"),
        meeting=filters.get("meeting"),
        channel=filters.get("channel") or None,
        category=filters.get("category"),
        unit=filters.get("unit"),
        key_only=bool(filters.get("key")),
        system=filters.get("system") or None,
    )
    if filters["figure"] in figures.UNIT_FIGURES and scope.unit is None:
        return []
    return figures.figure_members(
        scope=scope, as_of=filters.get("as_of") or today, figure=filters["figure"]
    )


def next_number(term) -> int:
    """The number the next suggestion logged in this term will get (shown on the form; the
    workflow gives the real one under a lock)."""
    return (term.suggestions.aggregate(m=Max("number"))["m"] or 0) + 1


def explain_deadlines(assignments) -> None:
    """Set `deadline_lines` on each assignment (its `deadline_changes` prefetched): how its
    deadline in force came about (deadlines.assignment_explanation). The calendar is read
    only for an assignment without stored explanations, and then once."""
    calendar = []

    def load():
        if not calendar:
            calendar.append(deadlines.WorkCalendar.load())
        return calendar[0]

    for assignment in assignments:
        assignment.deadline_lines = deadlines.assignment_explanation(
            changes=assignment.deadline_changes.all(),
            assigned_on=assignment.assigned_on,
            rules=assignment.rules,
            role=assignment.role,
            calendar_loader=load,
        )


def deadline_preview(*, suggestion: Suggestion, assigned_on: date) -> dict:
    """The deadline each role would get if assigned on this day: staff see it before saving."""
    rules = deadlines.rules_for_channel(suggestion.channel, congress_id=suggestion.congress_id)
    calendar = deadlines.WorkCalendar.load()
    preview = {}
    for role, label in Assignment.Role.choices:
        result = deadlines.reply_deadline(
            assigned_on=assigned_on, rules=rules, role=role, calendar=calendar
        )
        preview[role] = {
            "label": label,
            "date": result.date,
            "lines": deadlines.explanation_lines(result.explanation()),
        }
    return preview


# --- co-signers and deliveries, as every page shows them --------------------------------


def named_co_signatures(prefix: str = "") -> Prefetch:
    """A suggestion's co-signers as pages list them (`named_co_signatures` attribute): the
    confirmed ones, and those still 待确认 marked so; declined ones are left out."""
    return Prefetch(
        f"{prefix}co_signatures",
        queryset=CoSignature.objects.filter(state__in=CoSignature.NAMED)
        .select_related("deputy__delegation")
        .order_by("id"),
        to_attr="named_co_signatures",
    )


def delivered_to() -> Prefetch:
    """A reply's deliveries (`sent_to` attribute): the lead deputy first, then co-signers,
    then merged suggestions' deputies with their verdicts."""
    return Prefetch(
        "deliveries",
        queryset=ReplyDelivery.objects.select_related("deputy", "via").order_by("id"),
        to_attr="sent_to",
    )


# --- the suggestion page -------------------------------------------------------------------


@dataclass
class SuggestionPage:
    suggestion: Suggestion
    assignments: list
    timeline: list
    pending_reassignments: list
    pending_extensions: list


def suggestion_page(*, user, pk) -> SuggestionPage:
    """Everything the suggestion page shows, in a fixed number of queries (404 if the user
    may not see it)."""
    suggestion = access.suggestion_for_user(
        user,
        pk,
        Suggestion.objects.select_related(
            "term",
            "meeting",
            "category",
            "lead_deputy__delegation",
            "supervisor",
            "merged_into",
            # 分级处理: a copy names the congress it came from, never the original itself.
            "forwarded_from__from_congress",
        ).prefetch_related(
            named_co_signatures(),
            "merged_from",
            Prefetch(
                "forwardings",
                queryset=Forwarding.objects.select_related(
                    "to_congress", "copy", "forwarded_by"
                ).order_by("forwarded_at", "id"),
            ),
        ),
    )
    assignments = list(
        access.assignments_visible_to(user, suggestion.assignments.all())
        .select_related("unit", "replaced_by__unit")
        .prefetch_related(
            # Replies of assignments the user may see: visible by `access.reply_visibility_q`
            # itself (whoever sees the assignment sees its replies), so no second check.
            Prefetch(
                "replies",
                queryset=Reply.objects.select_related("feedback__entered_by")
                .prefetch_related("attachments", delivered_to())
                .order_by("round", "replied_on", "id"),
            ),
            "contacts",
            "opinions",
            Prefetch(
                "deadline_changes",
                queryset=DeadlineChange.objects.order_by("effective_on", "id"),
            ),
        )
    )
    explain_deadlines(assignments)
    overview = access.can_see_all(user)
    pending = {"assignment__suggestion": suggestion, "state": RequestState.PENDING}
    return SuggestionPage(
        suggestion=suggestion,
        assignments=sorted(
            assignments, key=lambda a: (a.state == A.ENDED, a.role == Assignment.Role.CO, a.pk)
        ),
        timeline=suggestion_timeline(suggestion, user=user),
        pending_reassignments=list(
            ReassignmentRequest.objects.filter(**pending).select_related(
                "assignment__unit", "suggested_unit", "requested_by"
            )
        )
        if overview
        else [],
        pending_extensions=list(
            ExtensionRequest.objects.filter(**pending).select_related(
                "assignment__unit", "requested_by"
            )
        )
        if overview
        else [],
    )


# A suggestion's change of state that the workflow records beside the step causing it, in
# the same action: 交办 after its 交办承办单位 rows, 全部答复 after the last lead reply, 重新办理
# of the suggestion after the assignment's. People see one step, so the timeline shows it on
# that step's line instead of a second line saying the same thing.
_STATE_EVENT_AFTER = {
    "suggestion.assign": ({"assignment.create"}, "建议已交办"),
    "suggestion.replied": ({"reply.post"}, "建议已全部答复"),
    "suggestion.rehandle": ({"assignment.rehandle"}, "建议转入重新办理"),
}


def suggestion_timeline(suggestion: Suggestion, *, user) -> list[dict]:
    """The audit events of a suggestion, oldest first, as lines people can read: one line
    per step (see `_STATE_EVENT_AFTER`). A unit's users see the suggestion's own events and
    their unit's, not other units'."""
    # A letter's preparation (起草, 签发, 退回) is its unit's and its reviewers' business:
    # shown on the assignment page (`assignment_page.signing_history`), not here, where
    # deputies look. Its release is the 答复 line.
    events = (
        AuditEvent.objects.filter(suggestion=suggestion)
        .exclude(action__startswith="reply.draft.")
        .select_related("actor", "assignment__unit")
    )
    if not access.can_see_all(user):
        events = events.filter(
            Q(assignment__isnull=True)
            | Q(assignment__in=access.assignments_visible_to(user).values("pk"))
        )
    lines, previous = [], None
    for event in events:
        causes, note = _STATE_EVENT_AFTER.get(event.action, ((), ""))
        if (
            previous is not None
            and previous.action in causes
            and previous.actor_id == event.actor_id
            and previous.day == event.day
        ):
            lines[-1]["detail"] = ",".join(p for p in (lines[-1]["detail"], note) if p)
            continue
        lines.append(
            {
                "at": event.at,
                # The day it happened, shown apart when it was recorded later (DESIGN.md §7).
                "day": event.day,
                "entered_later": event.entered_later,
                "label": AUDIT_ACTION_LABELS.get(event.action, event.action),
                "actor": event.actor.display_name if event.actor else "系统",
                "detail": _event_detail(event),
            }
        )
        previous = event
    return lines


_ROLE_LABELS = dict(Assignment.Role.choices)


def _event_detail(event: AuditEvent) -> str:
    data = event.data or {}
    parts = []
    if event.assignment_id and event.assignment:
        parts.append(event.assignment.unit.name)
    if "role" in data:
        parts.append(_ROLE_LABELS.get(data["role"], data["role"]))
    if data.get("deadline"):
        parts.append(f"答复期限 {data['deadline']}")
    if data.get("into_number"):
        parts.append(f"并入{data['into_number']}")
    if data.get("supervisor"):
        parts.append(f"督办领导 {data['supervisor']}")
    if data.get("topic"):
        parts.append(f"专题《{data['topic']}》")
    if data.get("participants"):
        parts.append(f"参加人员 {data['participants']}")
    if data.get("responsible_leader") or data.get("handler_name"):  # 五定 named at 签收
        parts.append(
            f"分管领导 {data.get('responsible_leader') or '未填写'},"
            f"经办人 {data.get('handler_name') or '未填写'}"
        )
    if data.get("from_congress"):  # a copy forwarded from an upper congress
        parts.append(f"由{data['from_congress']} 转来")
    if data.get("congress"):  # 分级处理: the lower congress, on the original
        parts.append(data["congress"])
    if data.get("reply_result"):
        parts.append(data["reply_result"])
    if data.get("changes"):
        parts.append(
            ";".join(
                f"{_field_label(name)}:{_short(old)} → {_short(new)}"
                for name, (old, new) in data["changes"].items()
            )
        )
    if event.reason:
        parts.append(event.reason)
    return ",".join(p for p in parts if p)


def _field_label(name: str) -> str:
    try:
        return str(Suggestion._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _short(value: str, limit: int = 40) -> str:
    value = value or "(空)"
    return value if len(value) <= limit else value[:limit] + "…"


def _pending(model) -> QuerySet:
    """Requests of `model` (reassignment or extension) that staff have not decided."""
    return model.objects.filter(state=RequestState.PENDING)


def has_pending_request(model) -> Exists:
    """An assignment with a request of `model` that staff have not decided: for the API's
    fields and filters (OuterRef to the assignment)."""
    return Exists(_pending(model).filter(assignment=OuterRef("pk")))


def pending_request_q() -> Q:
    """Assignments with a reassignment or extension request staff have not decided, as
    membership in the (few) pending requests' assignments: the inbox counts test it on
    every assignment of a unit, where a correlated EXISTS per assignment and kind probed
    two indexes 10,000 times (17 of the inbox's 22 ms of SQL at 100,000 suggestions)."""
    # One IN over the union, not two ORed: the planner joins the few rows to the
    # assignments (the tab's list), where an OR of two made it read all the unit's rows.
    reassignments, extensions = (
        _pending(model).values("assignment_id").order_by()
        for model in (ReassignmentRequest, ExtensionRequest)
    )
    return Q(pk__in=reassignments.union(extensions))


def pending_requests() -> tuple[list, list]:
    """Pending reassignment and extension requests for staff to decide, oldest first."""
    common = ("assignment__unit", "assignment__suggestion__term", "requested_by")
    return (
        list(
            _pending(ReassignmentRequest)
            .select_related(*common, "suggested_unit")
            .order_by("requested_on", "id")
        ),
        list(_pending(ExtensionRequest).select_related(*common).order_by("requested_on", "id")),
    )


# --- the unit inbox and assignment page ----------------------------------------------------

INBOX_TABS = {
    "pending": "待签收",
    "handling": "办理中",
    "due_soon": "即将到期",
    "overdue": "已逾期",
    "opinion_overdue": "协办意见逾期",
    "opinion_due": "协办意见待提交",
    "requests": "申请待审核",
    "replied": "已答复",
}
# Tabs of late work: shown as an alarm when anything is in them (inbox and home page).
INBOX_ALARM_TABS = frozenset({"overdue", "opinion_overdue"})


def _inbox_conditions(today: date) -> dict:
    """Each inbox tab as a condition on assignments, defined once for the counts and lists;
    the deadline tabs are the meanings of `Assignment` (overdue: lead assignments only)."""
    return {
        "pending": Q(state=A.ASSIGNED),
        "handling": Q(state=A.ACCEPTED),
        "due_soon": Assignment.due_soon_q(today),
        "overdue": Assignment.overdue_q(today),
        "opinion_overdue": Assignment.opinion_overdue_q(today),
        # A co-handler (协办) that still owes the lead its opinion, late or not.
        "opinion_due": Assignment.owes_opinion_q(),
        # A reassignment or extension request the unit made that staff have not decided.
        "requests": pending_request_q(),
        "replied": Q(state=A.REPLIED),
    }


def unit_inbox_counts(*, unit_id: int, today: date) -> dict:
    """How many assignments sit under each tab. One aggregate query."""
    conditions = _inbox_conditions(today)
    return Assignment.objects.filter(unit_id=unit_id).aggregate(
        **{tab: Count("id", filter=condition) for tab, condition in conditions.items()}
    )


def unit_inbox(*, unit_id: int, tab: str, today: date) -> QuerySet:
    """The unit's assignments under one tab: nearest deadline first, answered ones newest
    first."""
    condition = _inbox_conditions(today)[tab]
    order = ("-id",) if tab == "replied" else ("deadline", "id")
    return (
        Assignment.objects.filter(condition, unit_id=unit_id)
        .select_related("suggestion__term", "suggestion__lead_deputy", "suggestion__category")
        .order_by(*order)
    )


def unit_rehandling(*, unit_id: int) -> list:
    """Open assignments sent back by a dissatisfied deputy: shown above every tab."""
    return list(
        Assignment.objects.filter(unit_id=unit_id, state__in=OPEN_STATES, round__gt=1)
        .select_related("suggestion__term", "suggestion__lead_deputy")
        .order_by("deadline", "id")
    )


# Where a co-handler stands with its opinion to the lead, in the words the pages show.
CO_OPINION_STATES = {"sent": "已提交", "missing": "未提交", "waived": "已豁免"}


@dataclass
class CoHandler:
    """One co-handler (协办) of a lead's suggestion and its opinion: `state` is "sent" (the
    opinion is on file), "waived" (staff let the lead go without it; `reason`) or "missing"
    (it still owes it: `Assignment.owes_opinion_q`, what holds the lead's reply)."""

    assignment: Assignment
    state: str
    opinion: Opinion | None

    @property
    def unit(self):
        return self.assignment.unit

    @property
    def label(self) -> str:
        return CO_OPINION_STATES[self.state]

    @property
    def reason(self) -> str:
        return self.assignment.opinion_waiver_reason


def co_handlers(*, assignment: Assignment) -> list[CoHandler]:
    """The co-handlers in force of a lead (主办/分办) assignment's suggestion — not ended, i.e.
    not reassigned away or withdrawn — with their opinion state, in the order assigned: for
    the lead unit's page, the API and the printed 答复函. Empty for a co-handler itself. Two
    queries (the assignments with their units, their opinions)."""
    if not assignment.answers_deputy:
        return []
    rows = (
        Assignment.objects.filter(suggestion_id=assignment.suggestion_id, role=Assignment.Role.CO)
        .exclude(state=A.ENDED)
        .select_related("unit")
        .prefetch_related(Prefetch("opinions", queryset=Opinion.objects.order_by("sent_on", "id")))
        .order_by("id")
    )
    handlers = []
    for co in rows:
        opinions = list(co.opinions.all())
        if co.state == A.REPLIED:  # sending the opinion answers the assignment
            state = "sent"
        elif co.opinion_waived:
            state = "waived"
        else:
            state = "missing"
        handlers.append(CoHandler(co, state, opinions[-1] if opinions else None))
    return handlers


@dataclass
class AssignmentPage:
    assignment: Assignment
    suggestion: Suggestion
    replies: list
    co_handlers: list  # CoHandler rows, for a lead assignment
    pending_requests: list
    reassignment_window_end: date
    deputy_contact_visible: bool  # the lead deputy's phone (access.deputy_contact_q)
    draft: object = None  # the letter in preparation, if the user may see it
    signing_history: list = ()  # every draft, sign, review and release step (its unit's)

    @property
    def missing_co_opinions(self) -> list:
        """The co-handlers holding the lead's reply (`workflow._require_co_handler_opinions`)."""
        return [c for c in self.co_handlers if c.state == "missing"]


def assignment_page(*, user, pk) -> AssignmentPage:
    """What a handling unit sees of one assignment, in a fixed number of queries (404 when the
    user may not see it)."""
    assignment = access.assignment_for_user(
        user,
        pk,
        Assignment.objects.select_related(
            "unit",
            "suggestion__term",
            "suggestion__category",
            "suggestion__lead_deputy__delegation",
        ).prefetch_related(
            named_co_signatures("suggestion__"),
            "contacts",
            "opinions",
            Prefetch(
                "deadline_changes",
                queryset=DeadlineChange.objects.order_by("effective_on", "id"),
            ),
        ),
    )
    explain_deadlines([assignment])
    # The assignment came through access.assignment_for_user: its replies are the user's to see.
    replies = list(
        assignment.replies.select_related("feedback")
        .prefetch_related("attachments", delivered_to())
        .order_by("round", "replied_on", "id")
    )
    # The lead unit sees what its co-handlers sent it, and who still holds its reply.
    draft = (
        access.drafts_visible_to(user)
        .filter(assignment=assignment)
        .exclude(stage=ReplyDraft.Stage.RELEASED)
        .select_related("signed_by", "replaces")
        .prefetch_related("attachments")
        .first()
    )
    # The unit and reviewers see every note; the deputy's and leaders' view has none.
    history = []
    own_unit = user.is_unit_user and user.unit_id == assignment.unit_id
    if own_unit or signing.can_review(user, assignment):
        events = AuditEvent.objects.filter(assignment=assignment, action__in=SIGNING_ACTIONS)
        if not own_unit:
            # Reviewers see the history of letters once signed, never a draft still in the
            # unit's hands.
            signed = access.drafts_visible_to(user).filter(assignment=assignment)
            events = events.filter(data__draft__in=list(signed.values_list("pk", flat=True)))
        history = list(events.select_related("actor").order_by("at", "id"))
    pending = [
        *ReassignmentRequest.objects.filter(assignment=assignment, state=RequestState.PENDING),
        *ExtensionRequest.objects.filter(assignment=assignment, state=RequestState.PENDING),
    ]
    return AssignmentPage(
        assignment=assignment,
        suggestion=assignment.suggestion,
        replies=replies,
        co_handlers=co_handlers(assignment=assignment),
        pending_requests=pending,
        reassignment_window_end=deadlines.reassignment_window_end(
            assigned_on=assignment.assigned_on,
            rules=deadlines.Rules.from_dict(assignment.rules),
        ),
        deputy_contact_visible=access.can_see_deputy_contact(
            user, assignment.suggestion.lead_deputy
        ),
        draft=draft,
        signing_history=history,
    )


SIGNING_ACTIONS = (
    "reply.draft.save",
    "reply.draft.sign",
    "reply.draft.return",
    "reply.draft.reclass",
    "reply.post",
    "reply.follow_up",
)


def drafts_awaiting_review(*, user) -> QuerySet:
    """Signed letters waiting for this reviewer (staff: all; 督查室: government units')."""
    if not (user.is_committee_staff or user.is_inspector):
        return ReplyDraft.objects.none()
    return (
        access.drafts_visible_to(user)
        .filter(stage=ReplyDraft.Stage.SIGNED)
        .select_related("assignment__unit", "assignment__suggestion__term", "signed_by")
        .order_by("signed_on", "id")
    )


def publications_due(*, today: date) -> QuerySet:
    """Public replies released but not on the public page yet (a publication day still to
    come, or none set): what staff must publish, by their latest day."""
    return (
        Reply.objects.filter(is_public=True, superseded=False)
        .filter(Q(publish_on__gt=today) | Q(publish_on__isnull=True))
        .select_related("assignment__unit", "assignment__suggestion__term")
        .order_by("publish_by", "id")
    )


# --- deputies ------------------------------------------------------------------------------


def deputy_suggestions(*, user) -> QuerySet:
    """The suggestions a deputy leads or co-signed, newest first, with their current units."""
    return (
        access.suggestions_visible_to(user)
        .select_related("term", "category", "lead_deputy")
        .annotate(
            next_deadline=Subquery(_open_answering().order_by("deadline").values("deadline")[:1]),
            # The deputy's own co-signature's state, when not the lead (我的身份).
            my_co_signature=Subquery(
                CoSignature.objects.filter(access.seat_q(user), suggestion=OuterRef("pk")).values(
                    "state"
                )[:1]
            ),
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.exclude(state=A.ENDED)
                .select_related("unit")
                .order_by(_CO_LAST, "id"),
                to_attr="current_assignments",
            )
        )
        .order_by("-created_at", "-id")
    )


def replies_awaiting_feedback(*, user) -> list:
    """Replies in force on the deputy's own suggestions that have no feedback yet."""
    return list(
        Reply.objects.filter(
            Reply.awaiting_feedback_q(),
            access.seat_q(user, "assignment__suggestion__lead_deputy__"),
        )
        .select_related("assignment__unit", "assignment__suggestion")
        .order_by("replied_on", "id")
    )


def merged_deliveries(*, user) -> list:
    """Replies sent to the deputy because their suggestion was merged into another (并案),
    newest first, each with whether it waits for their verdicts (`awaits_feedback`)."""
    return list(
        ReplyDelivery.objects.filter(access.seat_q(user), role=ReplyDelivery.Role.MERGED)
        .select_related("via", "reply__assignment__unit", "reply__assignment__suggestion")
        .order_by("-sent_on", "-id")
    )


def pending_co_signatures(*, user) -> list:
    """Co-signatures naming the deputy that wait for their confirmation (附议确认)."""
    return list(
        CoSignature.objects.filter(access.seat_q(user), state=CoSignature.State.PENDING)
        .exclude(suggestion__status__in=[Suggestion.Status.WITHDRAWN, Suggestion.Status.REJECTED])
        .select_related("suggestion__lead_deputy")
        .order_by("suggestion__created_at", "id")
    )


# --- the public page -----------------------------------------------------------------------


def public_reply_years(congress_id: int) -> list[int]:
    """The years with a published reply of one congress, newest first: what the public page's
    year filter offers. One query."""
    dates = Reply.objects.filter(
        Reply.published_q(), assignment__suggestion__congress_id=congress_id
    ).dates("replied_on", "year", order="DESC")
    return [d.year for d in dates]


def public_replies(*, congress_id: int, category=None, year=None, text: str = "") -> QuerySet:
    """One congress's replies published for everyone: public, in force, on suggestions still
    on record. Carries no phone numbers or other contact data (the page must not show them)."""
    qs = Reply.objects.filter(Reply.published_q(), assignment__suggestion__congress_id=congress_id)
    if category:
        qs = qs.filter(assignment__suggestion__category=category)
    if year:
        qs = qs.filter(replied_on__year=year)
    text = (text or "").strip()
    if text:
        # A reply published as a summary is searched in its summary only: its full text is
        # not public.
        qs = qs.filter(
            Q(assignment__suggestion__title__icontains=text)
            | Q(text__icontains=text, publication=Reply.Publication.PUBLIC)
            | Q(summary__icontains=text, publication=Reply.Publication.SUMMARY)
        )
    return (
        qs.select_related(
            "assignment__unit",
            "assignment__suggestion__term",
            "assignment__suggestion__category",
            "assignment__suggestion__lead_deputy",
        )
        .only(
            "id",
            "text",
            "summary",
            "publication",
            "result",
            "replied_on",
            "round",
            "assignment__role",
            "assignment__unit__name",
            "assignment__suggestion__number",
            "assignment__suggestion__title",
            "assignment__suggestion__term__name",
            "assignment__suggestion__category__name",
            "assignment__suggestion__lead_deputy__name",
            "assignment__suggestion__lead_deputy__identity_confidential",
            "assignment__suggestion__proposers",  # a forwarded copy's (Suggestion.lead_name)
        )
        .order_by("-replied_on", "-id")
    )


# --- 分级处理 in the upward view's sums (DESIGN.md §11) ----------------------------------------

# The one crossing of this read (congresses.rls.CROSSINGS).
FORWARDED_BELOW = "portal_forwarded_below"


def forwarded_below(as_of: date) -> dict[tuple[int, int], int]:
    """{(sender congress id, receiver congress id): n} of the suggestions forwarded down into
    the congresses below the one acted in whose original and copy both count as 提出 on
    `as_of` in their congress's current term: what the upward view's sums would otherwise
    count twice (figures.summed). One query; on PostgreSQL through the SECURITY DEFINER
    function that answers these counts only."""
    if connections["default"].vendor == "postgresql":
        with connections["default"].cursor() as cursor:
            cursor.execute(f"SELECT * FROM {FORWARDED_BELOW}(%s)", [as_of])
            return {(a, b): n for a, b, n in cursor.fetchall()}
    ids = [c.pk for c in congresses_below(context.current_id())]
    rows = (
        Forwarding._base_manager.filter(
            to_congress_id__in=ids,
            original__term__is_current=True,
            copy__term__is_current=True,
            original__submitted_on__lte=as_of,
            copy__submitted_on__lte=as_of,
        )
        .order_by()
        .values_list("from_congress_id", "to_congress_id")
        .annotate(n=Count("id"))
    )
    return {(a, b): n for a, b, n in rows}
