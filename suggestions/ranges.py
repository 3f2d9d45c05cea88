"""Integer inputs within their column's range, the same on every database.

A number a column cannot hold must be refused as bad input with a Chinese message, never
reach the database (PostgreSQL: DataError, a 500). SQLite stores 64-bit integers whatever
the field says, so the ranges are PostgreSQL's column sizes (Django's portable table), not
the connected database's. Page forms, API serializers, imports, admin and query parameters
ask here.
"""

from django import forms
from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from rest_framework import serializers

RANGES = BaseDatabaseOperations.integer_field_ranges


def column_range(model: type[models.Model], field_name: str) -> tuple[int, int]:
    """(lowest, highest) value the model field's column holds."""
    return RANGES[model._meta.get_field(field_name).get_internal_type()]


def _bounds(model, field_name, min_value, max_value) -> dict:
    low, high = column_range(model, field_name)
    return {
        "min_value": low if min_value is None else max(low, min_value),
        "max_value": high if max_value is None else min(high, max_value),
    }


def form_field(model, field_name: str, *, min_value=None, max_value=None, **kwargs):
    """A page form's IntegerField for a value stored in `model.field_name`."""
    return forms.IntegerField(**_bounds(model, field_name, min_value, max_value), **kwargs)


def serializer_field(model, field_name: str, *, min_value=None, max_value=None, **kwargs):
    """An API serializer's IntegerField for a value stored in `model.field_name`."""
    return serializers.IntegerField(**_bounds(model, field_name, min_value, max_value), **kwargs)


def out_of_range(model, field_name: str, value: int) -> str | None:
    """The Chinese reason a parsed number does not fit the column, or None."""
    low, high = column_range(model, field_name)
    if value < low:
        return f"不能小于{low}"
    if value > high:
        return f"不能大于{high}"
    return None


class ColumnRanges:
    """Admin mixin (ModelAdmin and inlines): every integer form field is bounded by its
    column, so an out-of-range number is a form error on SQLite and PostgreSQL alike."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        internal = db_field.get_internal_type()
        if (
            isinstance(db_field, models.IntegerField)
            and internal in RANGES
            and not db_field.choices
        ):
            low, high = RANGES[internal]
            kwargs.setdefault("min_value", low)
            kwargs.setdefault("max_value", high)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
