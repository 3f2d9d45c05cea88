"""Acting in another congress (DESIGN.md §11).

A person holds roles per congress (`accounts.Membership`) and deputy seats per term. The user
row's roles and unit are those of the congress acted in; switching stores them into that
congress's membership and loads the target's, so a staff member of the city who sits as a
deputy in a county acts there as a deputy only, and comes back to the city as staff.
"""

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from accounts.models import ROLE_FIELDS, Membership

from . import rls
from .errors import NotPermitted
from .models import Congress

NOT_YOURS = "您在该人大没有代表席位或职务,不能切换"

_HOLDS_A_ROLE = Q()
for _flag in ROLE_FIELDS:
    _HOLDS_A_ROLE |= Q(**{_flag: True})


def _seats(user):
    from deputies.models import Deputy

    # Every congress's seats, not only the one acted in: the unscoped manager.
    return Deputy._base_manager.filter(user=user)


def _seat_congresses(user):
    """The congresses of the user's seats, as a subquery: on PostgreSQL through the one
    function row-level security lets read them (congresses.rls)."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT {rls.SEAT_CONGRESSES}(%s)", [user.pk])
    return _seats(user).values("term__congress_id")


def congresses_open_to(user) -> list[Congress]:
    """The congresses the user may act in: the current one, those where they hold a role and
    those of their seats (one query)."""
    held = Membership.objects.filter(_HOLDS_A_ROLE, user=user).values("congress_id")
    return list(
        Congress.objects.filter(
            Q(pk=user.congress_id) | Q(pk__in=held) | Q(pk__in=_seat_congresses(user)),
            is_active=True,
        ).order_by("id")
    )


@transaction.atomic
def congress_switch(*, user, congress_id) -> Congress:
    """Act in `congress_id` from the next request on, with the roles held there, or refuse in
    Chinese."""
    target = next((c for c in congresses_open_to(user) if str(c.pk) == str(congress_id)), None)
    if target is None:
        raise NotPermitted(NOT_YOURS, "not_your_congress")
    User = get_user_model()
    # The row, locked: two switches at once must not store one congress's roles as another's.
    me = User.objects.select_for_update().get(pk=user.pk)
    if target.pk == me.congress_id:
        return target
    Membership.objects.update_or_create(
        user=me,
        congress_id=me.congress_id,
        defaults={**{f: getattr(me, f) for f in ROLE_FIELDS}, "unit_id": me.unit_id},
    )
    there = Membership.objects.filter(user=me, congress=target).first()
    roles = {f: bool(there and getattr(there, f)) for f in ROLE_FIELDS}
    roles["is_deputy"] = (
        roles["is_deputy"]
        or Congress.objects.filter(pk=target.pk, id__in=_seat_congresses(me)).exists()
    )
    unit_id = there.unit_id if there else None
    User.objects.filter(pk=me.pk).update(congress=target, unit_id=unit_id, **roles)
    for name, value in {**roles, "congress_id": target.pk, "unit_id": unit_id}.items():
        setattr(user, name, value)
    return target
