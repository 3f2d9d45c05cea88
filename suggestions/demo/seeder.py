"""Deterministic demo data for the portal (`manage.py seed_demo`).

Everything is drawn from one `random.Random(seed)` against a fixed reference date, so a given
`--scale` and `--seed` give the same rows on every run and every machine. Suggestions live
through the process of DESIGN.md §3 as the workflow engine would take them — same states, same
audit events, same deadline history, deadlines from `suggestions.deadlines` — but the rows are
built in memory and written with `bulk_create`, chunk by chunk, so 100 000 suggestions take
minutes. Events that would fall after the reference date simply have not happened yet, which
is what leaves suggestions in every state.

A set of hand-planned "showcase" suggestions comes first, so that even a small scale holds every
state and every kind of request, and the demo accounts have something to look at.
"""

from __future__ import annotations

import logging
import random
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, reset_queries, transaction
from django.db.models import Count
from django.utils import timezone

from deputies.models import Delegation, Deputy, Meeting, Term
from suggestions import activity, deadlines, deliveries
from suggestions.models import (
    Assignment,
    AuditEvent,
    Category,
    Contact,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    Opinion,
    ReassignmentRequest,
    Reply,
    RequestState,
    Suggestion,
    Verdict,
)
from units.models import DocNumberCounter, Unit

from .vocabulary import (
    CATEGORIES,
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    COMPANIES,
    CONTACT_SUMMARIES,
    DEMO_DEPUTY,
    DEMO_UNIT_CODE,
    DISSATISFIED_REMARKS,
    DISTRICTS,
    EXTENSION_REASONS,
    FATES,
    FEMALE_GIVEN,
    FURTHER_VERBS,
    LEADER_USERS,
    MALE_GIVEN,
    MEASURES,
    MEETINGS,
    NOT_PUBLIC_REASONS,
    OCCUPATIONS,
    ORDINALS,
    PROBLEMS,
    REJECT_NOTES,
    REJECT_WEIGHTS,
    RESULT_VERDICTS,
    RESULT_WEIGHTS,
    SATISFIED_REMARKS,
    STAFF_USERS,
    STREETS,
    SURNAMES,
    TOPICS,
    UNITS,
    UNITS_BY_CATEGORY,
    VERDICTS,
    VILLAGES,
    WITHDRAW_DRAFT,
    WITHDRAW_EARLY,
    WITHDRAW_LATE,
)

logger = logging.getLogger(__name__)

# The demo's timeline is written for this "today"; `seed(reference=…)` (by default the real
# today, so deadlines and overdue counts look alive on any day) moves every day of it by the
# same number of days through `use_reference`.
BASE_REFERENCE_DATE = date(2026, 11, 20)
REFERENCE_DATE = BASE_REFERENCE_DATE  # "today" of the demo timeline
START_DATE = date(2024, 12, 2)  # first suggestions between meetings
TERM_START = date(2023, 1, 9)
JOINED_ON = date(2024, 11, 25)  # the demo accounts' date joined
_BASE_DAYS = (START_DATE, TERM_START, JOINED_ON, tuple(MEETINGS))
NEVER = date(2099, 12, 31)  # a planned event that has not happened by the reference date
TZ = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "portal-demo"
TERM_NUMBER = 13
TERM_NAME = "市第十三届人民代表大会"
BATCH_SIZE = 2000
CHUNK_SIZE = 2000  # suggestions simulated and written per round trip

S = Suggestion.Status
A = Assignment.State
R = Assignment.Role

# A township's handful of units (乡镇的站所和县直部门), covering every category and every unit
# the showcase names.
TOWNSHIP_UNITS = (
    "fgw", "czj", "zjj", "jtj", "cgj", "zrj", "swj", "wjw", "jyj", "mzj", "gaj", "nyj", "wlj",
    "sthj",
)  # fmt: skip


@dataclass(frozen=True)
class Profile:
    """Whose demo a seeder writes. The default is today's demo: the default congress (the demo
    city), its term 市第十三届, its accounts `staff`, `leader`, `unit`, `unit_head`, `deputy` and
    `admin`. Another congress of a province demo (demo/province.py) is seeded acting in it,
    with its own term and units, one staff and one leader, and every username suffixed with
    its code (`staff_<code>`, `leader_<code>`, `unit_<code>`): usernames are global."""

    code: str = ""  # "": the default congress, today's usernames
    term_number: int = TERM_NUMBER
    term_name: str = TERM_NAME
    label: str = "市十三届"  # as a meeting's or a plan's title names the term
    place: str = "市"  # the first character of its units' names: 市住建局, 县住建局
    unit_codes: tuple[str, ...] | None = None  # None: every unit of vocabulary.UNITS
    staff: int = 3
    leaders: int = 3
    admin: bool = True  # the Django admin `admin` (the default congress only)
    extras: bool = True  # 督办专题, 预交办, 测评 and 承诺事项, written through their services

    def username(self, base: str) -> str:
        return f"{base}_{self.code}" if self.code else base

    def unit_name(self, name: str) -> str:
        return name if self.place == "市" else name.replace("市", self.place, 1)


DEFAULT_PROFILE = Profile()


# --- presence check --------------------------------------------------------------------------


def demo_present(profile: Profile = DEFAULT_PROFILE) -> bool:
    """The demo data is in (in the congress acted in, for a profile of a province): its term
    and its `staff` account both exist."""
    return (
        Term.objects.filter(name=profile.term_name).exists()
        and get_user_model().objects.filter(username=profile.username("staff")).exists()
    )


def conflicts(profile: Profile = DEFAULT_PROFILE) -> list[str]:
    """What in this database stops a clean seed (Chinese and English, for the command)."""
    problems = []
    number = profile.term_number
    if Term.objects.filter(number=number).exists():
        problems.append(f"第{number}届已存在 / term {number} already exists")
    current = Term.objects.filter(is_current=True).first()
    if current is not None:
        problems.append(f"已有本届“{current.name}” / another term is marked current")
    # An existing `admin` (say, from createsuperuser) is kept as it is and not seeded.
    problems += taken_usernames(
        [profile.username(u) for u in ("staff", "unit", "unit_head", "leader", "deputy")]
    )
    return problems


def taken_usernames(names) -> list[str]:
    taken = sorted(
        get_user_model().objects.filter(username__in=names).values_list("username", flat=True)
    )
    return [f"用户名已被占用 / usernames taken: {', '.join(taken)}"] if taken else []


# --- plumbing --------------------------------------------------------------------------------


@contextmanager
def historical_timestamps(model_classes):
    """Let rows carry the dates of the demo timeline: auto_now would stamp them with the
    moment of seeding."""
    saved = []
    for model in model_classes:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


@contextmanager
def quiet_calendar_warnings():
    """The calculator warns once per deadline in a year without an official calendar; the
    seeder counts those itself and reports them once."""
    log = logging.getLogger(deadlines.__name__)
    old = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(old)


def _bulk(model, objs, **kwargs):
    if not objs:
        return objs
    model.objects.bulk_create(objs, batch_size=BATCH_SIZE, **kwargs)
    if objs[0].pk is None or objs[-1].pk is None:  # pragma: no cover - backend guard
        raise RuntimeError(f"{model.__name__}: this database backend does not return bulk pks")
    return objs


@dataclass
class UnitInfo:
    obj: Unit
    code: str
    user: object  # drafts the replies (the demo unit's clerk, `unit`)
    head: str
    signer: object = None  # signs them off (签发): the demo unit's `unit_head`


@dataclass
class Plan:
    """One suggestion to simulate. `force` pins down choices for the showcase ones."""

    day: date
    draft: bool = False
    channel: str = "recess"
    meeting: Meeting | None = None
    force: dict = field(default_factory=dict)
    order: int = 0


class Event:
    """An audit event being planned; `row()` makes the AuditEvent once its objects have ids."""

    __slots__ = ("day", "seq", "suggestion", "actor", "action", "assignment", "from_state",
                 "to_state", "reason", "data", "rows", "at")  # fmt: skip

    def __init__(self, day, seq, suggestion, actor, action, asg, frm, to, reason, data, rows):
        self.day, self.seq, self.suggestion, self.actor = day, seq, suggestion, actor
        self.action, self.assignment, self.from_state, self.to_state = action, asg, frm, to
        self.reason, self.data, self.rows, self.at = reason, data, rows, None

    def row(self) -> AuditEvent:
        data = self.data
        if data:
            data = {k: (v.pk if isinstance(v, models.Model) else v) for k, v in data.items()}
        return AuditEvent(
            at=self.at,
            happened_on=self.day,  # the day the step happened, as the workflow records it
            actor_id=self.actor.pk if self.actor is not None else None,
            action=self.action,
            suggestion_id=self.suggestion.pk,
            congress_id=self.suggestion.congress_id,
            assignment_id=self.assignment.pk if self.assignment is not None else None,
            from_state=self.from_state,
            to_state=self.to_state,
            reason=self.reason,
            data=data or {},
        )


@dataclass
class Outcome:
    assignment: Assignment
    reply: Reply | None = None
    day: date | None = None


# --- the seeder ------------------------------------------------------------------------------


class DemoSeeder:
    def __init__(self, *, scale: int, seed: int | str, profile: Profile = DEFAULT_PROFILE):
        self.scale = scale
        self.profile = profile
        self.rng = random.Random(seed)
        self.seq = 0
        self.number = 0
        self.fallback_deadlines = 0
        self._deadline_cache = {}
        self._workday_cache = {}
        self.doc_numbers = {}  # (unit id, year) -> last 文号 sequence number given
        self.targets = {}  # category id -> recent suggestions a later one may be merged into
        self._reset_buffers()

    # ----- setup -----

    def run(self) -> dict:
        # Only Suggestion.updated_at is automatic; every other history time is a plain default.
        models_with_stamps = [Suggestion]
        with (
            transaction.atomic(),
            historical_timestamps(models_with_stamps),
            quiet_calendar_warnings(),
        ):
            self.calendar = deadlines.WorkCalendar.load()
            self.rules = {ch: deadlines.rules_for_channel(ch) for ch in CHANNEL_WEIGHTS}
            self.rules_dict = {ch: r.as_dict() for ch, r in self.rules.items()}
            self._reference_data()
            self._people()
            for n, plan in enumerate(self._plans(), start=1):
                self._suggestion(plan)
                if n % CHUNK_SIZE == 0:
                    self._flush()
            self._flush()
            _bulk(
                DocNumberCounter,
                [
                    DocNumberCounter(unit_id=unit_id, year=year, last=last)
                    for (unit_id, year), last in sorted(self.doc_numbers.items())
                ],
            )
            # Every demo reply went to its deputies, as `deliveries.reply_deliver` records
            # (after all chunks: a merged suggestion may come after its target's replies).
            deliveries.deliveries_record_missing(
                replies=Reply.objects.filter(assignment__suggestion__term=self.term)
            )
            if self.profile.extras:
                self._supervision()
                self._preassign()
                self._evaluation()
                self._commitments()
            # Last: every step above may have written audit events.
            activity.refresh(Suggestion.objects.filter(term=self.term))
        return self.summary()

    def _reference_data(self):
        rng = self.rng
        cats = {c.name: c for c in Category.objects.filter(name__in=CATEGORIES)}
        for order, name in enumerate(CATEGORIES, start=1):
            if name not in cats:
                cats[name] = Category.objects.create(name=name, order=order)
        self.categories = [cats[n] for n in CATEGORIES]
        self.category_cum = _cumulative(CATEGORY_WEIGHTS)

        profile = self.profile
        self.term = Term.objects.create(
            number=profile.term_number,
            name=profile.term_name,
            start_date=TERM_START,
            is_current=True,
        )
        self.meetings = [
            Meeting.objects.create(
                term=self.term, number=n, name=name, start_date=first, end_date=last
            )
            for n, name, first, last in MEETINGS
        ]
        self.delegations = _bulk(
            Delegation, [Delegation(term=self.term, name=f"{d}代表团") for d in DISTRICTS]
        )

        chosen = [
            (profile.unit_name(name), profile.unit_name(short), system, code)
            for name, short, system, code in UNITS
            if profile.unit_codes is None or code in profile.unit_codes
        ]
        existing = {u.name: u for u in Unit.objects.filter(name__in=[u[0] for u in chosen])}
        new_units = []
        self.unit_rows = []
        for name, short, system, code in chosen:
            unit = existing.get(name)
            if unit is None:
                unit = Unit(
                    name=name,
                    short_name=short,
                    system=system,
                    contact_person=self._name(rng.random() < 0.5)[0],
                    contact_phone=f"{rng.randint(6, 8)}{rng.randint(0, 9999999):07d}",
                )
                new_units.append(unit)
            self.unit_rows.append((unit, code))
        _bulk(Unit, new_units)

    def _name(self, male: bool, taken: set | None = None) -> tuple[str, str]:
        rng = self.rng
        for _ in range(50):
            given = rng.choice(MALE_GIVEN if male else FEMALE_GIVEN)
            name = rng.choice(SURNAMES) + given
            if taken is None or name not in taken:
                break
        if taken is not None:
            taken.add(name)
        return name, "M" if male else "F"

    def _phone(self) -> str:
        rng = self.rng
        prefix = rng.choice(["135", "136", "137", "138", "139", "158", "159", "186", "187", "188"])
        return f"{prefix}{rng.randint(0, 99999999):08d}"

    def _password(self, usable: bool) -> str:
        rng = self.rng
        salt = "".join(
            rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            for _ in range(22)
        )
        if usable:
            if not hasattr(self, "_demo_hash"):
                # One hash for every demo account (same password): a slow hasher costs once.
                self._demo_hash = make_password(DEMO_PASSWORD, salt=salt)
            return self._demo_hash
        return "!" + salt  # unusable, as set_unusable_password() writes it, but deterministic

    def _people(self):
        rng = self.rng
        User = get_user_model()
        joined = datetime.combine(JOINED_ON, time(9, 0), tzinfo=TZ)
        users = []

        profile = self.profile

        def user(username, name, usable=False, **flags):
            u = User(
                username=profile.username(username),
                name=name,
                password=self._password(usable),
                date_joined=joined,
                is_active=True,
                **flags,
            )
            users.append(u)
            return u

        # The Django admin is `admin`'s alone: the staff accounts work in the portal and hold no
        # admin rights, so a leaked staff password does not open accounts and master data.
        self.admin_kept = not profile.admin or User.objects.filter(username="admin").exists()
        if not self.admin_kept:
            user("admin", "系统管理员", True, is_superuser=True, is_staff=True)
        self.staff_users = [
            user(username, name, username == "staff", is_committee_staff=True)
            for username, name in STAFF_USERS[: profile.staff]
        ]
        self.leaders = [
            user(username, name, username == "leader", is_leader=True)
            for username, name in LEADER_USERS[: profile.leaders]
        ]
        self.units = {}
        for unit, code in self.unit_rows:
            head = self._name(rng.random() < 0.7)[0]
            demo = code == DEMO_UNIT_CODE
            # The demo unit shows the two hands of a reply: its clerk `unit` drafts, its head
            # `unit_head` signs off (签发). Other units have one account holding both.
            u = user(
                "unit" if demo else f"unit_{code}",
                unit.contact_person or self._name(rng.random() < 0.5)[0],
                demo,
                is_unit_user=True,
                unit=unit,
                can_sign_replies=not demo,
            )
            signer = (
                user("unit_head", head, True, is_unit_user=True, unit=unit, can_sign_replies=True)
                if demo
                else u
            )
            self.units[code] = UnitInfo(unit, code, u, head, signer)
        self.demo_unit = self.units[DEMO_UNIT_CODE]
        self.units_by_category = {}
        for cat in self.categories:
            # A township has some of the units: those of the category it has (every category
            # keeps at least one, TOWNSHIP_UNITS).
            weights = {c: w for c, w in UNITS_BY_CATEGORY[cat.name].items() if c in self.units}
            infos = [self.units[c] for c in weights]
            self.units_by_category[cat.pk] = (infos, _cumulative(list(weights.values())))
        self.all_units = list(self.units.values())

        # Deputies: a city congress has some hundreds; the demo one is fixed.
        count = max(40, min(700, self.scale // 3))
        taken = {DEMO_DEPUTY["name"]}
        deputies = []
        demo_user = user("deputy", DEMO_DEPUTY["name"], True, is_deputy=True)
        demo = Deputy(
            term=self.term,
            delegation=self.delegations[0],
            name=DEMO_DEPUTY["name"],
            gender=DEMO_DEPUTY["gender"],
            occupation=DEMO_DEPUTY["occupation"],
            group="东城区和平街道代表联络站",
            phone=DEMO_DEPUTY["phone"],
            address="东城区和平路18号",
            user=demo_user,
        )
        demo.district = DISTRICTS[0]
        deputies.append(demo)
        account_no = 0
        for i in range(count - 1):
            delegation = self.delegations[i % len(self.delegations)]
            district = DISTRICTS[i % len(DISTRICTS)]
            name, gender = self._name(rng.random() < 0.62, taken)
            street = rng.choice(STREETS)
            occupation = rng.choice(OCCUPATIONS).format(
                d=district, s=street, v=rng.choice(VILLAGES), c=rng.choice(COMPANIES)
            )
            account = None
            if rng.random() < 0.2:
                account_no += 1
                account = user(f"rd{account_no:04d}", name, False, is_deputy=True)
            deputy = Deputy(
                term=self.term,
                delegation=delegation,
                name=name,
                gender=gender,
                occupation=occupation,
                group=f"{district}{street}街道代表联络站",
                phone=self._phone(),
                address=f"{district}{street}路{rng.randint(1, 300)}号",
                identity_confidential=rng.random() < 0.02,
                user=account,
            )
            deputy.district = district
            deputies.append(deputy)
        taken_names = taken_usernames([u.username for u in users])
        if taken_names:
            raise DemoConflict("; ".join(taken_names))
        _bulk(User, users)
        _bulk(Deputy, deputies)
        self.demo_deputy = demo
        self.deputies = deputies
        self.deputy_cum = _cumulative([0.3 + rng.random() ** 3 * 4 for _ in deputies])
        self.account_deputies = [d for d in deputies if d.user is not None]
        self.by_delegation = {}
        for d in deputies:
            self.by_delegation.setdefault(d.delegation_id, []).append(d)
        self.user_count = len(users)

    # ----- the plan of suggestions -----

    def _plans(self) -> Iterator[Plan]:
        """Every suggestion's plan in the order of submission (by day, then as drawn), the
        showcase first. Drawn all at once (the draws come before the simulation's), but kept
        as nine bytes each — the day's ordinal, the kind, a slot — and sorted by counting, so
        that a million plans never stand in memory as objects."""
        rng = self.rng
        showcase = self._showcase()[: self.scale]
        rest = self.scale - len(showcase)
        drafts = round(rest * 0.012)
        span = (REFERENCE_DATE - START_DATE).days
        channels = list(CHANNEL_WEIGHTS)
        last = REFERENCE_DATE.toordinal()
        days = array("i")  # each drawn plan's day
        kinds = array("b")  # -1: a draft; else 4 × channel + 1 + meeting (-1: none)
        for i in range(rest):
            if i < drafts:
                days.append((REFERENCE_DATE - timedelta(rng.randint(0, 45))).toordinal())
                kinds.append(-1)
                continue
            channel = _pick(rng, CHANNEL_WEIGHTS)
            if channel == "session":
                index = 0 if rng.random() < 0.45 else 1
                day = self.meetings[index].start_date + timedelta(rng.randint(0, 4))
            else:
                index = -1
                day = START_DATE + timedelta(rng.randint(0, span - 1))
                for m in self.meetings:  # 闭会期间: not while the congress sits
                    if m.start_date <= day <= m.end_date:
                        day = m.end_date + timedelta(rng.randint(1, 10))
                day = self._wd(day)
            days.append(min(day.toordinal(), last))
            kinds.append(4 * channels.index(channel) + 1 + index)
        for order, plan in enumerate(showcase):
            plan.order, plan.day = order, min(plan.day, REFERENCE_DATE)
        first = min([p.day.toordinal() for p in showcase] + ([min(days)] if days else []))
        # Counting sort by day, stable: within a day the showcase, then the drawn in order.
        starts = array("i", [0]) * (last - first + 2)
        for d in days:
            starts[d - first + 1] += 1
        for i in range(1, len(starts)):
            starts[i] += starts[i - 1]
        fill = array("i", starts)
        slots = array("i", [0]) * rest
        for i, d in enumerate(days):
            slots[fill[d - first]] = i
            fill[d - first] += 1
        del fill
        by_day = {}
        for plan in showcase:
            by_day.setdefault(plan.day, []).append(plan)
        for offset in range(last - first + 1):
            day = date.fromordinal(first + offset)
            yield from by_day.get(day, ())
            for slot in range(starts[offset], starts[offset + 1]):
                kind = kinds[slots[slot]]
                if kind < 0:
                    plan = Plan(day=day, draft=True)
                else:
                    channel, index = channels[kind // 4], kind % 4 - 1
                    meeting = self.meetings[index] if index >= 0 else None
                    plan = Plan(day=day, channel=channel, meeting=meeting)
                plan.order = len(showcase) + slots[slot]
                yield plan

    def _showcase(self) -> list[Plan]:
        """Hand-planned suggestions: every state, request and round at any scale, and work
        for each demo account."""
        ref = REFERENCE_DATE
        m3, m4 = self.meetings
        dep, U, L = "demo", "demo", self.leaders[0]

        def p(days_ago, channel="recess", **force):
            return Plan(day=self._wd(ref - timedelta(days_ago)), channel=channel, force=force)

        def session(meeting, **force):
            return Plan(
                day=meeting.start_date + timedelta(1),
                channel="session",
                meeting=meeting,
                force=force,
            )

        lead_u = [(U, "lead")]
        return [
            # the deputy's own: replied and waiting for their feedback, in handling, drafts
            p(100, deputy=dep, units=lead_u, plan={"reply": "ontime", "result": "A"},
              feedback=[None]),
            p(100, deputy=dep, units=[("jtj", "lead")], plan={"reply": "ontime", "result": "B"},
              feedback=[None]),
            p(30, deputy=dep, units=lead_u, plan={"accept": 2, "reply": "open"}),
            p(5, draft=True, deputy=dep),
            p(2, deputy=dep, stop="submitted"),
            session(m3, deputy=dep, units=lead_u,
                    plan={"reply": "ontime", "result": "A", "contacts": 2},
                    feedback=["satisfied"], close=True),
            session(m3, deputy=dep, units=[("jtj", "lead")],
                    plan={"reply": "ontime", "result": "C", "reply2": "ontime"},
                    feedback=["dissatisfied", "basically"], close=True),
            p(120, deputy=dep, units=lead_u,
              plan={"reply": "ontime", "result": "B", "reply2": "open", "fb_after": 20},
              feedback=["dissatisfied"]),
            p(40, deputy=dep, fate="withdrawn_early"),
            # the unit's inbox: to accept, overdue, extension and reassignment requests
            p(6, units=lead_u, plan={"accept": None}, deputy=dep, reg=1, asg=1),
            p(140, units=lead_u, plan={"reply": "open"}, deputy=dep),
            p(85, units=lead_u, plan={"reply": "late", "ext": "pending", "ext_before": 14}),
            p(100, units=lead_u, plan={"reply": "open", "ext": "approved", "ext_before": 10}),
            p(200, units=lead_u, plan={"reply": "late", "ext": "rejected", "result": "A"},
              feedback=["basically"]),
            p(150, units=lead_u, plan={"reassign": "approved", "reply": "ontime"},
              feedback=["satisfied"], close=True),
            p(160, units=lead_u, plan={"reassign": "rejected", "reply": "ontime"}),
            p(8, units=lead_u, plan={"reassign": "pending"}, reg=1, asg=1),
            p(70, units=[("jtj", "lead")], plan={"reassign": "pending"}, reg=40, asg=25),
            # key suggestions the leader supervises
            p(150, units=lead_u, key=L, plan={"reply": "open"}),
            session(m4, units=[(U, "lead"), ("cgj", "co")], key=L,
                    plan={"reply": "ontime", "result": "A", "contacts": 1},
                    feedback=["satisfied"], close=True),
            # co-handlers, split handling, every reply class, follow-up of a B reply
            session(m4, units=[("fgw", "lead"), ("czj", "co"), ("zrj", "co")],
                    plan={"reply": "ontime", "result": "A"}, feedback=["satisfied"], close=True),
            p(60, units=[(U, "split"), ("jtj", "split"), ("cgj", "split")],
              plan={"reply": "ontime"}),
            session(m4, units=[(U, "split"), ("swj", "split")], plan={"reply": "ontime"},
                    feedback=["satisfied", "satisfied"], close=True),
            session(m3, units=[("wjw", "lead")], plan={"reply": "ontime", "result": "D"},
                    feedback=["basically"], close=True),
            session(m3, units=lead_u, plan={"reply": "ontime", "result": "B", "followup": True},
                    feedback=["basically"], close=True),
            p(200, units=lead_u, plan={"reply": "ontime", "reply2": "open", "fb_after": 20},
              feedback=["dissatisfied"]),
            # the other ends of the road
            p(6, stop="registered"),
            p(60, fate="rejected"),
            p(50, fate="merged"),
            p(30, draft=True, fate="withdrawn_draft"),
            p(120, fate="withdrawn_late"),
        ]  # fmt: skip

    # ----- helpers -----

    def _wd(self, day: date) -> date:
        """The working day a unit or staff act on (the day itself or the next)."""
        if day >= NEVER:
            return day
        hit = self._workday_cache.get(day)
        if hit is None:
            hit = self._workday_cache[day] = self.calendar.next_workday(day)[0]
        return hit

    def _deadline(self, kind: str, start: date, channel: str, role: str = "lead"):
        key = (kind, start, channel, role == "co")
        hit = self._deadline_cache.get(key)
        if hit is None:
            rules = self.rules[channel]
            if kind == "reply":
                d = deadlines.reply_deadline(
                    assigned_on=start, rules=rules, role=role, calendar=self.calendar
                )
            elif kind == "rehandle":
                d = deadlines.rehandle_deadline(
                    started_on=start, rules=rules, calendar=self.calendar
                )
            else:
                d = deadlines.extension_cap(
                    round_started_on=start, rules=rules, calendar=self.calendar
                )
            hit = self._deadline_cache[key] = (d, d.explanation())
        if hit[0].fallback_years and kind != "cap":
            self.fallback_deadlines += 1
        return hit

    def _dt(self, day: date, previous: datetime | None) -> datetime:
        rng = self.rng
        if previous is not None and previous.date() >= day:
            later = previous + timedelta(minutes=rng.randint(1, 12))
            return later if later.date() == previous.date() else previous + timedelta(seconds=1)
        return datetime.combine(day, time(8, 30), tzinfo=TZ) + timedelta(
            minutes=rng.randint(0, 480)
        )

    def _ev(self, day, actor, action, *, asg=None, frm="", to="", reason="", data=None, rows=()):
        self.seq += 1
        self.events.append(
            Event(day, self.seq, self.s, actor, action, asg, frm, to, reason, data, rows)
        )

    def _status(self, day, actor, action, new, *, reason="", data=None, **fields):
        s = self.s
        old = s.status
        s.status = new
        s.version += 1
        for name, value in fields.items():
            setattr(s, name, value)
        self._ev(day, actor, action, frm=old, to=new, reason=reason, data=data)

    def _pick_deputy(self):
        return self.rng.choices(self.deputies, cum_weights=self.deputy_cum)[0]

    def _pick_unit(self, category, exclude=()):
        infos, cum = self.units_by_category[category.pk]
        for _ in range(20):
            info = self.rng.choices(infos, cum_weights=cum)[0]
            if info.code not in exclude:
                return info
        pool = [u for u in self.all_units if u.code not in exclude]
        return self.rng.choice(pool)

    def _unit(self, key) -> UnitInfo:
        return self.demo_unit if key == "demo" else self.units[key]

    def _title(self, category, deputy) -> tuple[str, str]:
        rng = self.rng
        topic = rng.choice(TOPICS[category.name])
        text = topic
        roll = rng.random()
        if roll < 0.2 and topic.startswith(FURTHER_VERBS):
            text = "进一步" + topic
        elif roll < 0.4:
            text = f"{deputy.district}{topic}"
        title = f"关于{text}的建议"
        measures = rng.sample(MEASURES, 3)
        content = (
            f"{topic}事关群众切身利益。近年来,我市在这方面做了大量工作,取得了一定成效,"
            f"但仍存在{rng.choice(PROBLEMS)}等问题。为此建议:"
            + ";".join(f"{ORDINALS[i]}是{m}" for i, m in enumerate(measures))
            + "。"
        )
        return title, content

    # ----- one suggestion -----

    def _suggestion(self, plan: Plan):
        rng, f = self.rng, plan.force
        self.events = []
        self.plan = plan
        self.withdrawing = False
        self.staff = rng.choice(self.staff_users[:1] * 2 + self.staff_users[1:])
        deputy = f.get("deputy")
        if deputy == "demo":
            deputy = self.demo_deputy
        elif deputy is None:
            deputy = (
                rng.choice(self.account_deputies)
                if plan.draft or f.get("draft")
                else self._pick_deputy()
            )
        draft = plan.draft or f.get("draft", False)
        fate = f.get("fate")
        if fate is None and not draft and not f:
            roll = rng.random()
            fate = next((name for limit, name in FATES if roll < limit), None)
        if draft and fate is None and not f and rng.random() < 0.15:
            fate = "withdrawn_draft"
        target = None
        category = self.categories[_index(rng, self.category_cum)]
        if "units" in f:  # the subject the (forced) first unit handles most
            code = self._unit(f["units"][0][0]).code
            category = max(self.categories, key=lambda c: UNITS_BY_CATEGORY[c.name].get(code, 0))
        if fate == "merged":
            pool = self.targets.get(category.pk) or next(
                (v for v in self.targets.values() if v), None
            )
            if pool:
                target = rng.choice(pool)
                category = target.category
            else:
                fate = None
        if target is not None:
            title, content = target.title, target.content
        else:
            title, content = self._title(category, deputy)

        s = self.s = Suggestion(
            term=self.term,
            meeting=plan.meeting,
            channel=plan.channel,
            category=category,
            title=title,
            content=content,
            lead_deputy=deputy,
            status=S.DRAFT,
            version=1,
        )
        if not draft and rng.random() < 0.35:
            pool = self.by_delegation[deputy.delegation_id]
            names = set()
            for _ in range(rng.randint(1, 5)):
                co = rng.choice(pool) if rng.random() < 0.8 else self._pick_deputy()
                if co is not deputy and co.pk not in names:
                    names.add(co.pk)
                    self.cosigners.append((s, co.pk))
        self.sugs.append(s)
        try:
            self._life(plan, deputy, draft, fate, target)
        finally:
            self._stamp()
        if s.status in (S.ASSIGNED, S.REPLIED, S.CLOSED):
            pool = self.targets.setdefault(category.pk, deque(maxlen=300))
            pool.append(s)

    def _life(self, plan, deputy, draft, fate, target):
        rng, f, s, staff = self.rng, plan.force, self.s, self.staff
        day = plan.day
        account = deputy.user
        if draft:
            s.created_by = account
            self._ev(day, account, "suggestion.create", to=S.DRAFT)
            if fate == "withdrawn_draft":
                w = day + timedelta(rng.randint(1, 10))
                if w <= REFERENCE_DATE:
                    self._status(
                        w,
                        account,
                        "suggestion.withdraw",
                        S.WITHDRAWN,
                        reason=WITHDRAW_DRAFT,
                        status_note=WITHDRAW_DRAFT,
                    )
            return

        self.number += 1
        s.number, s.submitted_on = self.number, day
        if account is not None and (f.get("deputy") == "demo" or rng.random() < 0.5):
            s.created_by = account
            start = max(day - timedelta(rng.randint(0, 6)), START_DATE - timedelta(20))
            self._ev(start, account, "suggestion.create", to=S.DRAFT)
            self._status(day, account, "suggestion.submit", S.SUBMITTED)
        else:
            s.created_by = staff
            s.status = S.SUBMITTED
            self._ev(day, staff, "suggestion.create", to=S.SUBMITTED)

        if fate == "withdrawn_early":
            w = day + timedelta(rng.randint(1, 6))
            if w <= REFERENCE_DATE:
                self._status(
                    w,
                    account or staff,
                    "suggestion.withdraw",
                    S.WITHDRAWN,
                    reason=WITHDRAW_EARLY,
                    status_note=WITHDRAW_EARLY,
                )
            return
        if f.get("stop") == "submitted":
            return

        if "reg" in f:
            r = self._wd(day + timedelta(f["reg"]))
        elif plan.channel == "session":
            r = self._wd(plan.meeting.end_date + timedelta(rng.randint(7, 30)))
        else:
            r = self._wd(day + timedelta(rng.randint(1, 4)))
        if r > REFERENCE_DATE:
            return
        if fate == "rejected":
            reason = _pick(rng, REJECT_WEIGHTS) if not f else "other"
            note = REJECT_NOTES[reason]
            label = Suggestion.RejectReason(reason).label
            self._status(
                r,
                staff,
                "suggestion.reject",
                S.REJECTED,
                reason=f"{label}:{note}",
                reject_reason=reason,
                status_note=note,
            )
            return
        if fate == "merged" and rng.random() < 0.5:
            self._merge(r, target)
            return
        self._status(r, staff, "suggestion.register", S.REGISTERED, registered_on=r)
        leader = f.get("key")
        if leader is None and not f and rng.random() < 0.05:
            # A key suggestion always has its supervising leader (workflow.suggestion_mark_key).
            leader = rng.choice(self.leaders[:1] * 2 + self.leaders[1:])
        if leader is not None:
            s.is_key, s.supervisor = True, leader
        if s.is_key:
            s.version += 1
            self._ev(
                r,
                staff,
                "suggestion.mark_key",
                data={"supervisor": leader.display_name if leader else ""},
            )
        if fate == "merged":
            m = self._wd(r + timedelta(rng.randint(1, 10)))
            if m <= REFERENCE_DATE:
                self._merge(m, target)
            return
        if f.get("stop") == "registered":
            return

        if "asg" in f:
            a = self._wd(r + timedelta(f["asg"]))
        elif plan.channel == "session":
            a = self._wd(r + timedelta(rng.randint(3, 14)))
        else:
            a = self._wd(r + timedelta(rng.randint(0, 3)))
        if a > REFERENCE_DATE:
            return
        withdraw_on = None
        horizon = REFERENCE_DATE
        if fate == "withdrawn_late":
            w = self._wd(a + timedelta(rng.randint(5, 60)))
            if w <= REFERENCE_DATE:
                withdraw_on = horizon = w
        self.withdrawing = withdraw_on is not None
        self._handle(a, horizon, requests=not self.withdrawing)
        if withdraw_on is not None and s.status in (S.ASSIGNED, S.REPLIED):
            for asg in self.open_assignments():
                old = asg.state
                asg.state, asg.ended_on, asg.end_reason = A.ENDED, withdraw_on, "建议已撤回"
                self._ev(
                    withdraw_on,
                    staff,
                    "assignment.end",
                    asg=asg,
                    frm=old,
                    to=A.ENDED,
                    reason="建议已撤回",
                )
            self._status(
                withdraw_on,
                staff,
                "suggestion.withdraw",
                S.WITHDRAWN,
                reason=WITHDRAW_LATE,
                status_note=WITHDRAW_LATE,
            )

    def _merge(self, day, target):
        note = f"与{target.display_number}建议所提事项相同,并案办理"
        self._status(
            day,
            self.staff,
            "suggestion.merge",
            S.MERGED,
            reason=note,
            data={"into": target, "into_number": target.display_number},
            merged_into=target,
            status_note=note,
        )

    def open_assignments(self):
        return [a for a in self.s_assignments if a.state in (A.ASSIGNED, A.ACCEPTED)]

    # ----- handling -----

    def _new_assignment(self, info: UnitInfo, role: str, day: date, *, reason="", replaces=None):
        s = self.s
        (deadline, explanation) = self._deadline("reply", day, s.channel, role)
        asg = Assignment(
            suggestion=s,
            unit=info.obj,
            role=role,
            state=A.ASSIGNED,
            assigned_on=day,
            rules=self.rules_dict[s.channel],
            deadline=deadline.date,
            created_by=self.staff,
        )
        asg.info = info
        dc = DeadlineChange(
            assignment=asg,
            kind=DeadlineChange.Kind.INITIAL,
            effective_on=day,
            old_deadline=None,
            base_date=deadline.base_date,
            new_deadline=deadline.date,
            explanation=explanation,
            reason=reason,
            created_by=self.staff,
        )
        data = {"unit": info.obj.name, "role": role, "deadline": deadline.date.isoformat()}
        if replaces is not None:
            data["replaces"] = replaces
        self._ev(
            day, self.staff, "assignment.create", asg=asg, to=A.ASSIGNED, data=data, rows=[asg, dc]
        )
        self.assignments.append(asg)
        self.dchanges.append(dc)
        self.s_assignments.append(asg)
        self.s_units.add(info.code)
        return asg

    def _handle(self, a: date, horizon: date, *, requests: bool):
        rng, f, s = self.rng, self.plan.force, self.s
        self.s_assignments, self.s_units = [], set()
        if "units" in f:
            units = [(self._unit(k), role) for k, role in f["units"]]
        else:
            lead = self._pick_unit(s.category)
            roll = rng.random()
            if roll < 0.80:
                units = [(lead, R.LEAD)]
            elif roll < 0.92:
                units = [(lead, R.LEAD)]
                for _ in range(rng.randint(1, 2)):
                    units.append(
                        (self._pick_unit(s.category, exclude={u.code for u, _ in units}), R.CO)
                    )
            else:
                units = [(lead, R.SPLIT)]
                for _ in range(rng.randint(1, 2)):
                    units.append(
                        (self._pick_unit(s.category, exclude={u.code for u, _ in units}), R.SPLIT)
                    )
        created = [(self._new_assignment(info, role, a), role) for info, role in units]
        self._status(a, self.staff, "suggestion.assign", S.ASSIGNED)

        latest_opinion = None
        for asg, role in created:
            if role == R.CO:
                day = self._co(asg, horizon)
                latest_opinion = day if latest_opinion is None else max(latest_opinion, day)
        outcomes = []
        first = True
        for asg, role in created:
            if role != R.CO:
                plan = f.get("plan", {}) if first else {}
                first = False
                outcomes.append(self._lead(asg, plan, horizon, latest_opinion, requests))
        self._rounds(outcomes, horizon)

    def _accept_day(self, a: date, plan: dict) -> date:
        if "accept" in plan:
            return NEVER if plan["accept"] is None else self._wd(a + timedelta(plan["accept"]))
        rng = self.rng
        delay = rng.randint(0, 3) if rng.random() < 0.9 else rng.randint(4, 15)
        return self._wd(a + timedelta(delay))

    def _accept(self, asg, day):
        asg.state, asg.accepted_on = A.ACCEPTED, day
        # 五定 as workflow.assignment_accept asks (no random draw: the rest of the demo stays
        # as it was); the phone is a landline of the unit's code.
        asg.responsible_leader = asg.info.head
        asg.handler_name = f"{asg.info.obj.short_name or asg.info.obj.name[:4]}经办人"
        asg.handler_phone = f"0571-8{sum(map(ord, asg.info.code)) * 7919 % 10_000_000:07d}"
        self._ev(day, asg.info.user, "assignment.accept", asg=asg, frm=A.ASSIGNED, to=A.ACCEPTED)

    def _co(self, asg, horizon) -> date:
        rng = self.rng
        accept = self._accept_day(asg.assigned_on, {})
        if accept > horizon:
            return NEVER
        self._accept(asg, accept)
        if rng.random() < 0.85:
            day = self._wd(accept + timedelta(rng.randint(5, 25)))
        else:
            day = self._wd(asg.deadline + timedelta(rng.randint(1, 30)))
        if day > horizon:
            return NEVER
        opinion = Opinion(
            assignment=asg,
            text=f"{asg.info.obj.name}协办意见:同意主办单位的办理思路,我单位将在职责范围内"
            f"做好配合,{rng.choice(MEASURES)}。",
            sent_on=day,
            created_by=asg.info.user,
        )
        self.opinions.append(opinion)
        asg.state = A.REPLIED
        self._ev(
            day,
            asg.info.user,
            "opinion.send",
            asg=asg,
            frm=A.ACCEPTED,
            to=A.REPLIED,
            data={"opinion": opinion},
            rows=[opinion],
        )
        return day

    def _reply_day(self, start: date, deadline: date, kind: str, not_before: date) -> date:
        rng = self.rng
        if kind == "open":
            return NEVER
        if kind == "ontime":
            span = max(1, (deadline - start).days)
            day = self._wd(start + timedelta(max(1, round(span * rng.uniform(0.35, 1.0)))))
            day = min(day, deadline)
        elif kind == "late":
            day = self._wd(deadline + timedelta(rng.randint(1, 45)))
        else:
            day = self._wd(deadline + timedelta(rng.randint(46, 400)))
        if day <= not_before:
            day = self._wd(not_before + timedelta(1))
        return day

    def _lead(self, asg, plan, horizon, latest_opinion, requests) -> Outcome:
        rng, staff = self.rng, self.staff
        info = asg.info
        a = asg.assigned_on
        accept = self._accept_day(a, plan)
        accepted = False
        floor = accept  # nothing is replied before this day

        want = plan.get("reassign") if "reassign" in plan else None
        if want is None and not plan and requests and rng.random() < 0.03:
            want = "approved" if rng.random() < 0.55 else "rejected"
        if want and requests:
            window_end = deadlines.reassignment_window_end(
                assigned_on=a, rules=self.rules[self.s.channel]
            )
            req = min(self._wd(a + timedelta(rng.randint(1, 6))), window_end)
            if want == "pending":
                req = max(a, min(req, horizon))
            if req <= horizon:
                if accept <= req:
                    self._accept(asg, accept)
                    accepted = True
                suggested = self._pick_unit(self.s.category, exclude=self.s_units)
                rr = ReassignmentRequest(
                    assignment=asg,
                    reason=f"该建议所提事项主要属于{suggested.obj.name}职责范围,"
                    f"建议调整由{suggested.obj.name}主办。",
                    requested_on=req,
                    state=RequestState.PENDING,
                    requested_by=info.user,
                    suggested_unit=suggested.obj,
                )
                self.rrequests.append(rr)
                self._ev(
                    req,
                    info.user,
                    "reassignment.request",
                    asg=asg,
                    reason=rr.reason,
                    data={"request": rr, "suggested_unit": suggested.obj.name},
                    rows=[rr],
                )
                decided = self._wd(req + timedelta(rng.randint(1, 5)))
                if want == "pending" or decided > horizon:
                    if not accepted and accept <= horizon:
                        self._accept(asg, accept)
                    return Outcome(asg)
                rr.decided_by, rr.decided_on = staff, decided
                if want == "rejected":
                    rr.state = RequestState.REJECTED
                    rr.decision_note = "所提事项与你单位职责密切相关,请继续办理。"
                    self._ev(
                        decided,
                        staff,
                        "reassignment.reject",
                        asg=asg,
                        reason=rr.decision_note,
                        data={"request": rr},
                    )
                    floor = max(floor, decided)
                else:
                    if not accepted and accept < decided:
                        self._accept(asg, accept)
                    rr.state, rr.decision_note = RequestState.APPROVED, "同意调整。"
                    old = asg.state
                    asg.state, asg.ended_on, asg.end_reason = A.ENDED, decided, "调整承办单位"
                    self._ev(
                        decided,
                        staff,
                        "reassignment.approve",
                        asg=asg,
                        frm=old,
                        to=A.ENDED,
                        reason=rr.decision_note,
                        data={"request": rr, "new_unit": suggested.obj.name},
                    )
                    new = self._new_assignment(
                        suggested, asg.role, decided, reason="调整承办单位", replaces=asg
                    )
                    self.replaced.append((asg, new))
                    rest = {k: v for k, v in plan.items() if k != "reassign"}
                    rest.setdefault("reassigned", True)
                    return self._lead(new, rest, horizon, latest_opinion, False)

        if not accepted:
            if accept > horizon:
                return Outcome(asg)
            self._accept(asg, accept)

        deadline = asg.deadline
        kind = plan.get("reply") or _pick(rng, {"ontime": 80, "late": 12, "verylate": 8})
        not_before = floor if latest_opinion is None else max(floor, latest_opinion)
        reply_on = self._reply_day(a, deadline, kind, not_before)

        want = plan.get("ext") if "ext" in plan else None
        if want is None and not plan and requests:
            chance = 0.35 if kind in ("late", "verylate") else 0.02
            if rng.random() < chance:
                want = "approved" if rng.random() < 0.7 else "rejected"
        if want and requests:
            req = max(
                self._wd(deadline - timedelta(plan.get("ext_before", rng.randint(3, 20)))), accept
            )
            cap = self._deadline("cap", a, self.s.channel)[0]
            requested = min(deadline + timedelta(rng.randint(15, 75)), cap.date)
            if requested > deadline and req <= horizon:
                extended = deadlines.extended_deadline(
                    round_started_on=a,
                    current=deadline,
                    requested=requested,
                    rules=self.rules[self.s.channel],
                    calendar=self.calendar,
                )
                er = ExtensionRequest(
                    assignment=asg,
                    reason=rng.choice(EXTENSION_REASONS),
                    requested_on=req,
                    state=RequestState.PENDING,
                    requested_by=info.user,
                    requested_deadline=requested,
                    deputy_informed=True,
                )
                self.erequests.append(er)
                self._ev(
                    req,
                    info.user,
                    "extension.request",
                    asg=asg,
                    reason=er.reason,
                    data={"request": er, "requested_deadline": requested.isoformat()},
                    rows=[er],
                )
                decided = self._wd(req + timedelta(rng.randint(1, 6)))
                if want == "pending" or decided > horizon:
                    self._contacts(asg, accept, min(horizon, req))
                    return Outcome(asg)
                er.decided_by, er.decided_on = staff, decided
                if want == "approved":
                    er.state = RequestState.APPROVED
                    asg.deadline = extended.date
                    if extended.fallback_years:
                        self.fallback_deadlines += 1
                    dc = DeadlineChange(
                        assignment=asg,
                        kind=DeadlineChange.Kind.EXTENSION,
                        effective_on=decided,
                        old_deadline=deadline,
                        base_date=extended.base_date,
                        new_deadline=extended.date,
                        explanation=extended.explanation(),
                        reason=er.reason,
                        created_by=staff,
                    )
                    self.dchanges.append(dc)
                    self._ev(
                        decided,
                        staff,
                        "extension.approve",
                        asg=asg,
                        data={"request": er, "deadline": extended.date.isoformat()},
                        rows=[dc],
                    )
                    if "reply" not in plan:
                        kind = "ontime" if rng.random() < 0.85 else "late"
                    reply_on = self._reply_day(
                        decided, extended.date, kind, max(not_before, decided)
                    )
                else:
                    er.state = RequestState.REJECTED
                    er.decision_note = rng.choice(
                        ["理由不充分,请按期答复。", "申请延期期限过长,请抓紧办理。"]
                    )
                    self._ev(
                        decided,
                        staff,
                        "extension.reject",
                        asg=asg,
                        reason=er.decision_note,
                        data={"request": er, "deadline": deadline.isoformat()},
                    )
                    if reply_on <= decided:
                        reply_on = self._wd(decided + timedelta(rng.randint(1, 10)))

        self._contacts(asg, accept, min(horizon, reply_on - timedelta(1)), plan.get("contacts"))
        if reply_on > horizon:
            return Outcome(asg)
        reply = self._reply(asg, reply_on, plan.get("result"))
        return Outcome(asg, reply, reply_on)

    def _contacts(self, asg, start, end, count=None):
        rng = self.rng
        if end < start:
            return
        if count is None:
            if self.s.is_key:
                count = rng.randint(1, 2)
            else:
                count = 0 if rng.random() < 0.3 else (1 if rng.random() < 0.75 else 2)
        span = (end - start).days
        days = sorted(start + timedelta(rng.randint(0, span)) for _ in range(count))
        for i, day in enumerate(days):
            kind = (
                "face"
                if (i == 0 and self.s.is_key)
                else _pick(rng, {"face": 60, "phone": 20, "forum": 10, "visit": 10})
            )
            info = asg.info
            contact = Contact(
                assignment=asg,
                kind=kind,
                contacted_on=day,
                participants=f"{info.obj.contact_person or info.head}({info.obj.short_name}),"
                f"{self.s.lead_deputy.name}代表",
                summary=CONTACT_SUMMARIES[kind],
                created_by=info.user,
            )
            self.contacts.append(contact)
            self._ev(
                day,
                info.user,
                "contact.record",
                asg=asg,
                data={"contact": contact, "kind": kind, "date": day.isoformat()},
                rows=[contact],
            )

    def _reply(self, asg, day, result=None) -> Reply:
        rng = self.rng
        info = asg.info
        result = result or _pick(rng, RESULT_WEIGHTS)
        body = {
            "A": "已采纳您的建议并落实到位,相关措施已在全市推开。",
            "B": f"已将相关工作列入{day.year + (day.month > 9)}年工作计划,正在组织实施。",
            "C": "因受资金、用地等客观条件限制,目前暂不具备实施条件,我们将统筹考虑、逐步解决。",
            "D": "您的建议对改进工作具有参考价值,我们将认真研究吸收。",
        }[result]
        is_public = rng.random() < 0.85
        # Only the body: the printed letter adds the salutation, opening and closing.
        reply = Reply(
            assignment=asg,
            round=asg.round,
            text=f"我单位高度重视,经认真研究,{body}",
            result=result,
            contact_person=info.obj.contact_person,
            contact_phone=info.obj.contact_phone,
            replied_on=day,
            not_public_reason="" if is_public else rng.choice(NOT_PUBLIC_REASONS),
            superseded=False,
            created_by=info.user,
            **self._signed(info, day, is_public),
        )
        self.replies.append(reply)
        asg.state = A.REPLIED
        self._ev(
            day,
            info.user,
            "reply.post",
            asg=asg,
            frm=A.ACCEPTED,
            to=A.REPLIED,
            data={
                "reply": reply,
                "result": result,
                "round": asg.round,
                "doc_number": reply.doc_number,
            },
            rows=[reply],
        )
        return reply

    def _signed(self, info: UnitInfo, day: date, is_public: bool) -> dict:
        """A released reply's signing: the unit's signer that day, the next 文号 of the unit's
        year (written to its DocNumberCounter at the end), public from its release day."""
        key = (info.obj.pk, day.year)
        n = self.doc_numbers[key] = self.doc_numbers.get(key, 0) + 1
        unit = info.obj
        return {
            "signer": info.signer.display_name,
            "signed_by": info.signer,
            "signed_on": day,
            "doc_number": unit.doc_number_pattern.format(
                year=day.year, n=n, short=unit.short_name or unit.name
            ),
            "is_public": is_public,
            "publication": Reply.Publication.PUBLIC if is_public else Reply.Publication.PRIVATE,
            "publish_on": day if is_public else None,
            "publish_by": self.calendar.add_workdays(day, 20) if is_public else None,
        }

    def _rounds(self, outcomes: list[Outcome], horizon: date):
        """Replied → feedback → (不满意: re-handling, a second reply) → closed; B follow-ups."""
        rng, f, s, staff = self.rng, self.plan.force, self.s, self.staff
        verdict_plan = list(f.get("feedback", []))
        round_no = 1
        while True:
            if any(o.reply is None for o in outcomes):
                return
            replied_on = max(o.day for o in outcomes)
            last = max(outcomes, key=lambda o: o.day)
            self._status(replied_on, last.assignment.info.user, "suggestion.replied", S.REPLIED)
            last_feedback = None  # feedback on the replies now in force
            forced = verdict_plan.pop(0) if verdict_plan else "random"
            if forced is None or (forced == "random" and rng.random() < 0.15):
                break  # no feedback (yet)
            given = replied_on + timedelta(
                self.plan.force.get("plan", {}).get("fb_after", rng.randint(5, 40))
                if round_no == 1
                else rng.randint(5, 30)
            )
            if given > horizon:
                break
            account = s.lead_deputy.user
            actor = account if account is not None and rng.random() < 0.35 else staff
            again = []
            for o in outcomes:
                reply = o.reply
                if hasattr(reply, "given_feedback"):
                    continue
                if forced != "random":
                    verdict = forced
                elif round_no == 1:
                    verdict = rng.choices(VERDICTS, weights=RESULT_VERDICTS[reply.result])[0]
                else:
                    verdict = VERDICTS[0] if rng.random() < 0.6 else VERDICTS[1]
                work = _work_verdict(rng, verdict)
                remarks = (
                    rng.choice(DISSATISFIED_REMARKS)
                    if verdict == Verdict.DISSATISFIED
                    else (rng.choice(SATISFIED_REMARKS) if rng.random() < 0.3 else "")
                )
                fb = Feedback(
                    reply=reply,
                    result_verdict=verdict,
                    work_verdict=work,
                    remarks=remarks,
                    given_on=given,
                    deputy=s.lead_deputy,
                    entered_by=actor,
                    on_behalf=actor is staff,
                )
                reply.given_feedback = fb
                self.feedbacks.append(fb)
                self._ev(
                    given,
                    actor,
                    "feedback.record",
                    asg=o.assignment,
                    data={
                        "feedback": fb,
                        "result": verdict,
                        "work": work,
                        "on_behalf": actor is staff,
                    },
                    rows=[fb],
                )
                if verdict == Verdict.DISSATISFIED:
                    again.append((o, remarks))
                last_feedback = (given, verdict)
            if not again or round_no > 1:
                break
            for o, remarks in again:
                self._rehandle(o.assignment, given, actor, remarks)
            self._status(given, actor, "suggestion.rehandle", S.ASSIGNED)
            round_no += 1
            for o, _ in again:
                o.reply, o.day = self._second_reply(o.assignment, given, horizon)

        self._close_and_follow_up(outcomes, last_feedback, horizon)

    def _rehandle(self, asg, started, actor, remarks):
        deadline, explanation = self._deadline("rehandle", started, self.s.channel)
        dc = DeadlineChange(
            assignment=asg,
            kind=DeadlineChange.Kind.REHANDLE,
            effective_on=started,
            old_deadline=asg.deadline,
            base_date=deadline.base_date,
            new_deadline=deadline.date,
            explanation=explanation,
            reason=remarks,
            created_by=actor,
        )
        self.dchanges.append(dc)
        asg.state, asg.round, asg.deadline = A.ACCEPTED, asg.round + 1, deadline.date
        self._ev(
            started,
            actor,
            "assignment.rehandle",
            asg=asg,
            frm=A.REPLIED,
            to=A.ACCEPTED,
            reason=remarks,
            data={"round": asg.round, "deadline": deadline.date.isoformat()},
            rows=[dc],
        )

    def _second_reply(self, asg, started, horizon):
        rng = self.rng
        plan = self.plan.force.get("plan", {})
        kind = plan.get("reply2") or ("ontime" if rng.random() < 0.85 else "late")
        day = self._reply_day(started, asg.deadline, kind, started)
        self._contacts(
            asg, started, min(horizon, day - timedelta(1)), 1 if rng.random() < 0.6 else 0
        )
        if day > horizon:
            return None, None
        return self._reply(asg, day, "A" if rng.random() < 0.7 else "B"), day

    def _close_and_follow_up(self, outcomes, last_feedback, horizon):
        rng, f, s, staff = self.rng, self.plan.force, self.s, self.staff
        if self.withdrawing:
            return  # withdrawn later: no closing, no follow-up
        if s.status == S.REPLIED:
            replied_on = max(o.day for o in outcomes)
            close_on = None
            if last_feedback is not None and last_feedback[1] != Verdict.DISSATISFIED:
                if f.get("close", not f and rng.random() < 0.92):
                    close_on = self._wd(last_feedback[0] + timedelta(rng.randint(2, 30)))
                    note = "代表对办理结果表示满意或基本满意"
            elif f.get("close", not f and rng.random() < 0.6):
                close_on = self._wd(replied_on + timedelta(rng.randint(45, 120)))
                note = "已全部答复,代表逾期未反馈意见,按程序办结"
            if close_on is not None and close_on <= REFERENCE_DATE:
                self._status(
                    close_on, staff, "suggestion.close", S.CLOSED, reason=note, closed_on=close_on
                )
        followup = f.get("plan", {}).get("followup")
        for o in outcomes:
            reply = o.reply
            if reply.result != "B":
                continue
            if not (followup or (not f and rng.random() < 0.3)):
                continue
            after = reply.given_feedback.given_on if hasattr(reply, "given_feedback") else o.day
            day = self._wd(after + timedelta(rng.randint(60, 300)))
            if day > REFERENCE_DATE:
                continue
            info = o.assignment.info
            new = Reply(
                assignment=o.assignment,
                round=reply.round,
                text="我单位此前答复正在解决的事项现已办理完毕,相关措施已落实到位。特此跟踪答复。",
                result="A",
                contact_person=reply.contact_person,
                contact_phone=reply.contact_phone,
                replied_on=day,
                not_public_reason=reply.not_public_reason,
                created_by=info.user,
                **self._signed(info, day, reply.is_public),
            )
            reply.superseded = True
            self.replies.append(new)
            self._ev(
                day,
                info.user,
                "reply.follow_up",
                asg=o.assignment,
                data={
                    "reply": new,
                    "replaces": reply,
                    "result": "A",
                    "previous_result": reply.result,
                },
                rows=[new],
            )

    # ----- timestamps and writing -----

    def _stamp(self):
        """Give the suggestion's events their times, in order, and the rows they made."""
        self.events.sort(key=lambda e: (e.day, e.seq))
        previous = None
        for event in self.events:
            previous = event.at = self._dt(event.day, previous)
            for row in event.rows:
                row.created_at = previous
            event.rows = ()
        s = self.s
        s.created_at = self.events[0].at
        s.updated_at = self.events[-1].at
        self.audit.extend(self.events)

    def _reset_buffers(self):
        self.sugs, self.cosigners, self.assignments, self.replaced = [], [], [], []
        self.dchanges, self.contacts, self.opinions, self.replies = [], [], [], []
        self.feedbacks, self.rrequests, self.erequests, self.audit = [], [], [], []

    def _flush(self):
        # Suggestions first; merged ones after the ones they point to (a check constraint
        # wants the target on insert).
        _bulk(Suggestion, [s for s in self.sugs if s.status != S.MERGED])
        _bulk(Suggestion, [s for s in self.sugs if s.status == S.MERGED])
        through = Suggestion.co_signers.through
        _bulk(through, [through(suggestion_id=s.pk, deputy_id=d) for s, d in self.cosigners])
        _bulk(Assignment, self.assignments)
        for old, new in self.replaced:
            old.replaced_by_id = new.pk
        if self.replaced:
            Assignment.objects.bulk_update(
                [old for old, _ in self.replaced], ["replaced_by"], batch_size=BATCH_SIZE
            )
        for model, rows in (
            (DeadlineChange, self.dchanges),
            (Contact, self.contacts),
            (Opinion, self.opinions),
            (Reply, self.replies),
            (Feedback, self.feedbacks),
            (ReassignmentRequest, self.rrequests),
            (ExtensionRequest, self.erequests),
        ):
            _bulk(model, rows)
        # A million audit events at --scale 100000: built only now, with plain ids, which
        # spares Django's related-object bookkeeping.
        self.audit.sort(key=lambda e: (e.at, e.seq))
        _bulk(AuditEvent, [e.row() for e in self.audit])
        self._reset_buffers()
        reset_queries()  # under DEBUG, Django would keep every bulk INSERT's SQL in memory

    # ----- supervision: two key topics (DESIGN.md §9) -----

    def _supervision(self):
        """Two 重点督办专题 of the demo's key suggestions: one in progress (milestones done,
        one late, a leader's 督办意见 partly acknowledged, a newer one still open, an urge, a
        visit) and one closed with its summary. Rows are written as the supervision services
        write them, with times on the demo's own days (so a seed is reproducible)."""
        from supervision.models import (
            ACKNOWLEDGE_AUDIT_ACTION,
            AUDIT_ACTIONS,
            Acknowledgement,
            Committee,
            KeyTopic,
            Milestone,
            SupervisionAction,
        )

        ref, leader, staff = REFERENCE_DATE, self.leaders[0], self.staff_users[0]
        pool = list(
            Suggestion.objects.filter(
                term=self.term, status__in=[S.ASSIGNED, S.REPLIED, S.CLOSED]
            ).order_by("-is_key", "number")[:7]
        )
        if len(pool) < 2:
            return
        by_unit = {info.obj.pk: info.user for info in self.all_units}
        seq = iter(range(10_000))

        def at(day):  # the afternoon of the day, one second apart: a stable order
            return datetime.combine(day, time(15, 0), tzinfo=TZ) + timedelta(seconds=next(seq))

        def act(topic, kind, day, content, actor, participants="", acknowledged=()):
            members = list(topic.suggestions.order_by("pk"))
            action = SupervisionAction.objects.create(
                kind=kind,
                topic=topic,
                content=content,
                happened_on=day,
                participants=participants,
                actor=actor,
                created_at=at(day),
            )
            action.suggestions.set(members)
            data = {"action_id": action.pk, "topic": topic.title}
            if participants:
                data["participants"] = participants
            AuditEvent.objects.bulk_create(
                AuditEvent(
                    at=at(day),
                    happened_on=day,
                    actor=actor,
                    action=AUDIT_ACTIONS[kind],
                    suggestion=m,
                    reason=content,
                    data=data,
                )
                for m in members
            )
            if kind != "instruction":
                return
            due = self.calendar.add_workdays(day, 3)
            current = Assignment.objects.filter(suggestion__in=members).exclude(state=A.ENDED)
            for i, a in enumerate(current.order_by("pk")):
                done = i in acknowledged
                ack = Acknowledgement.objects.create(
                    action=action,
                    assignment=a,
                    due_on=due,
                    acknowledged_on=day + timedelta(1) if done else None,
                    acknowledged_by=by_unit.get(a.unit_id) if done else None,
                    note="已部署专人落实" if done else "",
                )
                if done:
                    AuditEvent.objects.create(
                        at=at(ack.acknowledged_on),
                        happened_on=ack.acknowledged_on,
                        actor=ack.acknowledged_by,
                        action=ACKNOWLEDGE_AUDIT_ACTION,
                        suggestion_id=a.suggestion_id,
                        congress_id=a.congress_id,
                        assignment=a,
                        reason=ack.note,
                        data={"action_id": action.pk},
                    )

        committee, _ = Committee.objects.get_or_create(
            name="城乡建设环境保护委员会", defaults={"kind": "special"}
        )
        education, _ = Committee.objects.get_or_create(
            name="教育科学文化卫生委员会", defaults={"kind": "special"}
        )
        split = (len(pool) + 1) // 2
        open_topic = KeyTopic.objects.create(
            year=ref.year,
            term=self.term,
            title="推进城市公共交通高质量发展",
            description="围绕公交线网优化、地铁接驳和慢行系统,集中督办相关代表建议。",
            committee=committee,
            created_by=staff,
            created_at=at(ref - timedelta(90)),
        )
        open_topic.leaders.set([leader])
        open_topic.suggestions.set(pool[:split])
        for kind, planned, done, note in (
            ("survey", -60, -58, "赴市交通运输局、公交集团调研线网优化"),
            ("forum", -20, -19, "召开代表、承办单位座谈会"),
            ("inspection", -5, None, ""),
            ("evaluation", 30, None, ""),
            ("report", 60, None, ""),
        ):
            Milestone.objects.create(
                topic=open_topic,
                kind=kind,
                planned_on=ref + timedelta(planned),
                done_on=ref + timedelta(done) if done is not None else None,
                note=note,
                created_by=staff,
                created_at=at(ref - timedelta(90)),
            )
        act(
            open_topic,
            "instruction",
            ref - timedelta(30),
            "请各承办单位于月底前报送线路优化和接驳方案。",
            leader,
            acknowledged=range(0, 100, 2),
        )
        act(
            open_topic,
            "visit",
            ref - timedelta(19),
            "视察地铁站接驳公交和慢行系统建设。",
            leader,
            participants="分管副主任、城建环保委员会委员6人、领衔代表3人",
        )
        act(
            open_topic,
            "urge",
            ref - timedelta(10),
            "督办意见签收和方案报送进度偏慢,请抓紧。",
            staff,
        )
        act(
            open_topic,
            "instruction",
            ref - timedelta(1),
            "请在满意度测评前向领衔代表当面通报办理进展。",
            leader,
        )

        closed = KeyTopic.objects.create(
            year=ref.year,
            term=self.term,
            title="促进义务教育优质均衡发展",
            committee=education,
            created_by=staff,
            created_at=at(ref - timedelta(200)),
            state="done",
            closed_on=ref - timedelta(15),
            closing_summary="经过督办,新建改扩建学校项目全部开工,集团化办学覆盖面明显扩大,代表对办理工作表示满意。",
        )
        closed.leaders.set(self.leaders[-1:])
        closed.suggestions.set(pool[split:])
        for kind, planned in (
            ("survey", -150),
            ("forum", -90),
            ("evaluation", -40),
            ("report", -16),
        ):
            Milestone.objects.create(
                topic=closed,
                kind=kind,
                planned_on=ref + timedelta(planned),
                done_on=ref + timedelta(planned + 1),
                created_by=staff,
                created_at=at(ref - timedelta(200)),
            )
        act(
            closed,
            "instruction",
            ref - timedelta(120),
            "请制定学位供给三年行动计划。",
            self.leaders[-1],
            acknowledged=range(100),
        )

    # ----- the features of DESIGN.md §9-§10: 预交办, evaluation rounds, commitments -----
    # Written through their services (the real rules), each step on its own demo day (the
    # services read `dates.today()`); times the services take from the clock are then set to
    # that day's afternoon, so a seed is reproducible.

    def _at(self, day: date, n: int = 0) -> datetime:
        return datetime.combine(day, time(16, 0), tzinfo=TZ) + timedelta(seconds=n)

    def _preassign(self):
        """One published 预交办 plan in its answer window: the demo unit has agreed to one item
        and has one still to answer; another unit objected to its item with a reason."""
        from notifications.models import Notification
        from planning import notices as plan_notices
        from planning import services as planning
        from planning.models import AssignmentPlan, PlanUnit

        ref, staff = REFERENCE_DATE, self.staff_users[0]
        registered = list(
            Suggestion.objects.filter(term=self.term, status=S.REGISTERED).order_by("number")[:3]
        )
        if len(registered) < 2:
            return
        demo_unit = self.demo_unit
        other = next(u for u in sorted(self.all_units, key=lambda u: u.code) if u is not demo_unit)
        published = ref - timedelta(2)
        with _on_day(published):
            plan = planning.plan_create(
                actor=staff,
                title=f"{self.profile.label}人大建议预交办(第一批)"
                if self.profile.code
                else "第十三届人大建议预交办(第一批)",
                suggestions=registered,
            )
            items = {i.suggestion_id: i for i in plan.items.all()}
            # 1: the demo unit 主办; 2: another unit 主办, the demo unit 协办; 3 (when the
            # scale has one): the demo unit again.
            proposals = [
                [(demo_unit.obj, R.LEAD)],
                [(other.obj, R.LEAD), (demo_unit.obj, R.CO)],
                [(demo_unit.obj, R.LEAD)],
            ]
            for s, units in zip(registered, proposals, strict=False):
                planning.plan_set_units(actor=staff, item=items[s.pk], units=units)
            planning.plan_publish(actor=staff, plan=plan)
        answered = ref - timedelta(1)
        with _on_day(answered):
            rows = PlanUnit.objects.filter(item__plan=plan)
            first, second = (rows.get(item=items[s.pk], role=R.LEAD) for s in registered[:2])
            planning.plan_answer(actor=demo_unit.user, plan_unit=first, decision="accept")
            planning.plan_answer(
                actor=other.user,
                plan_unit=second,
                decision="object",
                reason="该建议涉及的事项不属于本单位职责,建议改由属地区政府主办。",
            )
        AssignmentPlan.objects.filter(pk=plan.pk).update(created_at=self._at(published))
        for n, row in enumerate((first, second)):
            PlanUnit.objects.filter(pk=row.pk).update(answered_at=self._at(answered, n))
        Notification.objects.filter(kind=plan_notices.KIND_PROPOSED).update(
            created_at=self._at(published)
        )

    def _evaluation(self):
        """满意度测评: last year's round closed with its results (paper 测评表 entered by staff,
        some signed, some not) and this year's round open, the demo deputy invited and yet
        to vote on the phone."""
        from evaluation import services as evaluation
        from evaluation.models import EvaluationRound

        rng, ref, staff = self.rng, REFERENCE_DATE, self.staff_users[0]
        units = [self.demo_unit.obj] + [
            u.obj for u in sorted(self.all_units, key=lambda u: u.code) if u is not self.demo_unit
        ][:4]
        others = [d for d in self.deputies if d.pk != self.demo_deputy.pk][:11]
        invited = [self.demo_deputy, *others]
        method = EvaluationRound.Method.SATISFACTION
        weights = (70, 25, 5)

        def sheet():
            return {u.pk: rng.choices(VERDICTS, weights=weights)[0] for u in units}

        opened = ref - timedelta(340)
        with _on_day(opened):
            last = evaluation.round_create(
                actor=staff,
                year=ref.year - 1,
                title=f"{ref.year - 1}年度承办单位办理代表建议满意度测评",
                method=method,
                units=units,
                invited=invited,
                meeting=f"{self.profile.label}人大常委会第二十次会议",
            )
            evaluation.round_open(actor=staff, evaluation_round=last)
            for i, deputy in enumerate(invited):
                evaluation.paper_ballot_enter(
                    actor=staff,
                    evaluation_round=last,
                    verdicts=sheet(),
                    deputy=deputy if i % 3 else None,  # every third sheet unsigned
                )
        with _on_day(opened + timedelta(2)):
            evaluation.round_close(actor=staff, evaluation_round=last)

        with _on_day(ref - timedelta(3)):
            current = evaluation.round_create(
                actor=staff,
                year=ref.year,
                title=f"{ref.year}年度承办单位办理代表建议满意度测评",
                method=method,
                units=units,
                invited=invited,
                meeting=f"{self.profile.label}人大常委会第二十六次会议",
            )
            evaluation.round_open(actor=staff, evaluation_round=current)
            for deputy in others[:4]:  # a few sheets in; the demo deputy has not voted yet
                evaluation.paper_ballot_enter(
                    actor=staff, evaluation_round=current, verdicts=sheet(), deputy=deputy
                )

    def _commitments(self):
        """承诺事项 of the demo unit's B/C replies in force: two kept by their day with a
        PDF as evidence, one overdue (with a progress note), one not yet due — so the
        unit's 承诺兑现率 is 2 of 3."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from commitments import services as ledger
        from commitments.models import Commitment, CommitmentNote, Evidence

        ref, clerk = REFERENCE_DATE, self.demo_unit.user
        replies = Reply.objects.filter(
            assignment__unit=self.demo_unit.obj,
            assignment__suggestion__term=self.term,
            result__in=[Reply.Result.B, Reply.Result.C],
            superseded=False,
        )
        # The first two and the last: not every reply of the unit in memory.
        earliest = list(replies.order_by("replied_on", "pk")[:2])
        if not earliest or (ref - earliest[0].replied_on).days < 10:
            return
        first, second = earliest[0], earliest[-1]
        last = replies.order_by("-replied_on", "-pk").first()
        pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

        def part(reply, tenths):  # a day between the reply and the demo's today
            return timedelta(days=(ref - reply.replied_on).days * tenths // 10)

        # (reply, what, promised day and day done as days after the reply; None: not done)
        plan = [
            (first, "完成问题点位整改并组织验收", part(first, 6), part(first, 5)),
            (first, "建立长效管护机制并公开监督电话", part(first, 7), part(first, 7)),
            (second, "完成项目立项和资金申请", part(second, 8), None),
        ]
        n = 0
        for reply, what, due_in, done_in in plan:
            day = reply.replied_on
            entered = min(day + timedelta(1), ref)
            with _on_day(entered):
                c = ledger.commitment_add(
                    actor=clerk,
                    reply=reply,
                    what=what,
                    due_on=day + due_in,
                    responsible="张科长",
                )
            Commitment.objects.filter(pk=c.pk).update(created_at=self._at(entered, n := n + 1))
            if done_in is None:
                noted = day + part(reply, 4)
                with _on_day(noted):
                    note = ledger.commitment_note(
                        actor=clerk, commitment=c, text="已完成前期调研,立项材料正在报审。"
                    )
                CommitmentNote.objects.filter(pk=note.pk).update(created_at=self._at(noted, n))
                continue
            done = day + done_in
            with _on_day(done + timedelta(1)):
                ledger.commitment_complete(
                    actor=clerk,
                    commitment=c,
                    note="已按承诺完成,详见佐证材料。",
                    completed_on=done,
                    evidence=[SimpleUploadedFile("完成情况.pdf", pdf, "application/pdf")],
                )
            Evidence.objects.filter(commitment=c).update(
                created_at=self._at(done + timedelta(1), n)
            )
        entered = min(last.replied_on + timedelta(1), ref)
        with _on_day(entered):
            c = ledger.commitment_add(
                actor=clerk,
                reply=last,
                what="年内完成方案编制并向代表通报",
                due_on=ref + timedelta(30),
                responsible="李主任",
            )
        Commitment.objects.filter(pk=c.pk).update(created_at=self._at(entered, n + 1))

    # ----- summary -----

    def summary(self) -> dict:
        term = self.term
        sugs = Suggestion.objects.filter(term=term)
        asgs = Assignment.objects.filter(suggestion__term=term)
        by_status = dict(sugs.values_list("status").annotate(n=Count("id")))
        by_state = dict(asgs.values_list("state").annotate(n=Count("id")))
        by_result = dict(
            Reply.objects.filter(assignment__suggestion__term=term, superseded=False)
            .values_list("result")
            .annotate(n=Count("id"))
        )
        by_verdict = dict(
            Feedback.objects.filter(deputy__term=term)
            .values_list("result_verdict")
            .annotate(n=Count("id"))
        )
        overdue = asgs.filter(Assignment.overdue_q(REFERENCE_DATE)).count()
        requests = {
            name: dict(
                model.objects.filter(assignment__suggestion__term=term)
                .values_list("state")
                .annotate(n=Count("id"))
            )
            for name, model in (
                ("reassignment", ReassignmentRequest),
                ("extension", ExtensionRequest),
            )
        }
        return {
            "suggestions": sugs.count(),
            "by_status": {s: by_status.get(s, 0) for s in S.values},
            "assignments": sum(by_state.values()),
            "by_state": {s: by_state.get(s, 0) for s in A.values},
            "overdue": overdue,
            "key": sugs.filter(is_key=True).count(),
            "replies": Reply.objects.filter(assignment__suggestion__term=term).count(),
            "by_result": {r: by_result.get(r, 0) for r in Reply.Result.values},
            "feedback": sum(by_verdict.values()),
            "by_verdict": {v: by_verdict.get(v, 0) for v in Verdict.values},
            "contacts": Contact.objects.filter(assignment__suggestion__term=term).count(),
            "requests": requests,
            "deadline_changes": dict(
                DeadlineChange.objects.filter(assignment__suggestion__term=term)
                .values_list("kind")
                .annotate(n=Count("id"))
            ),
            "events": AuditEvent.objects.filter(suggestion__term=term).count(),
            "deputies": Deputy.objects.filter(term=term).count(),
            "units": Unit.objects.count(),
            "users": self.user_count,
            "admin_kept": self.admin_kept,
            "calendar_fallback_deadlines": self.fallback_deadlines,
            "reference": REFERENCE_DATE,
        }


class DemoConflict(Exception):
    """The database holds rows the demo would clash with."""


def use_reference(reference: date) -> None:
    """Move the demo timeline so that its "today" is `reference`: every fixed day (the term,
    the meetings, the first suggestion, the accounts) by the same number of days. The seeder
    and `checks` read these module values; a management command sets them once per run."""
    global REFERENCE_DATE, START_DATE, TERM_START, JOINED_ON, MEETINGS
    shift = reference - BASE_REFERENCE_DATE
    start, term_start, joined, meetings = _BASE_DAYS
    REFERENCE_DATE = reference
    START_DATE, TERM_START, JOINED_ON = start + shift, term_start + shift, joined + shift
    MEETINGS = [(n, name, first + shift, last + shift) for n, name, first, last in meetings]


def seed(*, scale: int = 300, seed: int = 2026, reference: date | None = None) -> dict:
    """Seed the demo with its "today" on `reference` (the real today when not given)."""
    use_reference(reference or timezone.localdate())
    return DemoSeeder(scale=scale, seed=seed).run()


@contextmanager
def _on_day(day: date):
    """The services' clock (`dates.today()`) on a demo day, for one step."""
    from django.test.utils import override_settings

    with override_settings(PORTAL_TODAY=day):
        yield


# --- small pure helpers ----------------------------------------------------------------------


def _cumulative(weights):
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _index(rng, cum) -> int:
    return bisect_right(cum, rng.random() * cum[-1])


def _pick(rng, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _work_verdict(rng, result_verdict: str) -> str:
    weights = {
        "satisfied": (90, 10, 0),
        "basically": (40, 55, 5),
        "dissatisfied": (20, 50, 30),
    }[str(result_verdict)]
    return rng.choices(VERDICTS, weights=weights)[0]
