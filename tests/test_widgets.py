"""The quick widgets (suggestions.widgets) write the markup Django's own widgets write, built
in Python for speed: compared element by element with Django's rendering (whitespace aside)."""

import re

import pytest
from django import forms

from suggestions.widgets import QuickSelect

CHOICES = [
    ("", "全部"),
    ("a", "甲<乙>"),
    ("组", [("b", "B"), ("c", "C")]),
    (3, "三"),
    ("b", "B again"),
]


class QuickSelectMultiple(QuickSelect, forms.SelectMultiple):
    pass


def _tags(html: str) -> list[str]:
    return re.findall(r"<[^>]+>[^<]*", re.sub(r">\s+<", "><", str(html).strip()))


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        ("b", {"id": "id_n", "required": True}),
        (3, {"class": "wide", "data-x": 'say "hi"'}),
        (None, None),
        ("", {"disabled": True}),
        ("missing", None),
    ],
)
def test_quick_select_writes_what_select_writes(value, attrs):
    django_html = forms.Select(choices=CHOICES).render("n", value, attrs=attrs)
    quick_html = QuickSelect(choices=CHOICES).render("n", value, attrs=attrs)
    assert _tags(quick_html) == _tags(django_html)


def test_only_the_first_match_is_selected_but_a_multiple_select_marks_every_one():
    single = QuickSelect(choices=CHOICES).render("n", "b")
    assert single.count(" selected") == 1
    django_multiple = forms.SelectMultiple(choices=CHOICES).render("m", ["a", "b"])
    quick_multiple = QuickSelectMultiple(choices=CHOICES).render("m", ["a", "b"])
    assert _tags(quick_multiple) == _tags(django_multiple)
    assert quick_multiple.count(" selected") == 3
