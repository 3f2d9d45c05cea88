"""Form widgets for pages that show many of them at once (the list's filters and bulk bar)."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A <select> with the HTML Django's templates write, built in Python: the template
    renders one sub-template per <option>, and `Select.optgroups` builds a context dict per
    option, which made the filter <select>s of the list and the dashboards cost more than
    their rows. Attributes, the selected value (the first match, or all of a multiple
    select) and groups follow Select's own `get_context` (tests/test_widgets.py)."""

    def use_required_attribute(self, initial):
        # Select's own check reads the first choice, a query for a model field without an
        # empty label, though a field that is not required never gets the attribute.
        return self.is_required and super().use_required_attribute(initial)

    def render(self, name, value, attrs=None, renderer=None):
        esc = conditional_escape
        final = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final["multiple"] = True
        wanted = set(self.format_value(value))
        parts = [f'<select name="{esc(name)}"{_attrs(final)}>']
        chosen = False
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, (list, tuple))
            if grouped:
                parts.append(f'\n  <optgroup label="{esc(option_value)}">')
            for sub_value, sub_label in option_label if grouped else [(option_value, option_label)]:
                text = str(sub_value)
                selected = (not chosen or self.allow_multiple_selected) and text in wanted
                chosen |= selected
                mark = " selected" if selected else ""
                parts.append(f'\n  <option value="{esc(text)}"{mark}>{esc(sub_label)}</option>')
            if grouped:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))


class _ListedChoiceIterator(ModelChoiceIterator):
    """Reads the choices with one plain SELECT. Django's iterator uses `QuerySet.iterator()`,
    which on PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE: three round trips)
    for a list of a few dozen rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        objects = self.field.objects
        for obj in self.queryset.all() if objects is None else objects:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField for short lists (terms, units, categories, leaders) shown as a
    QuickSelect. `objects`, when set, are the choices shown (already read, e.g. for two
    fields listing the same rows); the queryset still validates what is submitted."""

    iterator = _ListedChoiceIterator
    widget = QuickSelect
    objects = None


class _QuickInput:
    """An <input> with the HTML of django/forms/widgets/input.html, built in Python: each
    template-rendered input costs a template render, and the list shows a dozen."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = widget["value"]
        value_html = "" if shown is None else f' value="{conditional_escape(str(shown))}"'
        return mark_safe(
            f'<input type="{conditional_escape(widget["type"])}" '
            f'name="{conditional_escape(widget["name"])}"{value_html}{_attrs(widget["attrs"])}>'
        )


class QuickTextInput(_QuickInput, forms.TextInput):
    pass


class QuickCheckboxInput(_QuickInput, forms.CheckboxInput):
    pass


class QuickDateInput(_QuickInput, forms.DateInput):
    pass
