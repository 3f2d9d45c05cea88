"""Who holds a role in a congress or unit: the one place notices and reminders ask.

A person acting in another congress keeps their roles here through their membership
(accounts.Membership): the city's staff member who acts as a deputy in a county is still
told about the city's new suggestions.
"""

from django.contrib.auth import get_user_model
from django.db.models import Q


def _holding(role: str, column: str, value: int):
    """Active users holding `role` where `column` is `value`: on their own row (the congress
    they act in now), or through a membership while they act elsewhere (counted once)."""
    return get_user_model().objects.filter(
        Q(**{column: value, role: True})
        | Q(
            ~Q(**{column: value}),
            **{f"memberships__{column}": value, f"memberships__{role}": True},
        ),
        is_active=True,
    )


def committee_staff(congress_id: int):
    """The active committee staff of one congress (never another congress's)."""
    return _holding("is_committee_staff", "congress_id", congress_id)


def unit_users(unit_id: int):
    """The active users of one handling unit, wherever they act now."""
    return _holding("is_unit_user", "unit_id", unit_id)
