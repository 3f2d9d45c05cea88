"""Who holds a role in a congress or unit: the one place notices and reminders ask.

A person acting in another congress keeps their roles here through their membership
(accounts.Membership): the city's staff member who acts as a deputy in a county is still
told about the city's new suggestions.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q


def committee_staff(congress_id: int):
    """The active committee staff of one congress (never another congress's)."""
    return get_user_model().objects.filter(
        Q(congress_id=congress_id, is_committee_staff=True)
        | Q(
            ~Q(congress_id=congress_id),
            memberships__congress_id=congress_id,
            memberships__is_committee_staff=True,
        ),
        is_active=True,
    )


def unit_users(unit_id: int):
    """The active users of one handling unit, wherever they act now."""
    return get_user_model().objects.filter(
        Q(unit_id=unit_id, is_unit_user=True)
        | Q(
            ~Q(unit_id=unit_id),
            memberships__unit_id=unit_id,
            memberships__is_unit_user=True,
        ),
        is_active=True,
    )
