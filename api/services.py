"""Writes of the api app: issuing and revoking tokens, and the 直通车 convenience.

Suggestion writes go through `suggestions.workflow`; nothing here changes a state itself.
"""

import secrets
from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone

from suggestions import workflow
from suggestions.models import Category, Channel, Suggestion

from .models import TOKEN_PREFIX, ApiToken, token_hash


def _require_staff(actor) -> None:
    if not getattr(actor, "is_committee_staff", False):
        raise workflow.NotPermitted("只有工作人员可以管理接口令牌", "staff_only")


@transaction.atomic
def token_issue(*, actor, owner, name: str) -> tuple[ApiToken, str]:
    """A new token for `owner`. Returns the row and the token, which is never stored."""
    _require_staff(actor)
    name = (name or "").strip()
    if not name:
        raise workflow.InvalidTransition("请填写令牌名称", "missing_name")
    if not owner.is_active:
        raise workflow.InvalidTransition("该用户已停用,不能签发令牌", "inactive_owner")
    if owner.congress_id != actor.congress_id:
        raise workflow.InvalidTransition("该用户不在本级人大,不能签发令牌", "other_congress")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    # Bound to the issuer's congress: the token acts there only (api.authentication).
    token = ApiToken.objects.create(
        name=name,
        user=owner,
        congress_id=actor.congress_id,
        prefix=raw[:10],
        digest=token_hash(raw),
        created_by=actor,
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    _require_staff(actor)
    # Conditional update: revoking twice keeps the first time and person.
    ApiToken.objects.filter(pk=token.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    token.refresh_from_db()
    return token


@transaction.atomic
def express_create(
    *,
    actor,
    term,
    title: str,
    content: str,
    lead_deputy,
    category: Category,
    units: Sequence,
    co_signers: Sequence = (),
    submitted_on: date | None = None,
    assigned_on: date | None = None,
    external_source: str = "",
    external_ticket: str = "",
) -> tuple[Suggestion, bool]:
    """直通车: log, register and assign in one transaction, each step a workflow call, so
    the hotline's item is either handed to its units with the express deadline or not at all.

    Idempotent on the hotline's ticket number: a number already seen from the same system
    returns (that suggestion, False), never a second one — also when two identical calls
    race: the loser's attempt is rolled back to its savepoint and the winner's row returned.
    Returns (suggestion, created)."""
    seen = workflow.suggestion_by_ticket(external_source, external_ticket)
    if seen is not None:
        return seen, False
    try:
        with transaction.atomic():
            suggestion = workflow.suggestion_create(
                actor=actor,
                term=term,
                title=title,
                content=content,
                channel=Channel.EXPRESS,
                lead_deputy=lead_deputy,
                category=category,
                co_signers=co_signers,
                submitted_on=submitted_on,
                external_source=external_source,
                external_ticket=external_ticket,
            )
            suggestion = workflow.suggestion_register(actor=actor, suggestion=suggestion)
            workflow.suggestion_assign(
                actor=actor, suggestion=suggestion, units=units, assigned_on=assigned_on
            )
    except workflow.AlreadyRecorded as exc:
        return exc.suggestion, False
    return Suggestion.objects.get(pk=suggestion.pk), True
