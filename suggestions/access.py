"""Who may see and change what: the one gateway every page, export, import and API calls.

404 for an object the user may not see (its existence is not revealed), 403 for a page or
action the user may see but not use. The workflow re-checks rights on every write; this
module decides visibility and page access.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import Http404

from .models import (
    Assignment,
    Attachment,
    CoSignature,
    Reply,
    ReplyDelivery,
    ReplyDraft,
    Suggestion,
)

# The 督查室 (inspector) role sees the government system's assignments, read-only.
INSPECTED_SYSTEM = "government"


def can_see_all(user) -> bool:
    """Committee staff and leaders see every suggestion."""
    return user.is_authenticated and (user.is_committee_staff or user.is_leader)


def seat_q(user, prefix: str = "deputy__") -> Q:
    """The user's own deputy seats in the congress they act in (DESIGN.md §11): a person with
    seats at the county and the city sees each congress's suggestions, replies, ballots and
    co-signatures only while acting in it. `prefix` names the seat from the queried model."""
    return Q(**{f"{prefix}user": user, f"{prefix}term__congress_id": user.congress_id})


def suggestions_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Suggestions the user may see: staff and leaders every one but deputies' drafts (a draft
    is its deputies' own until submitted); a unit's users those ever assigned to their unit;
    deputies those they lead or are named on as co-signers (confirmed, or still to confirm;
    not after declining), drafts included."""
    qs = Suggestion.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    # Only the congress the user acts in (DESIGN.md §11), whatever their roles elsewhere.
    qs = qs.filter(congress_id=user.congress_id)
    visible = Q(pk__in=[])
    if can_see_all(user):
        visible |= ~Q(status=Suggestion.Status.DRAFT)
    if user.is_unit_user and user.unit_id:
        visible |= Q(
            Exists(Assignment.objects.filter(suggestion=OuterRef("pk"), unit_id=user.unit_id))
        )
    if user.is_deputy:
        visible |= seat_q(user, "lead_deputy__") | (
            seat_q(user, "co_signatures__deputy__") & Q(co_signatures__state__in=CoSignature.NAMED)
        )
    if getattr(user, "is_inspector", False):
        visible |= Q(
            Exists(
                Assignment.objects.filter(suggestion=OuterRef("pk"), unit__system=INSPECTED_SYSTEM)
            )
        )
    return qs.filter(visible).distinct() if user.is_deputy else qs.filter(visible)


def suggestion_for_user(user, pk, queryset: QuerySet | None = None) -> Suggestion:
    """The suggestion with this id if the user may see it, else 404."""
    try:
        return suggestions_visible_to(user, queryset).get(pk=pk)
    except (Suggestion.DoesNotExist, ValueError, TypeError):
        raise Http404("no such suggestion for this user") from None


def assignments_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Assignments the user may see: all for staff and leaders; a unit's users their own
    unit's; deputies those of suggestions they lead or co-signed.

    This is also what a user is shown of a suggestion's assignments, on the suggestion page
    and in the list and API shapes of a suggestion (suggestions.selectors): a co-handling
    unit (协办) sees its own assignment, never the lead's state or deadline."""
    qs = Assignment.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    # The assignment's own congress, its suggestion's (copied when made; on PostgreSQL the
    # row-level security policy holds every row to the congress acted in): no join to the
    # suggestion in each EXISTS a list, count or workbench queue makes of it.
    qs = qs.filter(congress_id=user.congress_id)
    if can_see_all(user):
        return qs
    visible = Q(pk__in=[])
    if user.is_unit_user and user.unit_id:
        visible |= Q(unit_id=user.unit_id)
    if user.is_deputy:
        visible |= Q(suggestion__in=suggestions_visible_to(user).values("pk"))
    if getattr(user, "is_inspector", False):
        visible |= Q(unit__system=INSPECTED_SYSTEM)
    return qs.filter(visible)


def assignment_for_user(user, pk, queryset: QuerySet | None = None) -> Assignment:
    """The assignment with this id if the user may see it, else 404."""
    try:
        return assignments_visible_to(user, queryset).get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("no such assignment for this user") from None


def reply_visibility_q(user, prefix: str = "") -> Q:
    """Who sees a reply (with its feedback and attachments): whoever may see its assignment.
    Pages, downloads, printouts and the API all ask this; the public page shows only
    `Reply.published_q()` replies, redacted, to everyone. `prefix` for a related lookup
    (e.g. "reply__" on attachments and feedback)."""
    if can_see_all(user):
        return Q(**{f"{prefix}assignment__suggestion__congress_id": user.congress_id})
    visible = Q(**{f"{prefix}assignment__in": assignments_visible_to(user).values("pk")})
    if user.is_authenticated and user.is_deputy:
        # A reply sent to the deputy (a merged suggestion's lead, DESIGN.md §8) is theirs.
        visible |= Q(
            **{
                f"{prefix}pk__in": ReplyDelivery.objects.filter(
                    seat_q(user), reply__assignment__suggestion__congress_id=user.congress_id
                ).values("reply")
            }
        )
    return visible


def replies_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """The replies the user may see (`reply_visibility_q`)."""
    qs = Reply.objects.all() if queryset is None else queryset
    return qs.filter(reply_visibility_q(user))


def reply_for_user(user, pk, queryset: QuerySet | None = None) -> Reply:
    """The reply with this id if the user may see it, else 404."""
    try:
        return replies_visible_to(user, queryset).get(pk=pk)
    except (Reply.DoesNotExist, ValueError, TypeError):
        raise Http404("no such reply for this user") from None


def delivery_for_user(user, pk, queryset: QuerySet | None = None) -> ReplyDelivery:
    """A reply's record of being sent to one deputy: seen by whoever may see the reply (the
    workflow lets only that deputy, or staff, act on it), else 404."""
    qs = ReplyDelivery.objects.all() if queryset is None else queryset
    try:
        return qs.filter(reply_visibility_q(user, "reply__")).get(pk=pk)
    except (ReplyDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404("no such delivery for this user") from None


def co_signature_for_user(user, pk, queryset: QuerySet | None = None) -> CoSignature:
    """A co-signature: seen by whoever may see its suggestion (the workflow lets only the
    co-signer, or staff, decide it), else 404."""
    qs = CoSignature.objects.all() if queryset is None else queryset
    try:
        return qs.filter(suggestion__in=suggestions_visible_to(user).values("pk")).get(pk=pk)
    except (CoSignature.DoesNotExist, ValueError, TypeError):
        raise Http404("no such co-signature for this user") from None


def drafts_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Reply letters in preparation (DESIGN.md §8): its own unit sees its drafts at every
    stage; reviewers (staff, 督查室 for government units) see them once signed; nobody else
    (not deputies, leaders, other units, the public) sees a draft."""
    qs = ReplyDraft.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    qs = qs.filter(assignment__suggestion__congress_id=user.congress_id)
    visible = Q(pk__in=[])
    if user.is_unit_user and user.unit_id:
        visible |= Q(assignment__unit_id=user.unit_id)
    signed = Q(signed_on__isnull=False)
    if user.is_committee_staff:
        visible |= signed
    elif getattr(user, "is_inspector", False):
        visible |= signed & Q(assignment__unit__system=INSPECTED_SYSTEM)
    return qs.filter(visible)


def draft_for_user(user, pk, queryset: QuerySet | None = None) -> ReplyDraft:
    """The draft with this id if the user may see it, else 404."""
    try:
        return drafts_visible_to(user, queryset).get(pk=pk)
    except (ReplyDraft.DoesNotExist, ValueError, TypeError):
        raise Http404("no such draft for this user") from None


def attachment_for_user(user, pk, queryset: QuerySet | None = None) -> Attachment:
    """A reply's attachment: seen by whoever may see the reply, else 404; a draft's (not
    released yet) by whoever may see the draft."""
    qs = Attachment.objects.all() if queryset is None else queryset
    draft_only = Q(reply__isnull=True, draft__in=drafts_visible_to(user).values("pk"))
    try:
        return qs.filter(
            Q(reply_visibility_q(user, "reply__"), reply__isnull=False) | draft_only
        ).get(pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("no such attachment for this user") from None


def deputy_contact_q(user) -> Q | None:
    """Deputies whose contact data (phone, e-mail, address) the user may see, as a condition
    (None: every deputy's): committee staff every deputy's; a deputy their own; a unit's
    users the lead deputies of the suggestions their unit is handling (to talk before
    replying, 面商), unless the deputy asked for confidentiality. Leaders, other deputies and
    the public see none."""
    if user.is_authenticated and user.is_committee_staff:
        return None
    visible = Q(pk__in=[])
    if user.is_authenticated and user.is_deputy:
        visible |= Q(user=user)
    if user.is_authenticated and user.is_unit_user and user.unit_id:
        handled = Assignment.objects.filter(unit_id=user.unit_id).exclude(
            state=Assignment.State.ENDED
        )
        visible |= Q(identity_confidential=False) & Q(
            pk__in=handled.values("suggestion__lead_deputy_id")
        )
    return visible


def deputies_with_contact_flag(user, queryset: QuerySet) -> QuerySet:
    """The deputies annotated with `contact_visible` (no extra query for a whole list)."""
    condition = deputy_contact_q(user)
    flag = Value(True) if condition is None else Case(When(condition, then=True), default=False)
    return queryset.annotate(contact_visible=ExpressionWrapper(flag, output_field=BooleanField()))


def can_see_deputy_contact(user, deputy) -> bool:
    """`deputy_contact_q` for one deputy (one query; none for staff). A forwarded copy has
    no deputy here (None): no contact data to see."""
    if deputy is None:
        return False
    condition = deputy_contact_q(user)
    if condition is None:
        return True
    return type(deputy).objects.filter(condition, pk=deputy.pk).exists()


def require_unit_of(user, assignment: Assignment) -> None:
    """Acting on an assignment is for its own unit's users; others who may see it get 403."""
    if not (user.is_authenticated and user.is_unit_user and user.unit_id == assignment.unit_id):
        raise PermissionDenied("only the assigned unit")


def require_staff(user) -> None:
    """Committee staff only; anyone else who is logged in gets 403."""
    if not (user.is_authenticated and user.is_committee_staff):
        raise PermissionDenied("committee staff only")


def require_overview(user) -> None:
    """Staff and leaders: the pages that look across all suggestions."""
    if not can_see_all(user):
        raise PermissionDenied("staff or leaders only")


def _gate(check):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            check(request.user)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def lower_congress_for_user(user, code: str):
    """A congress below the user's own, for the upward view's drill-down (DESIGN.md §11): its
    figures and units' rows, never its records' pages or its deputies' contact data. 404 for
    any other congress, the user's own included."""
    from congresses.selectors import below

    require_overview(user)
    for congress in below(user.congress_id):
        if congress.code == code:
            return congress
    raise Http404("no such lower congress for this user")


staff_required = _gate(require_staff)
overview_required = _gate(require_overview)


# --- confidential deputies in exports (DESIGN.md §4a) -----------------------------------------

# What an export writes instead of a confidential deputy's name; the importer refuses it.
CONFIDENTIAL_NAME = "不公开"
# Said on its own first sheet and in the printed page header of an export that does name them.
CONFIDENTIAL_NOTICE = "本文件含身份保密代表的姓名和联系方式,仅限工作使用,不得公开、转发或上传"
CONFIDENTIAL_PERMISSION = "deputies.export_confidential_names"


def can_export_confidential_names(user) -> bool:
    """Committee staff granted the 可导出身份保密代表姓名 permission (in the admin, on the
    user or a group). Everyone else's exports show 不公开; on screen staff see the name."""
    return (
        user.is_authenticated and user.is_committee_staff and user.has_perm(CONFIDENTIAL_PERMISSION)
    )


def export_reveals_confidential(user, *, requested: bool) -> bool:
    """Whether this export names confidential deputies: only when the user asks for it (the
    包含保密代表姓名 option) and may; asking without the right is refused (403)."""
    if not requested:
        return False
    if not can_export_confidential_names(user):
        raise PermissionDenied("confidential names are not for this user")
    return True


def deputy_hidden_in_export(deputy, *, reveal: bool) -> bool:
    """A deputy whose name and contact data an export leaves out (writing 不公开)."""
    # A forwarded copy's deputies are names only (Suggestion.proposers), never hidden here.
    return deputy is not None and deputy.identity_confidential and not reveal


# --- unit evaluation rounds (DESIGN.md §10) ----------------------------------------------------


def evaluation_rounds_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Rounds the user may see: staff and leaders every one; deputies those opened (a round
    being prepared is staff's own); a unit's users the closed rounds that evaluated their
    unit (to read their own result). Nobody else any."""
    from evaluation.models import EvaluationRound

    qs = EvaluationRound.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    qs = qs.filter(congress_id=user.congress_id)
    if can_see_all(user):
        return qs
    visible = Q(pk__in=[])
    if user.is_deputy:
        visible |= ~Q(state=EvaluationRound.State.DRAFT)
    if user.is_unit_user and user.unit_id:
        visible |= Q(state=EvaluationRound.State.CLOSED, units=user.unit_id)
    return qs.filter(visible).distinct()


def evaluation_round_for_user(user, pk, queryset: QuerySet | None = None):
    """The round with this id if the user may see it, else 404."""
    from evaluation.models import EvaluationRound

    try:
        return evaluation_rounds_visible_to(user, queryset).get(pk=pk)
    except (EvaluationRound.DoesNotExist, ValueError, TypeError):
        raise Http404("no such evaluation round for this user") from None


def invited_deputy(user, evaluation_round):
    """The user's deputy record if invited to rate in this round, else 403 (a deputy who may
    see the round but was not invited)."""
    deputy = evaluation_round.invited.filter(user=user).first() if user.is_authenticated else None
    if deputy is None or not user.is_deputy:
        raise PermissionDenied("not invited to this evaluation round")
    return deputy


# --- commitments ledger (台账, DESIGN.md §10) ---------------------------------------------------


def commitments_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Commitments: staff and leaders every one; a unit's users their own unit's (of replies
    to their assignments). Deputies and others none (the ledger is the unit's work list)."""
    from commitments.models import Commitment

    qs = Commitment.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    qs = qs.filter(reply__assignment__suggestion__congress_id=user.congress_id)
    if can_see_all(user):
        return qs
    if user.is_unit_user and user.unit_id:
        return qs.filter(reply__assignment__unit_id=user.unit_id)
    return qs.none()


def commitment_for_user(user, pk, queryset: QuerySet | None = None):
    from commitments.models import Commitment

    try:
        return commitments_visible_to(user, queryset).get(pk=pk)
    except (Commitment.DoesNotExist, ValueError, TypeError):
        raise Http404("no such commitment for this user") from None


def evidence_for_user(user, pk):
    """A commitment's evidence file: seen by whoever may see the commitment, else 404."""
    from commitments.models import Evidence

    visible = commitments_visible_to(user).values("pk")
    try:
        return Evidence.objects.filter(commitment__in=visible).get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404("no such evidence for this user") from None


def require_ledger(user) -> None:
    """The ledger pages: a unit's users (their own), staff and leaders (all, leaders read)."""
    if not (can_see_all(user) or (user.is_unit_user and user.unit_id)):
        raise PermissionDenied("ledger: units, staff and leaders only")


# --- 预交办 plans (planning) -------------------------------------------------------------------


def plans_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Plans as a whole: staff (who make them) and leaders (read-only); nobody else. A unit
    sees only its own proposed items (`plan_units_visible_to`), never another unit's."""
    from planning.models import AssignmentPlan

    qs = AssignmentPlan.objects.all() if queryset is None else queryset
    if not can_see_all(user):
        return qs.none()
    return qs.filter(congress_id=user.congress_id)


def plan_for_user(user, pk, queryset: QuerySet | None = None):
    """The plan with this id if the user may see it, else 404."""
    try:
        return plans_visible_to(user, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("no such plan for this user") from None


def plan_units_visible_to(user, queryset: QuerySet | None = None) -> QuerySet:
    """Proposed (item, unit) rows: all for staff and leaders; a unit's users the current
    proposals to their own unit in published or assigned plans (a draft is staff's own)."""
    from planning.models import PlanState, PlanUnit

    qs = PlanUnit.objects.all() if queryset is None else queryset
    if not user.is_authenticated:
        return qs.none()
    qs = qs.filter(item__plan__congress_id=user.congress_id)
    if can_see_all(user):
        return qs
    if user.is_unit_user and user.unit_id:
        return qs.filter(unit_id=user.unit_id, is_current=True).exclude(
            item__plan__state=PlanState.DRAFT
        )
    return qs.none()


def plan_unit_for_user(user, pk, queryset: QuerySet | None = None):
    """One proposed (item, unit) row if the user may see it, else 404."""
    try:
        return plan_units_visible_to(user, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404("no such proposal for this user") from None


def require_unit_of_plan_unit(user, plan_unit) -> None:
    """Answering a proposal is for the proposed unit's users; others who see it get 403."""
    if not (user.is_authenticated and user.is_unit_user and user.unit_id == plan_unit.unit_id):
        raise PermissionDenied("only the proposed unit")
