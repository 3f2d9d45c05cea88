"""The figures of DESIGN.md §5: the only place they are defined.

Every figure is computed for a `Scope` and an as-of date D from the event rows (assignments,
deadline changes, replies, feedback, contacts): only events dated on or before D count, so a
figure "as of" a past date can be regenerated exactly later. Current-state columns
(`Suggestion.status`, `Assignment.state`, `Assignment.round`, `Reply.superseded`) are never
read, because they describe today, not D.

How it works:
1. Six `values_list` queries load the scope's suggestions, their assignments, deadline
   changes, replies, feedback and face-to-face contacts (a constant number of queries).
2. `_AssignmentFacts` works out, per answering (主办/分办) assignment, what was true at D.
3. `_SuggestionFacts` combines its assignments into the suggestion's facts at D.
4. `_derive` works those facts out once per suggestion (a `_Row`, with the scopes it is in);
   `compute`, `compute_many` (every scope of a term in one pass), `unit_figures` and
   `figure_members` all count or list these rows; `Rate` turns counts into percentages.

Decisions where §5 leaves room (see each definition below):
- An assignment is *in force* at D when it was made on or before D and had not ended on or
  before D. A reassigned assignment stops counting when it ends; its replacement counts
  from its own assignment date.
- An assignment's round at D is 1 + the number of 不满意 feedbacks (dated ≤ D) on its
  replies: after 不满意 the round is open again until a reply of the new round is dated ≤ D.
- The deadline of round r in force at a date X is the newest deadline change of that round
  with effective_on ≤ X; if none is effective yet (the round's start was recorded later than
  it happened), the round's first change. Rounds are read from the change history: INITIAL
  opens round 1, each REHANDLE opens the next one.
- With several answering assignments (分办) the suggestion takes the least favourable value:
  the highest letter, the least satisfied verdict.
- Co-handlers (协办) send opinions, not replies: they never enter a figure.
- `Scope.key_only` uses the current `is_key` flag (the key mark has no dated history).
- A suggestion withdrawn after 交办 stays counted as assigned (it was handed over); its ended
  assignments are not in force, so it is never replied or closed.
- 分级处理 (DESIGN.md §11): a suggestion forwarded to a lower congress (已转下级办理,
  下级已办结) has no assignment of the sender, so the sender counts it as 提出 only, never
  as 交办, 答复 or 办结; the lower congress's copy is its own suggestion and counts there
  from its own dates. No status is read for this: the rule above already excludes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.db.models.fields.json import KT

from congresses import context
from units.models import Unit, UnitSystem

from .models import (
    SUPERVISION_ACTIONS,
    Assignment,
    AuditEvent,
    Contact,
    DeadlineChange,
    Feedback,
    Reply,
    Suggestion,
    Verdict,
)

ANSWERING_ROLES = tuple(str(r) for r in Assignment.ANSWERING_ROLES)
RESULTS = ("A", "B", "C", "D")
# Least satisfied last: with several answering units the suggestion takes the worst verdict.
VERDICT_ORDER = (Verdict.SATISFIED, Verdict.BASICALLY, Verdict.DISSATISFIED)
CONTENT = (Verdict.SATISFIED, Verdict.BASICALLY)


# --- rates -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """numerator / denominator as a percentage: exact, rounded half-up to one decimal.

    A zero denominator has no value and shows "—", never 0% or an error.
    """

    numerator: int
    denominator: int

    @property
    def percent(self) -> Decimal | None:
        if not self.denominator:
            return None
        # Integer arithmetic in tenths of a percent: exact, then half-up on the remainder.
        tenths, remainder = divmod(self.numerator * 1000, self.denominator)
        if 2 * remainder >= self.denominator:
            tenths += 1
        return Decimal(tenths).scaleb(-1)

    def __str__(self) -> str:
        value = self.percent
        return "—" if value is None else f"{value}%"


# --- scope -----------------------------------------------------------------------------------


def _pk(value):
    return getattr(value, "pk", value)


FILTERS = ("term", "meeting", "channel", "category", "unit", "key_only", "system")


@dataclass(frozen=True)
class Scope:
    """Which suggestions a figure covers. Each field is optional; models or ids are accepted.

    `unit` keeps the suggestions with an answering assignment of that unit made ≤ D;
    `system` (a `units.models.UnitSystem` value) those with one of a unit of that system
    ("交由政府系统办理201件"). The system is the unit's as it is today (master data).
    """

    term: object = None
    meeting: object = None
    channel: str | None = None
    category: object = None
    unit: object = None
    key_only: bool = False
    system: str | None = None

    def __post_init__(self):
        if self.system is not None and self.system not in UnitSystem.values:
            raise ValueError(f"unknown unit system {self.system!r}")

    def answers(self, a: _AssignmentFacts) -> bool:
        """Whether an answering assignment belongs to the scope's unit or system (any when
        neither is set): the assignments 逾期数 and the unit rows of this scope count."""
        return (self.unit is None or a.unit_id == _pk(self.unit)) and (
            self.system is None or a.unit_system == self.system
        )

    @cached_property
    def pairs(self) -> frozenset:
        """The scope's filters as (name, value) pairs: a suggestion is in the scope when its
        `_Row.keys` hold every one of them."""
        return frozenset(
            (name, _pk(value))
            for name in FILTERS
            if (value := getattr(self, name)) not in (None, False, "")
        )

    @cached_property
    def wanted(self) -> frozenset:
        """The `_Row.keys` a suggestion of the scope holds: its `pairs`, with a unit and a
        system asked for together as one pair (one assignment must answer for both)."""
        if self.unit is None or self.system is None:
            return self.pairs
        both = ("unit_system", (_pk(self.unit), self.system))
        return self.pairs - {("unit", _pk(self.unit)), ("system", self.system)} | {both}

    def narrower(self, sub: Scope) -> bool:
        """Whether `sub` keeps every filter of this scope (and may add its own)."""
        return self.pairs <= sub.pairs

    def suggestions(self):
        qs = Suggestion.objects.all()
        if self.term is not None:
            qs = qs.filter(term_id=_pk(self.term))
        if self.meeting is not None:
            qs = qs.filter(meeting_id=_pk(self.meeting))
        if self.channel:
            qs = qs.filter(channel=self.channel)
        if self.category is not None:
            qs = qs.filter(category_id=_pk(self.category))
        if self.key_only:
            qs = qs.filter(is_key=True)
        if self.unit is not None or self.system is not None:
            answering = Assignment.objects.filter(
                suggestion=OuterRef("pk"), role__in=ANSWERING_ROLES
            )
            if self.unit is not None:
                answering = answering.filter(unit_id=_pk(self.unit))
            if self.system is not None:
                answering = answering.filter(unit__system=self.system)
            qs = qs.filter(Exists(answering))
        return qs


# --- per-assignment facts at D ---------------------------------------------------------------


@dataclass
class _AssignmentFacts:
    id: int
    suggestion_id: int
    unit_id: int
    assigned_on: date
    ended_on: date | None
    deadline: date  # today's deadline: only a fallback when no change row exists
    unit_system: str = ""
    changes: list = field(default_factory=list)  # (round, effective_on, new_deadline)
    replies: list = field(default_factory=list)  # (replied_on, id, round, result), ≤ D
    feedback: list = field(default_factory=list)  # (given_on, id, round, verdict), ≤ D
    face_contacts: list = field(default_factory=list)  # contacted_on, ≤ D

    def in_force(self, d: date) -> bool:
        return self.assigned_on <= d and (self.ended_on is None or self.ended_on > d)

    # The properties below read only rows dated ≤ D, complete once `_load` has filled them:
    # each is worked out once per load.
    @cached_property
    def round(self) -> int:
        """Round at D: each 不满意 dated ≤ D reopens the assignment for one more round."""
        return 1 + sum(1 for *_, verdict in self.feedback if verdict == Verdict.DISSATISFIED)

    def round_replies(self, round_: int) -> list:
        return sorted(r for r in self.replies if r[2] == round_)

    @cached_property
    def _current_replies(self) -> list:
        return self.round_replies(self.round)

    @cached_property
    def answer(self):
        """The first reply of the current round dated ≤ D: it answered, on time or not."""
        replies = self._current_replies
        return replies[0] if replies else None

    @cached_property
    def reply_in_force(self):
        """The latest reply of the current round dated ≤ D (a follow-up replaces the reply it
        superseded only from the follow-up's own date)."""
        replies = self._current_replies
        return replies[-1] if replies else None

    def deadline_on(self, round_: int, day: date) -> date:
        """The deadline of `round_` in force on `day` (see the module docstring)."""
        changes = [c for c in self.changes if c[0] == round_]
        if not changes:
            return self.deadline
        effective = [c for c in changes if c[1] <= day]
        return (effective or changes)[-1][2]

    @cached_property
    def on_time(self) -> bool:
        """Every round's first reply came on or before that round's deadline in force then."""
        for round_ in range(1, self.round + 1):
            replies = self.round_replies(round_)
            if not replies:
                return False
            replied_on = replies[0][0]
            if replied_on > self.deadline_on(round_, replied_on):
                return False
        return True

    def overdue(self, d: date) -> bool:
        """逾期: in force at D, no reply of the current round ≤ D, its deadline before D."""
        return self.in_force(d) and self.answer is None and self.deadline_on(self.round, d) < d

    @cached_property
    def latest_verdict(self) -> str | None:
        return max(self.feedback)[3] if self.feedback else None

    @cached_property
    def first_round_verdict(self) -> str | None:
        first = [f for f in self.feedback if f[2] == 1]
        return min(first)[3] if first else None

    @cached_property
    def current_round_verdict(self) -> str | None:
        current = [f for f in self.feedback if f[2] == self.round]
        return max(current)[3] if current else None


def _worst(verdicts) -> str | None:
    verdicts = [v for v in verdicts if v is not None]
    return max(verdicts, key=VERDICT_ORDER.index) if verdicts else None


# --- per-suggestion facts at D ---------------------------------------------------------------


@dataclass
class _SuggestionFacts:
    id: int
    category: str | None
    closed_on: date | None
    submitted_on: date | None
    # What scopes select on, so one load can serve several scopes (`compute_many`).
    term_id: int | None = None
    meeting_id: int | None = None
    channel: str | None = None
    category_id: int | None = None
    is_key: bool = False
    assignments: list = field(default_factory=list)  # answering ones only

    def is_assigned(self, d: date) -> bool:
        """交办: an answering assignment made ≤ D (one ended since still counts)."""
        return any(a.assigned_on <= d for a in self.assignments)

    def in_force(self, d: date) -> list:
        return [a for a in self.assignments if a.in_force(d)]

    def is_replied(self, d: date) -> bool:
        """答复: every answering assignment in force at D has a reply of its round at D dated
        ≤ D (so a 不满意 ≤ D makes it unreplied until the next round's reply)."""
        current = self.in_force(d)
        return bool(current) and all(a.answer is not None for a in current)

    def is_on_time(self, d: date) -> bool:
        return all(a.on_time for a in self.in_force(d))

    def is_closed(self, d: date) -> bool:
        """办结: replied (so no re-handling open) and either closed by staff ≤ D or every
        answering assignment's current round has feedback 满意/基本满意 ≤ D."""
        if not self.is_replied(d):
            return False
        if self.closed_on is not None and self.closed_on <= d:
            return True
        return all(a.current_round_verdict in CONTENT for a in self.in_force(d))

    def result(self, d: date) -> str:
        """The class of the lead replies in force at D; with 分办 the highest letter."""
        return max(a.reply_in_force[3] for a in self.in_force(d))

    def latest_verdict(self, d: date) -> str | None:
        """Latest feedback ≤ D per answering assignment; with 分办 the least satisfied."""
        return _worst(a.latest_verdict for a in self.assignments if a.assigned_on <= d)

    def first_round_verdict(self, d: date) -> str | None:
        """The verdict on the round-1 reply (初次); with 分办 the least satisfied."""
        return _worst(a.first_round_verdict for a in self.assignments if a.assigned_on <= d)

    def had_face_contact(self, d: date) -> bool:
        """面商: a face-to-face contact on or before the day the suggestion was replied (the
        latest first reply of the current rounds). Dates are days: a talk on the reply day
        came before the letter."""
        replied_on = max(a.answer[0] for a in self.in_force(d))
        return any(c <= replied_on for a in self.assignments for c in a.face_contacts)


# Up to this many ids are passed as a list (SQLite allows 999 parameters in a query).
ID_LIST_MAX = 20000


def _ids(loaded: dict, subquery):
    """The ids of `loaded` as a list when there are few, else `subquery` (the same ids)."""
    limit = min(ID_LIST_MAX, connection.features.max_query_params or ID_LIST_MAX)
    return list(loaded) if len(loaded) <= limit else subquery


def _load(scope: Scope, as_of: date) -> list[_SuggestionFacts]:
    """1. The scope's rows dated ≤ D, in six queries, grouped per suggestion (a unit or
    system scope also holds suggestions whose assignment of it is made after D)."""
    return _load_rows(scope.suggestions(), as_of)


def _load_rows(suggestion_qs, as_of: date) -> list[_SuggestionFacts]:
    suggestions = {
        row[0]: _SuggestionFacts(*row)
        # No model ordering (it joins the term to sort): these loads only group rows.
        for row in suggestion_qs.order_by().values_list(
            "id",
            "category__name",
            "closed_on",
            "submitted_on",
            "term_id",
            "meeting_id",
            "channel",
            "category_id",
            "is_key",
        )
    }
    # A small scope passes the ids it loaded, so the database looks each row up by its index
    # instead of joining the scope's filter against whole tables; a large one (a term) keeps
    # the subquery. Both select the same rows.
    ids = _ids(suggestions, suggestion_qs.values("id"))
    assignments = {}
    for row in (
        Assignment.objects.filter(suggestion_id__in=ids, role__in=ANSWERING_ROLES)
        .order_by("id")
        .values_list(
            "id", "suggestion_id", "unit_id", "assigned_on", "ended_on", "deadline", "unit__system"
        )
    ):
        facts = _AssignmentFacts(*row)
        assignments[facts.id] = facts
        suggestions[facts.suggestion_id].assignments.append(facts)
    answering = _ids(
        assignments,
        Assignment.objects.filter(suggestion_id__in=ids, role__in=ANSWERING_ROLES).values("id"),
    )
    in_scope = {"assignment_id__in": answering}

    rounds = defaultdict(int)
    for assignment_id, kind, effective_on, new_deadline in (
        DeadlineChange.objects.filter(**in_scope)
        .order_by("created_at", "id")
        .values_list("assignment_id", "kind", "effective_on", "new_deadline")
    ):
        if kind == DeadlineChange.Kind.INITIAL:
            rounds[assignment_id] = 1
        elif kind == DeadlineChange.Kind.REHANDLE:
            rounds[assignment_id] += 1
        round_ = max(rounds[assignment_id], 1)
        assignments[assignment_id].changes.append((round_, effective_on, new_deadline))

    for reply_id, assignment_id, round_, replied_on, result in (
        Reply.objects.filter(**in_scope, replied_on__lte=as_of)
        .order_by()
        .values_list("id", "assignment_id", "round", "replied_on", "result")
    ):
        assignments[assignment_id].replies.append((replied_on, reply_id, round_, result))

    for feedback_id, assignment_id, round_, given_on, verdict in (
        Feedback.objects.filter(reply__assignment_id__in=answering, given_on__lte=as_of)
        .order_by()
        .values_list("id", "reply__assignment_id", "reply__round", "given_on", "result_verdict")
    ):
        assignments[assignment_id].feedback.append((given_on, feedback_id, round_, verdict))

    for assignment_id, contacted_on in (
        Contact.objects.filter(**in_scope, kind=Contact.Kind.FACE, contacted_on__lte=as_of)
        .order_by()
        .values_list("assignment_id", "contacted_on")
    ):
        assignments[assignment_id].face_contacts.append(contacted_on)

    # The unit/system rule (an answering assignment made ≤ D) is applied on the derived rows.
    return list(suggestions.values())


# --- suggestion figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryShare:
    category: str | None
    assigned: int
    share: Rate  # of the scope's assigned total (14 of 201 → 7.0%)


@dataclass(frozen=True)
class Figures:
    scope: Scope
    as_of: date
    submitted: int  # 提出: submitted_on ≤ D
    assigned: int  # 交办数
    replied: int  # 答复数
    on_time: int  # 按期答复
    closed: int  # 办结
    results: dict  # {"A": n, …}: replied suggestions by class
    with_feedback: int  # suggestions with feedback ≤ D
    verdicts: dict  # latest verdict → n, over suggestions with feedback
    with_first_feedback: int  # suggestions with a round-1 feedback ≤ D
    first_verdicts: dict  # round-1 verdict → n
    replied_with_feedback: int
    face_to_face: int  # replied with a face contact before the reply
    overdue: int  # 逾期数: answering assignments, not suggestions
    by_category: list  # CategoryShare, by assigned count

    @property
    def assigned_share(self) -> Rate:
        """交由办理 of 提出 (201 of 203 → 99.0%)."""
        return Rate(self.assigned, self.submitted)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.replied)

    @property
    def completion_rate(self) -> Rate:
        return Rate(self.closed, self.assigned)

    def result_rate(self, *letters: str) -> Rate:
        return Rate(sum(self.results[x] for x in letters), self.replied)

    @property
    def solved_rate(self) -> Rate:  # 解决率 / A类占比
        return self.result_rate("A")

    @property
    def solved_or_solving_rate(self) -> Rate:  # 解决和正在解决率
        return self.result_rate("A", "B")

    @property
    def satisfied_rate(self) -> Rate:
        return Rate(self.verdicts[Verdict.SATISFIED], self.with_feedback)

    @property
    def basically_satisfied_rate(self) -> Rate:
        return Rate(self.verdicts[Verdict.BASICALLY], self.with_feedback)

    @property
    def content_rate(self) -> Rate:  # 满意和基本满意率
        return Rate(sum(self.verdicts[v] for v in CONTENT), self.with_feedback)

    @property
    def first_satisfied_rate(self) -> Rate:  # 初次满意率: the round-1 verdict 满意
        return Rate(self.first_verdicts[Verdict.SATISFIED], self.with_first_feedback)

    @property
    def first_content_rate(self) -> Rate:  # 初次满意和基本满意率
        return Rate(sum(self.first_verdicts[v] for v in CONTENT), self.with_first_feedback)

    @property
    def feedback_rate(self) -> Rate:
        return Rate(self.replied_with_feedback, self.replied)

    @property
    def face_to_face_rate(self) -> Rate:
        return Rate(self.face_to_face, self.replied)


def compute(*, scope: Scope, as_of: date) -> Figures:
    """Every suggestion figure of DESIGN.md §5 for `scope` as of `as_of` (D).

    Counts are of suggestions (逾期数 excepted), each defined on `_SuggestionFacts` and derived
    once per suggestion into a `_Row` (`_derive`):
    - 交办数 `is_assigned`; 答复数 `is_replied`; 按期 `is_on_time` (of replied);
      办结 `is_closed` (rate of assigned); class `result` (shares of replied);
    - 满意/基本满意 `latest_verdict`, over the suggestions with feedback ≤ D;
      初次 `first_round_verdict`, over those with a round-1 feedback ≤ D;
    - 反馈率: replied suggestions with any feedback ≤ D, of replied;
    - 面商率 `had_face_contact`, of replied;
    - 逾期数: answering assignments (of `scope.unit` only, when set) `overdue` at D;
    - 提出: suggestions with submitted_on ≤ D (the base of "交由办理…占总数的99%");
    - category shares: assigned suggestions per category, of all assigned in the scope.
    """
    tally = _Tally(scope)
    for row in _rows(scope, as_of):
        tally.add(row)
    return tally.figures(as_of)


def compute_many(
    *, scope: Scope, within=(), as_of: date
) -> tuple[Figures, dict[Scope, Figures], list[UnitRow]]:
    """`compute` for `scope` and for each narrower scope in `within`, and `unit_figures` for
    `scope`, from a single load of `scope` (six queries however many scopes): the rollup's
    path and the dashboards' live path give the same numbers as one `compute` per scope.

    Each suggestion's facts are derived once; one pass over them counts every scope: a
    suggestion is added to the scopes whose filters its `_Row.keys` hold (looked up by one
    of each scope's own filters, so the pass costs the suggestions' keys, not the scopes)."""
    rows = _rows(scope, as_of)
    whole = _Tally(scope)
    tallies, same, by_pair = {}, [], defaultdict(list)
    for sub in within:
        if not scope.narrower(sub):
            raise ValueError(f"{sub} does not lie within {scope}")
        if sub in tallies:
            continue
        tallies[sub] = tally = _Tally(sub)
        extra = sub.wanted - scope.wanted
        if extra:
            by_pair[next(iter(extra))].append((sub.wanted, tally))
        else:
            same.append(tally)
    for row in rows:
        whole.add(row)
        for tally in same:
            tally.add(row)
        for key in row.keys:
            for pairs, tally in by_pair.get(key, ()):
                if pairs <= row.keys:
                    tally.add(row)
    figures = {sub: tally.figures(as_of) for sub, tally in tallies.items()}
    return whole.figures(as_of), figures, _unit_rows(rows, scope=scope)


def empty(*, scope: Scope, as_of: date) -> Figures:
    """The figures of a scope without suggestions (every count 0, every rate "—")."""
    return _Tally(scope).figures(as_of)


def summed(parts: list[Figures], *, scope: Scope, as_of: date, counted_twice: int = 0) -> Figures:
    """The figures of several congresses taken together (DESIGN.md §11, the upward view):
    every count is the sum of theirs, every rate is computed again from the summed counts
    (never an average of rates), categories are joined by name.

    `counted_twice`: suggestions forwarded down (分级处理) from one of the parts to another
    that both count as 提出 at D (the sender's original and the receiver's copy are one
    deputy's suggestion): counted once. Only 提出 doubles, the sender never counts them as
    交办, 答复 or 办结 (above)."""
    dicts = ("results", "verdicts", "first_verdicts")
    counts = [
        f.name for f in fields(Figures) if f.name not in ("scope", "as_of", "by_category", *dicts)
    ]
    total = {name: sum(getattr(p, name) for p in parts) for name in counts}
    total["submitted"] -= counted_twice
    for name in dicts:
        keys = RESULTS if name == "results" else Verdict.values
        total[name] = {k: sum(getattr(p, name).get(k, 0) for p in parts) for k in keys}
    categories = defaultdict(int)
    for part in parts:
        for share in part.by_category:
            categories[share.category] += share.assigned
    return Figures(
        scope=scope,
        as_of=as_of,
        **total,
        by_category=[
            CategoryShare(name, n, Rate(n, total["assigned"]))
            for name, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        ],
    )


# --- the facts of one suggestion at D, derived once ------------------------------------------


@dataclass(frozen=True, slots=True)
class _AssignmentRow:
    """An answering assignment's facts at D, each from its `_AssignmentFacts` definition."""

    unit_id: int
    unit_system: str
    in_force: bool
    answered: bool  # `answer` is not None: a reply of the current round ≤ D
    on_time: bool  # answered and `on_time`
    overdue: bool
    result: str | None  # the class of `reply_in_force`, when answered
    latest_verdict: str | None

    @property
    def counted(self) -> tuple:  # what a unit row counts of it
        return (self.answered, self.on_time, self.overdue, self.result, self.latest_verdict)


@dataclass(frozen=True, slots=True)
class _Row:
    """A suggestion's facts at D, each from its `_SuggestionFacts` definition (`_derive`):
    every figure of every scope counts these, and `figure_members` lists them."""

    id: int
    keys: frozenset  # the (filter, value) pairs of the scopes it is in (see `Scope.pairs`)
    category: str | None
    submitted: bool  # submitted_on ≤ D
    assigned: bool  # is_assigned
    replied: bool  # is_replied
    on_time: bool  # replied and is_on_time
    closed: bool  # assigned and is_closed
    result: str | None  # result, when replied
    latest_verdict: str | None  # latest_verdict, when assigned
    first_verdict: str | None  # first_round_verdict, when assigned
    face: bool  # replied and had_face_contact
    overdue: int  # answering assignments overdue at D
    assignments: tuple  # _AssignmentRow of its answering assignments

    @property
    def unit_ids(self) -> frozenset:
        """The units whose scopes hold it: those of its answering assignments made ≤ D."""
        return frozenset(value for name, value in self.keys if name == "unit")

    @property
    def counted(self) -> tuple:  # what a scope's suggestion counts read of it
        return (
            self.submitted,
            self.assigned,
            self.replied,
            self.on_time,
            self.closed,
            self.result,
            self.latest_verdict,
            self.first_verdict,
            self.face,
            self.category,
        )


def _derive_assignment(a: _AssignmentFacts, d: date) -> _AssignmentRow:
    answered = a.answer is not None
    return _AssignmentRow(
        unit_id=a.unit_id,
        unit_system=a.unit_system,
        in_force=a.in_force(d),
        answered=answered,
        on_time=answered and a.on_time,
        overdue=a.overdue(d),
        result=a.reply_in_force[3] if answered else None,
        latest_verdict=a.latest_verdict,
    )


def _derive(s: _SuggestionFacts, d: date) -> _Row:
    """2-3. The suggestion's facts at D, each worked out once."""
    assigned = s.is_assigned(d)
    replied = assigned and s.is_replied(d)
    assignments = tuple(_derive_assignment(a, d) for a in s.assignments)
    keys = {
        ("term", s.term_id),
        ("meeting", s.meeting_id),
        ("channel", s.channel),
        ("category", s.category_id),
    }
    if s.is_key:
        keys.add(("key_only", True))
    for a in s.assignments:
        if a.assigned_on <= d:  # a unit's scope: an answering assignment of it made ≤ D
            keys.add(("unit", a.unit_id))
            keys.add(("system", a.unit_system))
            keys.add(("unit_system", (a.unit_id, a.unit_system)))
    return _Row(
        id=s.id,
        keys=frozenset(keys),
        category=s.category,
        submitted=s.submitted_on is not None and s.submitted_on <= d,
        assigned=assigned,
        replied=replied,
        on_time=replied and s.is_on_time(d),
        closed=assigned and s.is_closed(d),
        result=s.result(d) if replied else None,
        latest_verdict=s.latest_verdict(d) if assigned else None,
        first_verdict=s.first_round_verdict(d) if assigned else None,
        face=replied and s.had_face_contact(d),
        overdue=sum(1 for a in assignments if a.overdue),
        assignments=assignments,
    )


def _rows(scope: Scope, as_of: date, *, ids=None) -> list[_Row]:
    """The scope's suggestions' facts at D: one load, one derivation per suggestion (only of
    the suggestions `ids`, when given)."""
    wanted = scope.wanted
    qs = scope.suggestions()
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    rows = (_derive(s, as_of) for s in _load_rows(qs, as_of))
    return [r for r in rows if wanted <= r.keys]


# --- dated facts: a suggestion's facts for every day at once (issue 14) ---------------------


def _days_of_change(s: _SuggestionFacts) -> list[date]:
    """Every day on which something `_derive` reads of `s` may change: a `_Row` derived at one
    of them holds until the next. Dated rows take effect on their day; a deadline is missed
    from the day after it (`overdue` compares deadline < D)."""
    days = {s.submitted_on, s.closed_on}
    for a in s.assignments:
        days.update((a.assigned_on, a.ended_on, _next_day(a.deadline)))
        days.update(r[0] for r in a.replies)
        days.update(f[0] for f in a.feedback)
        days.update(a.face_contacts)
        for _, effective_on, new_deadline in a.changes:
            days.update((effective_on, _next_day(new_deadline)))
    days.discard(None)
    return sorted(days)


def _next_day(day: date | None) -> date | None:
    return None if day is None or day == date.max else day + timedelta(days=1)


def _as_of(s: _SuggestionFacts, d: date) -> _SuggestionFacts:
    """`s` with only its rows dated ≤ D, as `_load(…, as_of=D)` would have loaded it."""
    return replace(
        s,
        assignments=[
            replace(
                a,
                replies=[r for r in a.replies if r[0] <= d],
                feedback=[f for f in a.feedback if f[0] <= d],
                face_contacts=[c for c in a.face_contacts if c <= d],
            )
            for a in s.assignments
        ],
    )


@dataclass(frozen=True)
class DatedFacts:
    """One suggestion's facts for days [valid_from, valid_to) (valid_to None: open): its
    `_Row` derived at valid_from, and of each answering assignment in force then its id and
    `_AssignmentRow`."""

    suggestion_id: int
    valid_from: date
    valid_to: date | None
    row: _Row
    assignments: tuple  # (assignment id, _AssignmentRow), in force only


def dated_facts(suggestion_ids) -> list[DatedFacts]:
    """Every stretch of days of the given suggestions on which their facts hold, from one
    load of all their rows (six queries): `_derive` at each day of change (`_days_of_change`),
    consecutive equal stretches merged. The stored facts of rollups.facts are these."""
    out = []
    for s in _load_rows(Suggestion.objects.filter(pk__in=suggestion_ids), date.max):
        stretches = []
        for d in [date.min, *_days_of_change(s)]:
            facts = _as_of(s, d)
            row = _derive(facts, d)
            in_force = tuple(
                (a.id, r)
                for a, r in zip(facts.assignments, row.assignments, strict=True)
                if r.in_force
            )
            # A stretch is also one set of units whose scopes hold it (SuggestionFacts.units).
            same = (row.counted, row.overdue, in_force, row.unit_ids)
            if stretches and stretches[-1][1] == same:
                continue
            stretches.append((d, same, row, in_force))
        for i, (d, _, row, in_force) in enumerate(stretches):
            until = stretches[i + 1][0] if i + 1 < len(stretches) else None
            out.append(DatedFacts(s.id, d, until, row, in_force))
    return out


class _Tally:
    """4. One scope's counts: its suggestions by what the figures read of them (a handful of
    distinct combinations), and its overdue assignments."""

    __slots__ = ("scope", "counted", "overdue", "every_unit")

    def __init__(self, scope: Scope):
        self.scope = scope
        self.counted = defaultdict(int)
        self.overdue = 0
        self.every_unit = scope.unit is None and scope.system is None

    def add_counted(self, counted: tuple, n: int) -> None:
        """`n` suggestions whose facts at D are `counted` (a `_Row.counted`)."""
        self.counted[counted] += n

    def add(self, row: _Row) -> None:
        self.counted[row.counted] += 1
        if row.overdue:
            if self.every_unit:
                self.overdue += row.overdue
            else:
                self.overdue += sum(
                    1 for a in row.assignments if a.overdue and self.scope.answers(a)
                )

    def figures(self, as_of: date) -> Figures:
        submitted = assigned = replied = on_time = closed = 0
        with_feedback = with_first = replied_with_feedback = face_to_face = 0
        results = {letter: 0 for letter in RESULTS}
        verdicts = {v: 0 for v in Verdict.values}
        first_verdicts = {v: 0 for v in Verdict.values}
        categories = defaultdict(int)
        for counted, n in self.counted.items():
            sub, asg, rep, ontime, clo, result, latest, first, face, category = counted
            submitted += n if sub else 0
            if not asg:
                continue
            assigned += n
            closed += n if clo else 0
            categories[category] += n
            if latest:
                with_feedback += n
                verdicts[latest] += n
            if first:
                with_first += n
                first_verdicts[first] += n
            if rep:
                replied += n
                results[result] += n
                on_time += n if ontime else 0
                replied_with_feedback += n if latest else 0
                face_to_face += n if face else 0
        return Figures(
            scope=self.scope,
            as_of=as_of,
            submitted=submitted,
            assigned=assigned,
            replied=replied,
            on_time=on_time,
            closed=closed,
            results=results,
            with_feedback=with_feedback,
            verdicts=verdicts,
            with_first_feedback=with_first,
            first_verdicts=first_verdicts,
            replied_with_feedback=replied_with_feedback,
            face_to_face=face_to_face,
            overdue=self.overdue,
            by_category=[
                CategoryShare(name, n, Rate(n, assigned))
                for name, n in sorted(categories.items(), key=lambda kv: (-kv[1], kv[0] or ""))
            ],
        )


# --- unit figures ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    """A unit's figures: counts of its answering assignments in force at D (one handed to
    another unit stops counting for this one), each with its own reply's class."""

    unit_id: int
    unit_name: str
    unit_system: str
    assigned: int
    replied: int
    on_time: int
    overdue: int
    results: dict  # {"A": n, …}: replied assignments by the class of their reply in force
    with_feedback: int
    content: int  # latest feedback 满意 or 基本满意
    ranked: bool  # enough assignments to rank (settings.PORTAL RANKING_MIN_ASSIGNMENTS)

    @property
    def solved(self) -> int:  # replied with class A
        return self.results["A"]

    def result_rate(self, letter: str) -> Rate:
        return Rate(self.results[letter], self.replied)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.replied)

    @property
    def solved_rate(self) -> Rate:
        return self.result_rate("A")

    @property
    def content_rate(self) -> Rate:
        return Rate(self.content, self.with_feedback)


def unit_figures(*, scope: Scope, as_of: date) -> list[UnitRow]:
    """One row per unit with an answering assignment in force at D (only the scope's unit, or
    the units of its system, when it names one), in the ranking's order (`rank_units`):
    ranked units first, then the units below the minimum volume."""
    return _unit_rows(_rows(scope, as_of), scope=scope)


def _unit_rows(rows: list[_Row], *, scope: Scope, per_unit=None, names=None) -> list[UnitRow]:
    """The unit rows of `rows`' answering assignments in force that answer `scope`, added to
    `per_unit` ({unit id: {`_AssignmentRow.counted`: n}}, counted elsewhere) when given, with
    the units' names and systems from `names` ({unit id: (name, system)}) or one query."""
    minimum = settings.PORTAL["RANKING_MIN_ASSIGNMENTS"]
    counts = defaultdict(lambda: defaultdict(int))
    for unit_id, counted in (per_unit or {}).items():
        for key, n in counted.items():
            counts[unit_id][key] += n
    per_unit = counts
    names = dict(names or {})
    for row in rows:
        for a in row.assignments:
            if a.in_force and scope.answers(a):
                per_unit[a.unit_id][a.counted] += 1
                names.setdefault(a.unit_id, (None, a.unit_system))
    missing = [u for u, (name, _) in names.items() if name is None]
    if missing:
        for pk, name in Unit.objects.filter(pk__in=missing).values_list("pk", "name"):
            names[pk] = (name, names[pk][1])
    systems = {u: system for u, (_, system) in names.items()}
    names = {u: name for u, (name, _) in names.items()}
    units = []
    for unit_id, counted in per_unit.items():
        assigned = replied = on_time = overdue = with_feedback = content = 0
        results = {letter: 0 for letter in RESULTS}
        for (answered, in_time, late, result, verdict), n in counted.items():
            assigned += n
            overdue += n if late else 0
            if answered:
                replied += n
                on_time += n if in_time else 0
                results[result] += n
            if verdict:
                with_feedback += n
                content += n if verdict in CONTENT else 0
        units.append(
            UnitRow(
                unit_id=unit_id,
                unit_name=names[unit_id],
                unit_system=systems[unit_id],
                assigned=assigned,
                replied=replied,
                on_time=on_time,
                overdue=overdue,
                results=results,
                with_feedback=with_feedback,
                content=content,
                ranked=assigned >= minimum,
            )
        )
    ranked, apart = rank_units(units)
    return ranked + apart


# --- the ranking and the unit table: one definition for every page, report and the API -----


def _rate_key(rate: Rate):
    value = rate.percent
    return -(value if value is not None else Decimal(-1))  # "—" ranks after 0.0%


# The orders a ranking may take: label and key (smaller first). Ties are broken the same way
# everywhere: by on-time rate, then A share, then the unit's name.
UNIT_SORTS = {
    "on_time": ("按期答复率", lambda r: _rate_key(r.on_time_rate)),
    "solved": ("A类占比", lambda r: _rate_key(r.solved_rate)),
    "content": ("满意和基本满意率", lambda r: _rate_key(r.content_rate)),
    "assigned": ("交办", lambda r: -r.assigned),
    "replied": ("已答复", lambda r: -r.replied),
    "overdue": ("逾期", lambda r: -r.overdue),
}
DEFAULT_UNIT_SORT = "on_time"


def rank_units(rows, sort: str = DEFAULT_UNIT_SORT) -> tuple[list[UnitRow], list[UnitRow]]:
    """(ranked units in the order of `sort`, ties by on-time rate, A share, then name;
    the units below the minimum volume, unranked, by name)."""
    key = UNIT_SORTS.get(sort, UNIT_SORTS[DEFAULT_UNIT_SORT])[1]
    on_time, solved = UNIT_SORTS["on_time"][1], UNIT_SORTS["solved"][1]
    ranked = sorted(
        (r for r in rows if r.ranked), key=lambda r: (key(r), on_time(r), solved(r), r.unit_name)
    )
    apart = sorted((r for r in rows if not r.ranked), key=lambda r: r.unit_name)
    return ranked, apart


@dataclass(frozen=True)
class UnitColumn:
    label: str
    text: object  # UnitRow -> str
    figure: str  # the `UNIT_FIGURES` entry behind the number (drill-down)
    number: bool = False  # a count (a number in Excel), not a rate
    value: object = None  # UnitRow -> int or Rate, for exports that keep numbers numbers


# The unit table of the ranking, the scorecards and the report, in this order.
UNIT_TABLE = (
    UnitColumn("交办", lambda r: str(r.assigned), "unit_assigned", True, lambda r: r.assigned),
    UnitColumn("已答复", lambda r: str(r.replied), "unit_replied", True, lambda r: r.replied),
    UnitColumn(
        "按期答复率",
        lambda r: str(r.on_time_rate),
        "unit_on_time",
        value=lambda r: r.on_time_rate,
    ),
    UnitColumn("逾期", lambda r: str(r.overdue), "unit_overdue", True, lambda r: r.overdue),
    UnitColumn(
        "解决率(A类占比)",
        lambda r: str(r.solved_rate),
        "unit_solved",
        value=lambda r: r.solved_rate,
    ),
    UnitColumn(
        "满意和基本满意率",
        lambda r: str(r.content_rate),
        "unit_content",
        value=lambda r: r.content_rate,
    ),
)


# --- the suggestions behind a figure ---------------------------------------------------------

# Each counted figure as a test on one suggestion's facts at D (its `_Row`, derived once from
# the `_SuggestionFacts` / `_AssignmentFacts` definitions that `compute` and `unit_figures`
# count); `figure_members` lists the suggestions that pass, so a dashboard tile and the list
# it links to cannot disagree (tests/test_dashboards.py pins each length to the count).
# Arguments: (suggestion row, the scope).
SUGGESTION_FIGURES = {
    "submitted": ("提出", lambda r, scope: r.submitted),
    "assigned": ("交办", lambda r, scope: r.assigned),
    "replied": ("已答复", lambda r, scope: r.replied),
    "on_time": ("按期答复", lambda r, scope: r.on_time),
    "closed": ("办结", lambda r, scope: r.closed),
    **{
        f"result_{letter}": (f"{letter}类", lambda r, scope, letter=letter: r.result == letter)
        for letter in RESULTS
    },
    "with_feedback": ("有反馈", lambda r, scope: r.latest_verdict is not None),
    "satisfied": ("满意", lambda r, scope: r.latest_verdict == Verdict.SATISFIED),
    "basically": ("基本满意", lambda r, scope: r.latest_verdict == Verdict.BASICALLY),
    "content": ("满意和基本满意", lambda r, scope: r.latest_verdict in CONTENT),
    "with_first_feedback": ("有初次反馈", lambda r, scope: r.first_verdict is not None),
    "first_satisfied": ("初次满意", lambda r, scope: r.first_verdict == Verdict.SATISFIED),
    "first_content": ("初次满意和基本满意", lambda r, scope: r.first_verdict in CONTENT),
    "face_to_face": ("面商", lambda r, scope: r.face),
    # 逾期数 counts assignments: the list holds the suggestions of the counted assignments.
    "overdue": (
        "有逾期交办",
        lambda r, scope: any(a.overdue and scope.answers(a) for a in r.assignments),
    ),
}

# A unit's figures (`UnitRow`) count its answering assignments in force at D; the list holds
# their suggestions. Argument: the assignment's row (`_AssignmentRow`).
UNIT_FIGURES = {
    "unit_assigned": ("本单位交办", lambda a: True),
    "unit_replied": ("本单位已答复", lambda a: a.answered),
    "unit_on_time": ("本单位按期答复", lambda a: a.on_time),
    "unit_overdue": ("本单位逾期", lambda a: a.overdue),
    "unit_solved": ("本单位A类", lambda a: a.result == "A"),
    **{
        f"unit_result_{letter}": (f"本单位{letter}类", lambda a, letter=letter: a.result == letter)
        for letter in RESULTS[1:]
    },
    "unit_with_feedback": ("本单位有反馈", lambda a: a.latest_verdict is not None),
    "unit_content": ("本单位满意和基本满意", lambda a: a.latest_verdict in CONTENT),
}

FIGURE_CHOICES = [
    (name, label) for name, (label, _) in {**SUGGESTION_FIGURES, **UNIT_FIGURES}.items()
]


def figure_members(*, scope: Scope, as_of: date, figure: str) -> list[int]:
    """Ids of the suggestions behind one figure for `scope` as of `as_of` (the same six queries
    as `compute`). Unit figures (`unit_…`) need `scope.unit`: the suggestions of that unit's
    assignments in force at D that the figure counts."""
    rows = _rows(scope, as_of)
    unit_id = _pk(scope.unit)
    if figure in UNIT_FIGURES:
        if unit_id is None:
            raise ValueError("unit figures need a unit in the scope")
        test = UNIT_FIGURES[figure][1]
        return sorted(
            r.id
            for r in rows
            if any(a.unit_id == unit_id and a.in_force and test(a) for a in r.assignments)
        )
    test = SUGGESTION_FIGURES[figure][1]
    return sorted(r.id for r in rows if test(r, scope))


# --- supervision counts (DESIGN.md §9) --------------------------------------------------------

# The audit actions of supervision, as the report names them (督办 n 次, 催办 n 次, 视察座谈 n 次).
SUPERVISION_COUNTS = tuple(zip(SUPERVISION_ACTIONS, ("督办", "催办", "视察座谈"), strict=True))


def supervision_counts(*, scope: Scope, as_of: date) -> dict[str, int]:
    """How many acts of supervision concern the scope, as of D: distinct actions (an action
    on a topic writes one audit event on each of its suggestions and still counts once),
    dated on or before D (`AuditEvent.happened_on`, always set for these), on at least one
    suggestion of the scope. Read from the audit trail, so a past D gives the same count
    later. Keys are the action codes of SUPERVISION_COUNTS; one query."""
    events = AuditEvent.objects.filter(
        suggestion__in=scope.suggestions().values("pk"),
        action__in=[code for code, _ in SUPERVISION_COUNTS],
        happened_on__lte=as_of,
    )
    # The congress, known here, for the index that leads with it (auditevent_supervision_idx):
    # the suggestions' condition already keeps to it, so the count never depends on this.
    congress_id = context.current_id()
    if congress_id is None:  # a term given as a row (not a key) names it
        congress_id = getattr(scope.term, "congress_id", None)
    if congress_id is not None:
        events = events.filter(congress_id=congress_id)
    counted = dict(
        events.values("action")
        .annotate(n=Count(KT("data__action_id"), distinct=True))
        .values_list("action", "n")
    )
    return {code: counted.get(code, 0) for code, _ in SUPERVISION_COUNTS}


# --- 承诺兑现率: commitments of B/C replies (DESIGN.md §10) -----------------------------------
#
# 承诺兑现率 = commitments completed by their promised day / commitments due by D.
# - Due by D: the promised day (`due_on`) is on or before D and the commitment was entered
#   on or before D (one entered later did not exist for a report as of D).
# - Completed by its day, as of D: the recorded completion day is on or before the promised
#   day (and so before D), and the completion was entered on or before D. A completion entered
#   after D does not count as of D, even when back-dated: a figure as of D never changes.
# - The completion day is a past day recorded by a person (commitments.services checks it is
#   not in the future nor before the commitment was made).
# - Scope: the commitments of replies of the scope's suggestions; with a unit or system in the
#   scope, only those of that unit's (system's) assignments. One query for the whole figure.


def _commitments_in(scope: Scope | None):
    from commitments.models import Commitment  # the ledger app depends on this one, not back

    qs = Commitment.objects.all()
    if scope is None:
        return qs
    if scope.pairs - {("unit", _pk(scope.unit)), ("system", scope.system)}:
        # The unit and system hold on the reply's own assignment (below): the suggestions'
        # condition leaves them out, which also spares the planner a correlated EXISTS that
        # ran for minutes on tables without statistics.
        others = replace(scope, unit=None, system=None)
        qs = qs.filter(reply__assignment__suggestion__in=others.suggestions().values("pk"))
    if scope.unit is not None:
        qs = qs.filter(reply__assignment__unit_id=_pk(scope.unit))
    if scope.system is not None:
        qs = qs.filter(reply__assignment__unit__system=scope.system)
    return qs


def _commitment_counts(as_of: date) -> dict:
    from django.db.models import Count, F, Q

    due = Q(due_on__lte=as_of, entered_on__lte=as_of)
    kept = due & Q(
        completed_on__isnull=False,
        completed_on__lte=F("due_on"),
        completion_entered_on__lte=as_of,
    )
    return {"due": Count("pk", filter=due), "kept": Count("pk", filter=kept)}


def commitment_fulfilment(*, as_of: date, scope: Scope | None = None) -> Rate:
    """承诺兑现率 of a scope as of D (see the rules above)."""
    counts = _commitments_in(scope).aggregate(**_commitment_counts(as_of))
    return Rate(counts["kept"], counts["due"])


def commitment_fulfilment_by_unit(*, as_of: date, scope: Scope | None = None) -> dict[int, Rate]:
    """承诺兑现率 per unit (the unit of the reply's assignment), as of D: one query."""
    rows = (
        _commitments_in(scope)
        .values("reply__assignment__unit_id")
        .order_by()
        .annotate(**_commitment_counts(as_of))
    )
    return {r["reply__assignment__unit_id"]: Rate(r["kept"], r["due"]) for r in rows}


# --- unit evaluation results: 满意度测评 and 票决评议 (DESIGN.md §10) ----------------------------
#
# A unit's result counts its verdicts (ballots, or the votes entered for 票决评议):
# 满意率 = 满意 / all, 满意和基本满意率 = (满意 + 基本满意) / all, 不满意率 = 不满意 / all.
# Units are ranked by 满意和基本满意率, then 满意率, both higher first; equal rates share a
# rank (1, 2, 2, 4); a unit without any verdict has no rate and no rank and is listed last.


@dataclass(frozen=True)
class EvaluationResult:
    unit_id: int
    unit_name: str
    satisfied: int
    basically: int
    dissatisfied: int
    rank: int | None = None

    @property
    def total(self) -> int:
        return self.satisfied + self.basically + self.dissatisfied

    @property
    def satisfied_rate(self) -> Rate:
        return Rate(self.satisfied, self.total)

    @property
    def content_rate(self) -> Rate:  # 满意和基本满意率
        return Rate(self.satisfied + self.basically, self.total)

    @property
    def dissatisfied_rate(self) -> Rate:
        return Rate(self.dissatisfied, self.total)


def evaluation_ranking(counts: list[tuple[int, str, int, int, int]]) -> list[EvaluationResult]:
    """Results per unit from (unit id, name, 满意, 基本满意, 不满意) counts, ranked (above)."""
    results = [EvaluationResult(*row) for row in counts]

    def key(r):
        # Exact comparison of fractions by cross-multiplying would do as well; tenths suffice
        # because the rank follows the one-decimal rates a reader sees.
        return (r.content_rate.percent, r.satisfied_rate.percent)

    rated = sorted((r for r in results if r.total), key=lambda r: (key(r), r.unit_name))
    rated.sort(key=key, reverse=True)
    ranked, previous, rank = [], None, 0
    for position, r in enumerate(rated, start=1):
        if key(r) != previous:
            rank, previous = position, key(r)
        ranked.append(replace(r, rank=rank))
    unrated = sorted((r for r in results if not r.total), key=lambda r: r.unit_name)
    return ranked + unrated
