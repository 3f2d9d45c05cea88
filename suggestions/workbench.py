"""The home page's work queues: what each role has to do today, counted, each count a link to
the list that shows exactly those items.

A queue's count is taken from the very list it links to — `selectors.suggestion_list` with
the filters in the link, the unit inbox's tab conditions, the pending requests page — so the
two can never disagree. Every meaning (逾期, 即将到期, 待反馈, 闭会期间超期未交办) is the one
defined on the models; nothing is restated here. A fixed number of queries per role.
"""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from planning import selectors as plan_selectors

from . import access, dates, selectors
from .models import Assignment, Suggestion


@dataclass
class Queue:
    label: str
    count: int
    url: str
    # Shown as an alarm when there is anything in it (late work).
    alarm: bool = False
    note: str = ""

    @property
    def alarming(self) -> bool:
        return self.alarm and self.count > 0


@dataclass
class Section:
    title: str
    queues: list[Queue]
    # Extra rows (overdue by unit): each one a queue of its own.
    rows: list[Queue] = field(default_factory=list)
    rows_title: str = ""


def _list_url(params: dict) -> str:
    return f"{reverse('suggestions:list')}?{urlencode(params)}"


def _filters(params: dict) -> dict:
    """The list form's cleaned data for these URL parameters (ticked boxes are "on")."""
    return {key: True if value == "on" else value for key, value in params.items()}


def _list_queue(user, today: date, label: str, params: dict, **kwargs) -> Queue:
    count = selectors.suggestion_list(user=user, filters=_filters(params), today=today).count()
    return Queue(label=label, count=count, url=_list_url(params), **kwargs)


def staff_sections(user, today: date) -> list[Section]:
    working_days = settings.PORTAL["STAFF_ASSIGN_WORKING_DAYS"]
    status = Suggestion.Status
    before = [
        _list_queue(user, today, "待立案", {"status": status.SUBMITTED}),
        _list_queue(user, today, "已立案待交办", {"status": status.REGISTERED}),
        _list_queue(
            user,
            today,
            "闭会期间超期未交办",
            {"assign_late": "on"},
            alarm=True,
            note=f"闭会期间收到的建议应在{working_days}个工作日内交办",
        ),
    ]
    # The requests page's own lists (few rows: requests wait days, not years).
    requests = sum(len(rows) for rows in selectors.pending_requests())
    handling = [
        Queue("待审核的调整、延期申请", requests, reverse("suggestions:requests")),
        _list_queue(user, today, "已逾期", {"overdue": "on"}, alarm=True),
        _list_queue(user, today, "待代表反馈", {"awaiting_feedback": "on"}),
        *review_queues(user, today),
    ]
    before.append(
        Queue(
            "预交办方案征求意见中",
            plan_selectors.plans_published_count(),
            f"{reverse('plans:list')}?state=published",
        )
    )
    return [
        Section("交办前", before),
        Section(
            "办理中",
            handling,
            rows=overdue_by_unit(user, today),
            rows_title="各承办单位逾期",
        ),
    ]


def review_queues(user, today: date) -> list[Queue]:
    """Signed replies awaiting this reviewer (DESIGN.md §8) and, for staff, public replies
    not yet published (their pages' own lists)."""
    queues = [
        Queue(
            "待审核的答复",
            selectors.drafts_awaiting_review(user=user).count(),
            reverse("replies:review"),
        )
    ]
    if user.is_committee_staff:
        queues.append(
            Queue(
                "待公开的答复",
                selectors.publications_due(today=today).count(),
                reverse("replies:publications"),
                note="公开的答复最迟在发布后20个工作日内公开",
            )
        )
    return queues


def overdue_by_unit(user, today: date) -> list[Queue]:
    """Each unit with overdue work: the suggestions it is late on, most first. One query; a
    unit has at most one running assignment per suggestion, so this counts the rows of the
    list `?unit=<id>&overdue=on`."""
    rows = (
        access.assignments_visible_to(user, Assignment.objects.filter(Assignment.overdue_q(today)))
        .values("unit_id", "unit__name")
        .annotate(n=Count("suggestion_id", distinct=True))
        .order_by("-n", "unit__name")
    )
    return [
        Queue(
            row["unit__name"],
            row["n"],
            _list_url({"unit": row["unit_id"], "overdue": "on"}),
            alarm=True,
        )
        for row in rows
    ]


UNIT_TABS = ("pending", "due_soon", "overdue", "opinion_due", "opinion_overdue", "requests")


def unit_section(user, today: date) -> Section:
    counts = selectors.unit_inbox_counts(unit_id=user.unit_id, today=today)
    inbox = reverse("inbox:inbox")
    return Section(
        f"{user.unit.name}的待办",
        [
            Queue(
                selectors.INBOX_TABS[tab],
                counts[tab],
                f"{inbox}?tab={tab}",
                alarm=tab in selectors.INBOX_ALARM_TABS,
            )
            for tab in UNIT_TABS
        ]
        + [
            # The unit's 预交办 page: proposals still to accept or object to in their window.
            Queue(
                "预交办待确认",
                # The window is the plans' rule: read on the workflow's clock, as its page does.
                plan_selectors.unit_unanswered_count(unit_id=user.unit_id, today=dates.today()),
                reverse("inbox:plans"),
                alarm=True,
            )
        ],
    )


def leader_section(user, today: date) -> Section:
    mine = {"supervisor": user.pk}
    return Section(
        "我督办的建议",
        [
            _list_queue(user, today, "我督办的建议", mine),
            _list_queue(user, today, "其中已逾期", {**mine, "overdue": "on"}, alarm=True),
            _list_queue(user, today, "其中即将到期", {**mine, "due_soon": "on"}),
            _list_queue(user, today, "其中待代表反馈", {**mine, "awaiting_feedback": "on"}),
            _list_queue(
                user, today, "全部重点建议中逾期", {"key": "on", "overdue": "on"}, alarm=True
            ),
        ],
    )


def deputy_section(user) -> Section:
    led = Suggestion.objects.filter(access.seat_q(user, "lead_deputy__")).count()
    return Section("我的建议", [Queue("我领衔的建议", led, reverse("my:list"))])


def workbench(user, today: date | None = None) -> list[Section]:
    """The sections of the home page for every role the user holds."""
    today = today or timezone.localdate()
    sections = []
    if user.is_committee_staff:
        sections += staff_sections(user, today)
    if user.is_leader:
        sections.append(leader_section(user, today))
    if user.is_inspector and not user.is_committee_staff:
        sections.append(Section("督查室", review_queues(user, today)))
    if user.is_unit_user and user.unit_id:
        sections.append(unit_section(user, today))
    if user.is_deputy:
        sections.append(deputy_section(user))
    return sections
