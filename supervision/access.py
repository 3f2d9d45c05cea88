"""Who may see and do what in supervision: built on the gateway `suggestions.access`.

A topic is seen by staff and leaders, and by the units and deputies who may see one of its
suggestions (a unit whose assignment it includes, a deputy who leads or co-signed one);
anyone else gets 404. Staff keep topics; leaders and committee staff supervise (督办意见,
催办, 视察/座谈); a unit acknowledges instructions to its own assignments. A refusal to
someone who may see the object is `workflow.NotPermitted` with a Chinese message (403).
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from suggestions import access
from suggestions.workflow import NotPermitted

from .models import Acknowledgement, KeyTopic, MilestoneAttachment, SupervisionAction

STAFF_ONLY = "只有工作人员可以维护重点督办专题"
SUPERVISORS_ONLY = "只有领导和人大工作人员可以督办、催办或记录视察座谈"
OVERVIEW_ONLY = "只有工作人员和领导可以查看专题报告和导出"
UNIT_ONLY = "只有被督办的承办单位可以签收督办意见"


def can_supervise(user) -> bool:
    """Leaders and committee staff act on any suggestion or topic (DESIGN.md §9)."""
    return user.is_authenticated and (user.is_leader or user.is_committee_staff)


def can_keep_topics(user) -> bool:
    return user.is_authenticated and user.is_committee_staff


def require_supervisor(user) -> None:
    if not can_supervise(user):
        raise NotPermitted(SUPERVISORS_ONLY, "not_supervisor")


def require_topic_staff(user) -> None:
    if not can_keep_topics(user):
        raise NotPermitted(STAFF_ONLY, "staff_only")


def require_overview(user) -> None:
    if not access.can_see_all(user):
        raise NotPermitted(OVERVIEW_ONLY, "overview_only")


def topics_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    qs = KeyTopic.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    qs = qs.filter(congress_id=user.congress_id)
    if access.can_see_all(user):
        return qs
    through = KeyTopic.suggestions.through.objects.filter(
        keytopic=OuterRef("pk"),
        suggestion__in=access.suggestions_visible_to(user).values("pk"),
    )
    return qs.filter(Exists(through))


def topic_for_user(user, pk, queryset: QuerySet | None = None) -> KeyTopic:
    try:
        return topics_visible_to(user, queryset).get(pk=pk)
    except (KeyTopic.DoesNotExist, ValueError, TypeError):
        raise Http404("no such topic for this user") from None


def actions_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Staff and leaders every action; others those concerning a suggestion they may see."""
    qs = SupervisionAction.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    if access.can_see_all(user):
        return qs
    through = SupervisionAction.suggestions.through.objects.filter(
        supervisionaction=OuterRef("pk"),
        suggestion__in=access.suggestions_visible_to(user).values("pk"),
    )
    return qs.filter(Exists(through))


def action_for_user(user, pk, queryset: QuerySet | None = None) -> SupervisionAction:
    try:
        return actions_visible_to(user, queryset).get(pk=pk)
    except (SupervisionAction.DoesNotExist, ValueError, TypeError):
        raise Http404("no such action for this user") from None


def acknowledgement_for_user(user, pk) -> Acknowledgement:
    """An instruction's acknowledgement: seen by whoever may see its assignment (404 else)."""
    try:
        return Acknowledgement.objects.select_related("assignment__unit", "action").get(
            pk=pk, assignment__in=access.assignments_visible_to(user).values("pk")
        )
    except (Acknowledgement.DoesNotExist, ValueError, TypeError):
        raise Http404("no such acknowledgement for this user") from None


def require_unit_of_acknowledgement(user, ack: Acknowledgement) -> None:
    if not (user.is_authenticated and user.is_unit_user and user.unit_id == ack.assignment.unit_id):
        raise NotPermitted(UNIT_ONLY, "not_this_unit")


def milestone_file_for_user(user, pk) -> MilestoneAttachment:
    try:
        return MilestoneAttachment.objects.select_related("milestone").get(
            pk=pk, milestone__topic__in=topics_visible_to(user).values("pk")
        )
    except (MilestoneAttachment.DoesNotExist, ValueError, TypeError):
        raise Http404("no such file for this user") from None
