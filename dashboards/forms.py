"""The dashboard filters: one scope of `suggestions.figures` and an as-of date, in the URL."""

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from deputies.models import Meeting, Term
from suggestions.dates import PastDay
from suggestions.figures import Scope
from suggestions.models import Category, Channel
from suggestions.widgets import (
    ListedModelChoiceField,
    QuickCheckboxInput,
    QuickDateInput,
    QuickSelect,
)
from units.models import Unit, UnitSystem


@dataclass(frozen=True)
class Filters:
    term: Term | None
    meeting: Meeting | None = None
    channel: str | None = None
    category: Category | None = None
    unit: Unit | None = None
    key_only: bool = False
    as_of: date | None = None
    system: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(
            term=self.term,
            meeting=self.meeting,
            channel=self.channel or None,
            category=self.category,
            unit=self.unit,
            key_only=self.key_only,
            system=self.system or None,
        )

    def narrowed(self) -> list[str]:
        """The filters set below the term."""
        names = ("meeting", "channel", "category", "unit", "system")
        return [n for n in names if getattr(self, n)] + (["key_only"] if self.key_only else [])

    def query(self) -> dict:
        """These filters as the suggestion list's URL parameters."""
        params = {"term": self.term.pk if self.term else None}
        for name in ("meeting", "category", "unit"):
            value = getattr(self, name)
            params[name] = value.pk if value else None
        params["channel"] = self.channel or None
        params["system"] = self.system or None
        params["key"] = "on" if self.key_only else None
        params["as_of"] = self.as_of.isoformat()
        return {k: v for k, v in params.items() if v is not None}

    @cached_property
    def query_string(self) -> str:
        """`query()` as a URL's query string, worked out once: a dashboard's dozens of
        drill-down links all start with it."""
        return urlencode(self.query())


class DashboardFilterForm(forms.Form):
    # Quick widgets (suggestions.widgets): the same HTML without a template per <option>; the
    # unit ranking drew this form for longer than its table.
    term = ListedModelChoiceField(
        Term.objects.all(), label="届次", required=False, empty_label=None
    )
    meeting = ListedModelChoiceField(
        Meeting.objects.select_related("term"), label="会议", required=False, empty_label="全部"
    )
    channel = forms.ChoiceField(
        label="来源",
        required=False,
        choices=[("", "全部"), *Channel.choices],
        widget=QuickSelect,
    )
    category = ListedModelChoiceField(
        Category.objects.all(), label="分类", required=False, empty_label="全部"
    )
    unit = ListedModelChoiceField(
        Unit.objects.all(), label="承办单位", required=False, empty_label="全部"
    )
    system = forms.ChoiceField(
        label="单位系统",
        required=False,
        choices=[("", "全部"), *UnitSystem.choices],
        widget=QuickSelect,
    )
    key = forms.BooleanField(label="仅重点建议", required=False, widget=QuickCheckboxInput)
    # A figure as of a day before the first term or after today means nothing: refused, and
    # the page falls back to today with the reason shown.
    as_of = forms.DateField(
        label="统计截至",
        required=False,
        widget=QuickDateInput(attrs={"type": "date"}),
        validators=[PastDay("统计截至日期")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The congress's few terms, read once: for their <select> and the default term.
        self.fields["term"].objects = list(self.fields["term"].queryset)

    def category_ids(self) -> dict[str, int]:
        """{name: id} of the categories, for the category chart's links; read once for
        those and the category <select>."""
        field = self.fields["category"]
        if field.objects is None:
            field.objects = list(field.queryset)
        return {c.name: c.pk for c in field.objects}

    def filters(self) -> Filters:
        """Cleaned filters; the current term and today when not given or not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        term = data.get("term") or _default_term(self.fields["term"].objects)
        return Filters(
            term=term,
            meeting=data.get("meeting"),
            channel=data.get("channel") or None,
            category=data.get("category"),
            unit=data.get("unit"),
            key_only=bool(data.get("key")),
            as_of=data.get("as_of") or timezone.localdate(),
            system=data.get("system") or None,
        )


def _default_term(terms: list[Term]) -> Term | None:
    """The current term, else the latest."""
    return max(terms, key=lambda t: (t.is_current, t.number), default=None)


class AsOfForm(forms.Form):
    """The day of the upward view (下级人大统计): today unless a past day is asked for."""

    as_of = forms.DateField(
        label="统计截至",
        required=False,
        widget=QuickDateInput(attrs={"type": "date"}),
        validators=[PastDay("统计截至日期")],
    )

    def day(self):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return data.get("as_of") or timezone.localdate()
