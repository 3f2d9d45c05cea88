"""Reads of supervision: the topic list, the key board's topic progress, the topic page and
its report, each in a fixed number of queries whatever the data size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q

from suggestions import access
from suggestions.models import Assignment, Suggestion

from . import access as supervision_access
from .models import Acknowledgement, KeyTopic, Milestone, SupervisionAction

S = Suggestion.Status
# A topic's suggestion counts as replied once every lead has answered (已答复 or 已办结).
REPLIED_STATUSES = (S.REPLIED, S.CLOSED)


@dataclass
class Progress:
    """What the key board and the topic page show of a topic's progress."""

    milestones_planned: int = 0
    milestones_done: int = 0
    suggestions: int = 0
    replied: int = 0
    closed: int = 0
    late: list = field(default_factory=list)  # the late milestones

    @property
    def milestones_late(self) -> int:
        return len(self.late)

    @property
    def is_late(self) -> bool:
        return bool(self.late)


def _progress(topic_ids: list[int], today: date) -> dict[int, Progress]:
    """Progress of many topics in two queries: their milestones (a topic has a handful),
    counted here by `Milestone.is_late`, and their suggestions' states, counted in SQL."""
    progress = {pk: Progress() for pk in topic_ids}
    milestones = Milestone.objects.filter(topic_id__in=topic_ids).only(
        "id", "topic_id", "kind", "planned_on", "done_on"
    )
    for m in milestones:  # by planned day: the late ones listed in that order
        p = progress[m.topic_id]
        p.milestones_planned += 1
        p.milestones_done += m.done_on is not None
        if m.is_late(today):
            p.late.append(m)
    through = KeyTopic.suggestions.through.objects.filter(keytopic_id__in=topic_ids)
    for row in through.values("keytopic_id").annotate(
        total=Count("id"),
        replied=Count("id", filter=Q(suggestion__status__in=REPLIED_STATUSES)),
        closed=Count("id", filter=Q(suggestion__status=S.CLOSED)),
    ):
        p = progress[row["keytopic_id"]]
        p.suggestions, p.replied, p.closed = row["total"], row["replied"], row["closed"]
    return progress


def topic_list(*, user, today: date, term=None, year=None) -> list[tuple[KeyTopic, Progress]]:
    qs = supervision_access.topics_visible_to(user).select_related("committee", "term")
    if term is not None:
        qs = qs.filter(term=term)
    if year is not None:
        qs = qs.filter(year=year)
    topics = list(qs.prefetch_related("leaders").order_by("-year", "state", "id"))
    progress = _progress([t.pk for t in topics], today)
    return [(t, progress[t.pk]) for t in topics]


# --- the key board's topic section (dashboards/views.key_board) ------------------------------


def key_board_topics(*, today: date, term=None) -> list[tuple[KeyTopic, Progress]]:
    """Every topic of the term (staff and leaders see all), open ones first."""
    qs = KeyTopic.objects.select_related("committee").prefetch_related("leaders")
    if term is not None:
        qs = qs.filter(term=term)
    topics = list(qs.order_by("state", "-year", "id"))
    progress = _progress([t.pk for t in topics], today)
    return [(t, progress[t.pk]) for t in topics]


# --- the topic page --------------------------------------------------------------------------


@dataclass
class TopicUnits:
    lead: list
    co: list
    chosen: bool  # staff chose them; else derived from the assignments


@dataclass
class TopicPage:
    topic: KeyTopic
    progress: Progress
    milestones: list
    suggestions: list  # with `current_assignments`
    hidden_suggestions: int  # of the topic, not visible to this user
    actions: list
    units: TopicUnits


def topic_units(topic: KeyTopic, suggestions: list) -> TopicUnits:
    """牵头 and 协同 units: the ones staff chose, else those of the suggestions' current
    assignments (主办/分办 lead, 协办 co)."""
    chosen_co = list(topic.co_units.all())
    if topic.lead_unit_id or chosen_co:
        return TopicUnits(
            lead=[topic.lead_unit] if topic.lead_unit_id else [], co=chosen_co, chosen=True
        )
    lead, co = {}, {}
    for s in suggestions:
        for a in s.current_assignments:
            (co if a.role == Assignment.Role.CO else lead)[a.unit_id] = a.unit
    return TopicUnits(
        lead=list(lead.values()),
        co=[u for pk, u in co.items() if pk not in lead],
        chosen=False,
    )


def _topic_suggestions(queryset):
    return queryset.select_related("lead_deputy", "category", "supervisor").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.exclude(state=Assignment.State.ENDED)
            .select_related("unit")
            .order_by("role", "id"),
            to_attr="current_assignments",
        )
    )


def _visible_assignments_q(user) -> Q:
    if access.can_see_all(user):
        return Q()
    return Q(assignment__in=access.assignments_visible_to(user).values("pk"))


def topic_page(*, user, pk, today: date) -> TopicPage:
    topic = supervision_access.topic_for_user(
        user,
        pk,
        KeyTopic.objects.select_related("committee", "term", "lead_unit", "created_by"),
    )
    members = topic.suggestions.all()
    visible = access.suggestions_visible_to(user, members)
    suggestions = list(_topic_suggestions(visible).order_by("number", "id"))
    hidden = 0 if access.can_see_all(user) else members.count() - len(suggestions)
    milestones = list(topic.milestones.prefetch_related("attachments").order_by("planned_on", "id"))
    actions = list(
        supervision_access.actions_visible_to(
            user,
            SupervisionAction.objects.filter(
                Q(topic=topic) | Q(suggestion__in=members.values("pk"))
            ),
        )
        .select_related("actor", "suggestion")
        .prefetch_related(
            # Each unit sees its own acknowledgements only, as it sees only its assignments.
            Prefetch(
                "acknowledgements",
                queryset=Acknowledgement.objects.filter(_visible_assignments_q(user))
                .select_related("assignment__unit", "assignment__suggestion")
                .order_by("assignment__suggestion__number", "id"),
            )
        )
        .order_by("-happened_on", "-id")
    )
    return TopicPage(
        topic=topic,
        progress=_progress([topic.pk], today)[topic.pk],
        milestones=milestones,
        suggestions=suggestions,
        hidden_suggestions=hidden,
        actions=actions,
        units=topic_units(topic, suggestions),
    )


def topic_leaders(topic: KeyTopic) -> list:
    return list(topic.leaders.order_by("name", "id"))


# --- a suggestion's and an assignment's supervision ------------------------------------------


def assignment_instructions(*, assignment) -> list[Acknowledgement]:
    """The 督办意见 addressed to this assignment, newest first (the assignment page)."""
    return list(
        Acknowledgement.objects.filter(assignment=assignment)
        .select_related("action__actor", "action__topic", "acknowledged_by")
        .order_by("-action__happened_on", "-id")
    )


def suggestion_topics(*, user, suggestion) -> list[KeyTopic]:
    """The topics holding the suggestion that the user may see (one query)."""
    return list(
        supervision_access.topics_visible_to(user, suggestion.key_topics.all()).order_by(
            "-year", "id"
        )
    )


def topic_export_rows(topic: KeyTopic) -> list[Suggestion]:
    """The topic's suggestions with their current units, for the Excel export."""
    return list(_topic_suggestions(topic.suggestions.all()).order_by("number", "id"))


def action_counts_by_kind(actions: list) -> dict[str, int]:
    counts = defaultdict(int)
    for a in actions:
        counts[a.kind] += 1
    return dict(counts)
