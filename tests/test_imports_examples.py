"""Whatever the import templates' 填写说明 sheet offers as an example or a choice — "如 13",
“第3次会议”, the listed meetings and categories, the drop-down values — the validator accepts,
on data named the way the demo names it (市第十三届人民代表大会, 第三次会议)."""

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from deputies.models import Meeting
from imports import excel, validation

from .factories import DelegationFactory, DeputyFactory, TermFactory, category
from .test_imports_pages import login
from .xlsx import workbook

pytestmark = pytest.mark.django_db

BASE_ROWS = {
    "suggestions": {
        "term": "13",
        "channel": "大会期间",
        "category": "城乡建设",
        "title": "关于增设公交站点的建议",
        "content": "建议在新区增设公交站点。",
        "lead_deputy": "陈静",
    },
    "deputies": {"term": "13", "name": "王芳"},
    "units": {"name": "市园林绿化局"},
}
# The lists the 填写说明 sheet adds from the database, and the column each belongs to.
LISTED = {"分类": "category", "会议": "meeting"}


@pytest.fixture
def demo_like(db):
    term = TermFactory(number=13, start_date=dt.date(2023, 1, 9))
    term.name = "市第十三届人民代表大会"  # as the demo names it, not the factory's 市第13届
    term.save()
    Meeting.objects.create(term=term, number=3, name="第三次会议", start_date=dt.date(2025, 1, 12))
    DeputyFactory(
        term=term, name="陈静", delegation=DelegationFactory(term=term, name="东城代表团")
    )
    category("城乡建设")
    return term


def help_sheet(client, kind) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The 填写说明 sheet of the downloaded template: each column's note, then the lists it
    adds from the database (after a blank row)."""
    response = client.get(f"/imports/templates/{kind}.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(book["填写说明"].iter_rows(min_row=2, values_only=True))
    blank = next(i for i, row in enumerate(rows) if not any(row))
    notes = {row[0]: row[2] or "" for row in rows[:blank]}
    lists = {row[0]: (row[2] or "").split("、") for row in rows[blank:] if any(row)}
    return notes, lists


def errors_for(spec, key: str, value: str, register: bool = True) -> list[dict]:
    values = dict(BASE_ROWS[spec.kind], **{key: value})
    row = [values.get(c.key, "") for c in spec.columns]
    table = excel.open_table(io.BytesIO(workbook(spec, [row])), spec)
    try:
        return validation.CHECKERS[spec.kind](table, register=register).errors
    finally:
        table.close()


def examples_in(note: str) -> set[str]:
    """What a note gives after 如: 如“第3次会议”, 如 13, 如 2026-03-01."""
    return {a or b for a, b in re.findall(r"如\s*“([^”]+)”|如\s*([0-9][0-9-]*)", note)}


@pytest.mark.parametrize("spec", excel.SHEETS.values(), ids=lambda s: s.kind)
def test_the_examples_in_the_help_sheet_are_the_columns_examples(client, people, spec):
    login(client, people.staff)
    notes, _ = help_sheet(client, spec.kind)
    for column in spec.columns:
        note = notes[column.header]
        assert examples_in(note) <= set(column.examples), column.header
        for example in column.examples:
            assert example in note, (column.header, example)


def test_the_rows_the_examples_are_tried_in_are_valid(demo_like):
    for spec in excel.SHEETS.values():
        key, value = next(iter(BASE_ROWS[spec.kind].items()))
        assert errors_for(spec, key, value) == [], spec.kind


@pytest.mark.parametrize("spec", excel.SHEETS.values(), ids=lambda s: s.kind)
def test_each_example_and_choice_passes_the_check(client, people, demo_like, spec):
    login(client, people.staff)
    _, lists = help_sheet(client, spec.kind)
    offered = [(c.key, v) for c in spec.columns for v in (*c.examples, *c.choices)]
    for title, key in LISTED.items():
        offered += [(key, value) for value in lists.get(title, ()) if value]
    if spec is excel.SUGGESTIONS:
        assert "市第十三届人民代表大会第三次会议" in lists["会议"]
    assert offered
    for key, value in offered:
        errors = errors_for(spec, key, value)
        assert errors == [], (spec.header(key), value, errors)


@pytest.mark.parametrize(
    "written", ["13", "第13届", "市第13届", "第十三届", "13届", "市第十三届人民代表大会"]
)
def test_a_term_is_found_however_the_help_lets_people_write_it(demo_like, written):
    assert errors_for(excel.SUGGESTIONS, "term", written) == []


@pytest.mark.parametrize(
    "written", ["3", "第3次会议", "第三次会议", "第三次", "市第十三届人民代表大会第三次会议"]
)
def test_a_meeting_is_found_however_the_help_lets_people_write_it(demo_like, written):
    assert errors_for(excel.SUGGESTIONS, "meeting", written) == []


@pytest.mark.parametrize(
    ("key", "written", "message"),
    [
        ("term", "第14届", "未找到届次“第14届”"),
        ("term", "市第十三届政协", "未找到届次“市第十三届政协”"),
        ("meeting", "第4次会议", "没有会议“第4次会议”"),
        ("meeting", "市第十二届人民代表大会第三次会议", "没有会议"),
    ],
)
def test_other_terms_and_meetings_are_still_refused(demo_like, key, written, message):
    errors = errors_for(excel.SUGGESTIONS, key, written)
    assert [e["column"] for e in errors] == [excel.SUGGESTIONS.header(key)]
    assert message in errors[0]["message"]
