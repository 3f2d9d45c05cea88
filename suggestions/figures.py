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
4. `compute` and `unit_figures` count those facts; `Rate` turns counts into percentages.

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
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef

from units.models import Unit, UnitSystem

from .models import (
    Assignment,
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

    def narrower(self, sub: Scope) -> bool:
        """Whether `sub` keeps every filter of this scope (and may add its own)."""
        return all(
            _pk(getattr(sub, name)) == _pk(mine)
            for name in ("term", "meeting", "channel", "category", "unit", "key_only", "system")
            if (mine := getattr(self, name)) not in (None, False, "")
        )

    def matches(self, facts: _SuggestionFacts, as_of: date) -> bool:
        """The same choice as `suggestions()` plus `_load`'s unit rule, on loaded facts."""
        return (
            (self.term is None or facts.term_id == _pk(self.term))
            and (self.meeting is None or facts.meeting_id == _pk(self.meeting))
            and (not self.channel or facts.channel == self.channel)
            and (self.category is None or facts.category_id == _pk(self.category))
            and (not self.key_only or facts.is_key)
            and (
                (self.unit is None and self.system is None)
                or any(self.answers(a) and a.assigned_on <= as_of for a in facts.assignments)
            )
        )

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

    @property
    def round(self) -> int:
        """Round at D: each 不满意 dated ≤ D reopens the assignment for one more round."""
        return 1 + sum(1 for *_, verdict in self.feedback if verdict == Verdict.DISSATISFIED)

    def round_replies(self, round_: int) -> list:
        return sorted(r for r in self.replies if r[2] == round_)

    @property
    def answer(self):
        """The first reply of the current round dated ≤ D: it answered, on time or not."""
        replies = self.round_replies(self.round)
        return replies[0] if replies else None

    @property
    def reply_in_force(self):
        """The latest reply of the current round dated ≤ D (a follow-up replaces the reply it
        superseded only from the follow-up's own date)."""
        replies = self.round_replies(self.round)
        return replies[-1] if replies else None

    def deadline_on(self, round_: int, day: date) -> date:
        """The deadline of `round_` in force on `day` (see the module docstring)."""
        changes = [c for c in self.changes if c[0] == round_]
        if not changes:
            return self.deadline
        effective = [c for c in changes if c[1] <= day]
        return (effective or changes)[-1][2]

    @property
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

    @property
    def latest_verdict(self) -> str | None:
        return max(self.feedback)[3] if self.feedback else None

    @property
    def first_round_verdict(self) -> str | None:
        first = [f for f in self.feedback if f[2] == 1]
        return min(first)[3] if first else None

    @property
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


def _load(scope: Scope, as_of: date) -> list[_SuggestionFacts]:
    """1. The scope's rows dated ≤ D, in six queries, grouped per suggestion."""
    suggestion_qs = scope.suggestions()
    ids = suggestion_qs.values("id")
    suggestions = {
        row[0]: _SuggestionFacts(*row)
        for row in suggestion_qs.values_list(
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
    in_scope = {"assignment__suggestion_id__in": ids}

    rounds = defaultdict(int)
    for assignment_id, kind, effective_on, new_deadline in (
        DeadlineChange.objects.filter(**in_scope, assignment__role__in=ANSWERING_ROLES)
        .order_by("created_at", "id")
        .values_list("assignment_id", "kind", "effective_on", "new_deadline")
    ):
        if kind == DeadlineChange.Kind.INITIAL:
            rounds[assignment_id] = 1
        elif kind == DeadlineChange.Kind.REHANDLE:
            rounds[assignment_id] += 1
        round_ = max(rounds[assignment_id], 1)
        assignments[assignment_id].changes.append((round_, effective_on, new_deadline))

    for reply_id, assignment_id, round_, replied_on, result in Reply.objects.filter(
        **in_scope, replied_on__lte=as_of, assignment__role__in=ANSWERING_ROLES
    ).values_list("id", "assignment_id", "round", "replied_on", "result"):
        assignments[assignment_id].replies.append((replied_on, reply_id, round_, result))

    for feedback_id, assignment_id, round_, given_on, verdict in Feedback.objects.filter(
        reply__assignment__suggestion_id__in=ids,
        reply__assignment__role__in=ANSWERING_ROLES,
        given_on__lte=as_of,
    ).values_list("id", "reply__assignment_id", "reply__round", "given_on", "result_verdict"):
        assignments[assignment_id].feedback.append((given_on, feedback_id, round_, verdict))

    for assignment_id, contacted_on in Contact.objects.filter(
        **in_scope,
        assignment__role__in=ANSWERING_ROLES,
        kind=Contact.Kind.FACE,
        contacted_on__lte=as_of,
    ).values_list("assignment_id", "contacted_on"):
        assignments[assignment_id].face_contacts.append(contacted_on)

    facts = list(suggestions.values())
    if scope.unit is not None or scope.system is not None:
        facts = [s for s in facts if scope.matches(s, as_of)]
    return facts


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

    Counts are of suggestions (逾期数 excepted), each defined on `_SuggestionFacts`:
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
    return _compute(_load(scope, as_of), scope=scope, as_of=as_of)


def compute_many(
    *, scope: Scope, within=(), as_of: date
) -> tuple[Figures, dict[Scope, Figures], list[UnitRow]]:
    """`compute` for `scope` and for each narrower scope in `within`, and `unit_figures` for
    `scope`, from a single load of `scope` (six queries however many scopes): the rollup's
    path and the dashboards' live path give the same numbers as one `compute` per scope."""
    facts = _load(scope, as_of)
    figures = {}
    for sub in within:
        if not scope.narrower(sub):
            raise ValueError(f"{sub} does not lie within {scope}")
        chosen = [s for s in facts if sub.matches(s, as_of)]
        figures[sub] = _compute(chosen, scope=sub, as_of=as_of)
    whole = _compute(facts, scope=scope, as_of=as_of)
    return whole, figures, _unit_rows(facts, scope=scope, as_of=as_of)


def empty(*, scope: Scope, as_of: date) -> Figures:
    """The figures of a scope without suggestions (every count 0, every rate "—")."""
    return _compute([], scope=scope, as_of=as_of)


def _compute(facts: list[_SuggestionFacts], *, scope: Scope, as_of: date) -> Figures:
    d = as_of
    assigned = [s for s in facts if s.is_assigned(d)]
    replied = [s for s in assigned if s.is_replied(d)]
    results = {letter: 0 for letter in RESULTS}
    for s in replied:
        results[s.result(d)] += 1
    latest = [v for v in (s.latest_verdict(d) for s in assigned) if v]
    first = [v for v in (s.first_round_verdict(d) for s in assigned) if v]
    categories = defaultdict(int)
    for s in assigned:
        categories[s.category] += 1
    return Figures(
        scope=scope,
        as_of=d,
        submitted=sum(1 for s in facts if s.submitted_on and s.submitted_on <= d),
        assigned=len(assigned),
        replied=len(replied),
        on_time=sum(1 for s in replied if s.is_on_time(d)),
        closed=sum(1 for s in assigned if s.is_closed(d)),
        results=results,
        with_feedback=len(latest),
        verdicts={v: latest.count(v) for v in Verdict.values},
        with_first_feedback=len(first),
        first_verdicts={v: first.count(v) for v in Verdict.values},
        replied_with_feedback=sum(1 for s in replied if s.latest_verdict(d)),
        face_to_face=sum(1 for s in replied if s.had_face_contact(d)),
        overdue=sum(1 for s in facts for a in s.assignments if a.overdue(d) and scope.answers(a)),
        by_category=[
            CategoryShare(name, n, Rate(n, len(assigned)))
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
    return _unit_rows(_load(scope, as_of), scope=scope, as_of=as_of)


def _unit_rows(facts: list[_SuggestionFacts], *, scope: Scope, as_of: date) -> list[UnitRow]:
    d = as_of
    minimum = settings.PORTAL["RANKING_MIN_ASSIGNMENTS"]
    per_unit = defaultdict(list)
    for s in facts:
        for a in s.in_force(d):
            if scope.answers(a):
                per_unit[a.unit_id].append(a)
    names = dict(Unit.objects.filter(pk__in=list(per_unit)).values_list("pk", "name"))
    rows = []
    for unit_id, assignments in per_unit.items():
        replied = [a for a in assignments if a.answer is not None]
        verdicts = [a.latest_verdict for a in assignments if a.latest_verdict]
        results = {letter: 0 for letter in RESULTS}
        for a in replied:
            results[a.reply_in_force[3]] += 1
        rows.append(
            UnitRow(
                unit_id=unit_id,
                unit_name=names[unit_id],
                unit_system=assignments[0].unit_system,
                assigned=len(assignments),
                replied=len(replied),
                on_time=sum(1 for a in replied if a.on_time),
                overdue=sum(1 for a in assignments if a.overdue(d)),
                results=results,
                with_feedback=len(verdicts),
                content=sum(1 for v in verdicts if v in CONTENT),
                ranked=len(assignments) >= minimum,
            )
        )
    ranked, apart = rank_units(rows)
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

# Each counted figure as a test on one suggestion's facts at D, built from the same
# `_SuggestionFacts` / `_AssignmentFacts` definitions `compute` and `unit_figures` count with;
# `figure_members` lists the suggestions that pass, so a dashboard tile and the list it links
# to cannot disagree (tests/test_dashboards.py pins each length to the count).
# Arguments: (suggestion facts, D, the scope).
SUGGESTION_FIGURES = {
    "submitted": ("提出", lambda s, d, scope: s.submitted_on is not None and s.submitted_on <= d),
    "assigned": ("交办", lambda s, d, scope: s.is_assigned(d)),
    "replied": ("已答复", lambda s, d, scope: s.is_replied(d)),
    "on_time": ("按期答复", lambda s, d, scope: s.is_replied(d) and s.is_on_time(d)),
    "closed": ("办结", lambda s, d, scope: s.is_assigned(d) and s.is_closed(d)),
    **{
        f"result_{letter}": (
            f"{letter}类",
            lambda s, d, scope, letter=letter: s.is_replied(d) and s.result(d) == letter,
        )
        for letter in RESULTS
    },
    "with_feedback": (
        "有反馈",
        lambda s, d, scope: s.is_assigned(d) and s.latest_verdict(d) is not None,
    ),
    "satisfied": (
        "满意",
        lambda s, d, scope: s.is_assigned(d) and s.latest_verdict(d) == Verdict.SATISFIED,
    ),
    "basically": (
        "基本满意",
        lambda s, d, scope: s.is_assigned(d) and s.latest_verdict(d) == Verdict.BASICALLY,
    ),
    "content": (
        "满意和基本满意",
        lambda s, d, scope: s.is_assigned(d) and s.latest_verdict(d) in CONTENT,
    ),
    "with_first_feedback": (
        "有初次反馈",
        lambda s, d, scope: s.is_assigned(d) and s.first_round_verdict(d) is not None,
    ),
    "first_satisfied": (
        "初次满意",
        lambda s, d, scope: s.is_assigned(d) and s.first_round_verdict(d) == Verdict.SATISFIED,
    ),
    "first_content": (
        "初次满意和基本满意",
        lambda s, d, scope: s.is_assigned(d) and s.first_round_verdict(d) in CONTENT,
    ),
    "face_to_face": ("面商", lambda s, d, scope: s.is_replied(d) and s.had_face_contact(d)),
    # 逾期数 counts assignments: the list holds the suggestions of the counted assignments.
    "overdue": (
        "有逾期交办",
        lambda s, d, scope: any(a.overdue(d) and scope.answers(a) for a in s.assignments),
    ),
}

# A unit's figures (`UnitRow`) count its answering assignments in force at D; the list holds
# their suggestions. Arguments: (assignment facts, D).
UNIT_FIGURES = {
    "unit_assigned": ("本单位交办", lambda a, d: True),
    "unit_replied": ("本单位已答复", lambda a, d: a.answer is not None),
    "unit_on_time": ("本单位按期答复", lambda a, d: a.answer is not None and a.on_time),
    "unit_overdue": ("本单位逾期", lambda a, d: a.overdue(d)),
    "unit_solved": (
        "本单位A类",
        lambda a, d: a.answer is not None and a.reply_in_force[3] == "A",
    ),
    **{
        f"unit_result_{letter}": (
            f"本单位{letter}类",
            lambda a, d, letter=letter: a.answer is not None and a.reply_in_force[3] == letter,
        )
        for letter in RESULTS[1:]
    },
    "unit_with_feedback": ("本单位有反馈", lambda a, d: a.latest_verdict is not None),
    "unit_content": ("本单位满意和基本满意", lambda a, d: a.latest_verdict in CONTENT),
}

FIGURE_CHOICES = [
    (name, label) for name, (label, _) in {**SUGGESTION_FIGURES, **UNIT_FIGURES}.items()
]


def figure_members(*, scope: Scope, as_of: date, figure: str) -> list[int]:
    """Ids of the suggestions behind one figure for `scope` as of `as_of` (the same six queries
    as `compute`). Unit figures (`unit_…`) need `scope.unit`: the suggestions of that unit's
    assignments in force at D that the figure counts."""
    d = as_of
    facts = _load(scope, d)
    unit_id = _pk(scope.unit)
    if figure in UNIT_FIGURES:
        if unit_id is None:
            raise ValueError("unit figures need a unit in the scope")
        test = UNIT_FIGURES[figure][1]
        return sorted(
            s.id for s in facts if any(a.unit_id == unit_id and test(a, d) for a in s.in_force(d))
        )
    test = SUGGESTION_FIGURES[figure][1]
    return sorted(s.id for s in facts if test(s, d, scope))
