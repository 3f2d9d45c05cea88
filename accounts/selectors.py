"""Who holds a role in a congress: the one place notices and reminders ask."""

from django.contrib.auth import get_user_model


def committee_staff(congress_id: int):
    """The active committee staff of one congress (never another congress's)."""
    return get_user_model().objects.filter(
        congress_id=congress_id, is_committee_staff=True, is_active=True
    )
