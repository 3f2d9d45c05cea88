"""The one definition of an owned record's `congress` column (DESIGN.md §11)."""

from django.db import models

from .context import default_congress_id


def owner(verbose_name: str = "人大") -> models.ForeignKey:
    """The congress a record belongs to: the one acted in when it is made, else the default."""
    return models.ForeignKey(
        "congresses.Congress",
        verbose_name=verbose_name,
        default=default_congress_id,
        on_delete=models.PROTECT,
        related_name="+",
    )
