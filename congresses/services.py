"""Acting in another congress (DESIGN.md §11).

Until roles are held per congress, a user's roles (staff, unit, leader) are their current
congress's; a deputy may also act in every congress where they hold a seat. So a person with a
seat at the county and the city switches between them; staff cannot switch themselves into
another congress's work.
"""

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models.expressions import RawSQL

from suggestions.workflow import NotPermitted

from . import rls
from .models import Congress

NOT_YOURS = "您在该人大没有代表席位或职务,不能切换"


def congresses_open_to(user) -> list[Congress]:
    """The congresses the user may act in: the current one, and those of their seats (one
    query)."""
    from deputies.models import Deputy

    qs = Congress.objects.filter(pk=user.congress_id)
    if user.is_deputy and not (
        user.is_committee_staff or user.is_unit_user or user.is_leader or user.is_inspector
    ):
        # Every congress's seats, not only the one acted in: the unscoped manager, and on
        # PostgreSQL the one function row-level security lets read them (congresses.rls).
        seats = Deputy._base_manager.filter(user=user).values("term__congress_id")
        if connection.vendor == "postgresql":
            seats = RawSQL(f"SELECT {rls.SEAT_CONGRESSES}(%s)", [user.pk])
        qs = Congress.objects.filter(pk=user.congress_id) | Congress.objects.filter(pk__in=seats)
    return list(qs.filter(is_active=True).distinct().order_by("id"))


@transaction.atomic
def congress_switch(*, user, congress_id) -> Congress:
    """Act in `congress_id` from the next request on, or refuse in Chinese."""
    for congress in congresses_open_to(user):
        if str(congress.pk) == str(congress_id):
            get_user_model().objects.filter(pk=user.pk).update(congress=congress)
            user.congress_id = congress.pk
            return congress
    raise NotPermitted(NOT_YOURS, "not_your_congress")
