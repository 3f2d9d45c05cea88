"""The API's reads. Visibility always starts from suggestions.access; the suggestion list is
the pages' own selector, so pages and API filter the same way. Each list is a constant
number of queries whatever its length."""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from deputies.models import Deputy
from suggestions import access, selectors
from suggestions.models import (
    Assignment,
    Category,
    Contact,
    CoSignature,
    DeadlineChange,
    ExtensionRequest,
    Feedback,
    ReassignmentRequest,
    Reply,
)
from units.models import Unit

A = Assignment.State


def _ordered(qs: QuerySet, ordering: str | None, default: tuple) -> QuerySet:
    # `ordering` was checked against a fixed list by the filter serializer; id breaks ties.
    if not ordering:
        return qs.order_by(*default)
    return qs.order_by(ordering, "-id" if ordering.startswith("-") else "id")


def suggestions(*, user, filters: dict) -> QuerySet:
    page_filters = {k: v for k, v in filters.items() if k != "ordering"}
    page_filters["sort"] = filters.get("ordering")
    return selectors.suggestion_list(user=user, filters=page_filters).prefetch_related(
        # Every co-signature with its state: the serializer's `co_signers` (附议代表) are
        # the confirmed ones, `co_signatures` lists each with its state.
        Prefetch(
            "co_signatures",
            queryset=CoSignature.objects.select_related("deputy").order_by(
                "deputy__name", "deputy_id"
            ),
        ),
    )


def suggestion(*, user, pk):
    """One suggestion in the list's shape; 404 if the user may not see it."""
    return access.suggestion_for_user(user, pk, suggestions(user=user, filters={}))


def _visible_assignment_ids(user) -> QuerySet:
    return access.assignments_visible_to(user).values("pk")


def assignments(*, user, filters: dict) -> QuerySet:
    qs = (
        access.assignments_visible_to(user)
        .select_related("suggestion", "unit")
        .annotate(
            has_pending_reassignment=selectors.has_pending_request(ReassignmentRequest),
            has_pending_extension=selectors.has_pending_request(ExtensionRequest),
        )
    )
    for name in ("unit", "state", "role"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("suggestion"):
        qs = qs.filter(suggestion_id=filters["suggestion"])
    # The deadline filters are the model's meanings, as on the unit inbox's tabs.
    today = timezone.localdate()
    for name, condition in (
        ("overdue", Assignment.overdue_q),
        ("opinion_overdue", Assignment.opinion_overdue_q),
        ("due_soon", Assignment.due_soon_q),
    ):
        if filters.get(name):
            qs = qs.filter(condition(today))
    return _ordered(qs, filters.get("ordering"), ("deadline", "id"))


def assignment(*, user, pk):
    qs = assignments(user=user, filters={}).prefetch_related(
        Prefetch("deadline_changes", queryset=DeadlineChange.objects.order_by("effective_on", "id"))
    )
    return access.assignment_for_user(user, pk, qs)


def _by_suggestion_and_assignment(qs: QuerySet, filters: dict, path: str) -> QuerySet:
    if filters.get("assignment"):
        qs = qs.filter(**{f"{path}_id": filters["assignment"]})
    if filters.get("suggestion"):
        qs = qs.filter(**{f"{path}__suggestion_id": filters["suggestion"]})
    return qs


def contacts(*, user, filters: dict) -> QuerySet:
    qs = Contact.objects.filter(assignment__in=_visible_assignment_ids(user)).select_related(
        "assignment"
    )
    qs = _by_suggestion_and_assignment(qs, filters, "assignment")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    return _ordered(qs, filters.get("ordering"), ("contacted_on", "id"))


def replies(*, user, filters: dict) -> QuerySet:
    # The suggestion is joined for `awaiting_feedback` (Reply.get_feedback_status).
    qs = (
        access.replies_visible_to(user)
        .select_related("assignment__unit", "assignment__suggestion", "feedback")
        .prefetch_related(selectors.delivered_to())
    )
    qs = _by_suggestion_and_assignment(qs, filters, "assignment")
    if filters.get("result"):
        qs = qs.filter(result=filters["result"])
    if filters.get("is_public") is not None:
        qs = qs.filter(is_public=filters["is_public"])
    if filters.get("awaiting_feedback") is not None:
        awaiting = Reply.awaiting_feedback_q()
        qs = qs.filter(awaiting if filters["awaiting_feedback"] else ~awaiting)
    return _ordered(qs, filters.get("ordering"), ("replied_on", "id"))


def reply(*, user, pk) -> Reply:
    return get_or_404(replies(user=user, filters={}), pk)


def feedback(*, user, filters: dict) -> QuerySet:
    qs = Feedback.objects.filter(access.reply_visibility_q(user, "reply__")).select_related(
        "reply__assignment", "deputy", "entered_by"
    )
    if filters.get("suggestion"):
        qs = qs.filter(reply__assignment__suggestion_id=filters["suggestion"])
    if filters.get("result_verdict"):
        qs = qs.filter(result_verdict=filters["result_verdict"])
    return _ordered(qs, filters.get("ordering"), ("given_on", "id"))


def unit_requests(*, user, model, filters: dict) -> QuerySet:
    related = ["assignment__unit", "assignment__suggestion", "requested_by", "decided_by"]
    if model is ReassignmentRequest:
        related.append("suggested_unit")
    qs = model.objects.filter(assignment__in=_visible_assignment_ids(user)).select_related(*related)
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    return _ordered(qs, filters.get("ordering"), ("-requested_on", "-id"))


def unit_request(*, user, model, pk):
    return get_or_404(unit_requests(user=user, model=model, filters={}), pk)


def deputies(*, user, filters: dict) -> QuerySet:
    """Deputies, each flagged `contact_visible` (access.deputy_contact_q) for the serializer."""
    qs = access.deputies_with_contact_flag(
        user, Deputy.objects.select_related("term", "delegation")
    )
    if filters.get("q"):
        qs = qs.filter(name__contains=filters["q"].strip())
    for name in ("term", "delegation"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    return _ordered(qs, filters.get("ordering"), ("name", "id"))


def units(*, filters: dict) -> QuerySet:
    qs = Unit.objects.all()
    if filters.get("q"):
        text = filters["q"].strip()
        qs = qs.filter(Q(name__contains=text) | Q(short_name__contains=text))
    if filters.get("system"):
        qs = qs.filter(system=filters["system"])
    return _ordered(qs, filters.get("ordering"), ("system", "name", "id"))


def categories(*, filters: dict) -> QuerySet:
    return _ordered(Category.objects.all(), filters.get("ordering"), ("order", "name", "id"))


def get_or_404(qs: QuerySet, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
