"""The dashboards' long tables, written in Python: the unit ranking's dozens of units with
six linked cells each, and the data table of every chart, cost the template engine more than
the page's queries (as `portal.suggestion_rows` on the list). The same HTML the templates
wrote, every value escaped."""

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def unit_rows(rows, filters, numbered: bool):
    """(row, cells) pairs (dashboards.views.units) as <tr>s, with 名次 when `numbered`."""
    marker = "2147483647"
    prefix, suffix = reverse("dashboards:unit", args=[int(marker)]).split(marker)
    esc = conditional_escape
    term = filters.term.pk if filters.term else ""
    as_of = f"{filters.as_of:%Y-%m-%d}" if filters.as_of else ""
    query = f"?term={term}&amp;as_of={as_of}"
    parts = []
    for place, (row, cells) in enumerate(rows, start=1):
        head = f"<td>{place}</td>" if numbered else ""
        tds = "".join(f'<td><a href="{esc(c.url)}">{esc(c.text)}</a></td>' for c in cells)
        parts.append(
            f'  <tr>{head}<td><a href="{prefix}{row.unit_id}{suffix}{query}">'
            f"{esc(row.unit_name)}</a></td>{tds}</tr>\n"
        )
    return mark_safe("".join(parts))


@register.simple_tag
def chart_rows(chart):
    """The data table of a chart (presenters.Chart.rows): a row per label, a linked number
    per series."""
    esc = conditional_escape
    parts = []
    for label, points in chart.rows:
        tds = "".join(f'<td><a href="{esc(p.url)}">{esc(p.value)}</a></td>' for p in points)
        parts.append(f'      <tr><th scope="row">{esc(label)}</th>{tds}</tr>\n')
    return mark_safe("".join(parts))
