"""Display helpers shared by the portal's templates: no rules, only presentation (the
deadline meanings are `suggestions.models.deadline_status`)."""

import html
from datetime import date

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from suggestions.masking import mask_contacts
from suggestions.models import DeadlineStatus, deadline_status

register = template.Library()


CHIP_TONES = {
    DeadlineStatus.DONE: "done",
    DeadlineStatus.OK: "ok",
    DeadlineStatus.DUE_SOON: "soon",
    DeadlineStatus.OVERDUE: "overdue",
    DeadlineStatus.OPINION_OVERDUE: "overdue",
}


def _chip(deadline: date | None, today: date, status: str) -> dict:
    if deadline is None:
        return {"deadline": None}
    days = (deadline - today).days
    if status == DeadlineStatus.DONE:
        text = ""
    elif status == DeadlineStatus.OVERDUE:
        text = f"逾期{-days}天"
    elif status == DeadlineStatus.OPINION_OVERDUE:
        text = f"协办意见逾期{-days}天"
    else:
        text = "今日到期" if days == 0 else f"剩余{days}天"
    return {"deadline": deadline, "tone": CHIP_TONES[status], "text": text}


def _chip_html(chip: dict) -> str:
    """<span class="deadline {tone}">2026-03-01 · 剩余12天</span>, or a dash for none. Written
    here rather than in a sub-template: lists show one per row."""
    if not chip["deadline"]:
        return mark_safe('<span class="muted">—</span>')
    text = format_html(" · {}", chip["text"]) if chip["text"] else ""
    return format_html(
        '<span class="deadline {}">{}{}</span>', chip["tone"], chip["deadline"].isoformat(), text
    )


@register.simple_tag
def deadline_chip(deadline: date | None, today: date):
    """A suggestion's nearest lead deadline (`next_deadline`), told as the model tells it."""
    status = deadline_status(deadline, today) if deadline else DeadlineStatus.DONE
    return _chip_html(_chip(deadline, today, status))


_ROW_HEAD = (
    '    <tr>\n      {tick}<td class="nowrap" data-label="编号">{term}<br>{number}</td>\n'
    '      <td><a href="{url}">{title}</a></td>\n'
    '      <td data-label="领衔代表">{deputy}</td>\n'
    '      <td data-label="来源">{channel}</td>\n'
    '      <td data-label="分类">{category}</td>\n'
    '      <td data-label="状态">{badge}</td>\n'
    '      <td data-label="承办单位">{units}</td>\n'
    '      <td class="nowrap" data-label="答复期限">{chip}</td>\n'
    "    </tr>\n"
)
_TICK = '<td data-label="选择"><input type="checkbox" name="ids" value="{}" aria-label="选择{}"></td>\n      '
_NO_UNIT = '<span class="muted">—</span>'


def _esc(value) -> str:
    """conditional_escape for the row tags: the same text (Django's escape is html.escape),
    without its lazy-string wrapper and SafeString per value; a row has a dozen."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


class _RowCells:
    """The cells the list's and the key board's rows share, each distinct one built once
    per page: status badges, deadline chips, sets of units and short texts (terms,
    channels, categories) repeat across rows. Also the detail URL, reversed once."""

    def __init__(self, today: date):
        self.today = today
        marker = "2147483647"  # the detail URL once, then only the id differs
        self._url = reverse("suggestions:detail", args=[int(marker)]).split(marker)
        self._badges, self._chips, self._units, self._texts = {}, {}, {}, {}

    def url(self, s) -> str:
        prefix, suffix = self._url
        return f"{prefix}{s.pk}{suffix}"

    def text(self, value) -> str:
        if value not in self._texts:
            self._texts[value] = _esc(value)
        return self._texts[value]

    def units(self, s) -> str:
        key = tuple((a.unit.name, a.role) for a in s.current_assignments)
        if key not in self._units:
            self._units[key] = (
                "".join(
                    f'<div>{_esc(a.unit.name)}<span class="muted">({_esc(a.get_role_display())})</span></div>'
                    for a in s.current_assignments
                )
                or _NO_UNIT
            )
        return self._units[key]

    def badge(self, s) -> str:
        key = (s.status, s.is_key, _supervisor_name(s))
        if key not in self._badges:
            self._badges[key] = status_badge(s)
        return self._badges[key]

    def chip(self, s) -> str:
        if s.next_deadline not in self._chips:
            self._chips[s.next_deadline] = deadline_chip(s.next_deadline, self.today)
        return self._chips[s.next_deadline]


def _supervisor_name(s) -> str:
    return s.supervisor.display_name if s.supervisor_id else ""


@register.simple_tag
def suggestion_rows(rows, today: date, ticks: bool):
    """The staff list's table rows, written here rather than by the template: fifty rows of
    a dozen variables, a URL and two loops each cost the template engine more than every
    query of the page. The same HTML the template wrote; every value escaped."""
    cells = _RowCells(today)
    parts = []
    for s in rows:
        number = _esc(s.display_number)
        parts.append(
            _ROW_HEAD.format(
                tick=_TICK.format(s.pk, number) if ticks else "",
                term=cells.text(s.term.name),
                number=number,
                url=cells.url(s),
                title=_esc(s.title),
                deputy=_esc(s.lead_name),
                channel=cells.text(s.get_channel_display()),
                category=cells.text(s.category.name) if s.category_id else "—",
                badge=cells.badge(s),
                units=cells.units(s),
                chip=cells.chip(s),
            )
        )
    return mark_safe("".join(parts))


@register.simple_tag
def assignment_deadline_chip(assignment, today: date):
    """An assignment's deadline with its status (`Assignment.get_deadline_status`)."""
    return _chip_html(_chip(assignment.deadline, today, assignment.get_deadline_status(today)))


@register.simple_tag
def status_badge(suggestion):
    """The suggestion's state, and 重点 with the supervising leader for a key suggestion."""
    badge = format_html(
        '<span class="status status-{}">{}</span>',
        suggestion.status,
        suggestion.get_status_display(),
    )
    if not suggestion.is_key:
        return badge
    supervisor = suggestion.supervisor if suggestion.supervisor_id else None
    name = (supervisor.display_name if supervisor else "") or "未指定"
    return format_html('{} <span class="status key" title="督办领导:{}">重点</span>', badge, name)


@register.filter
def hide_contacts(text: str) -> str:
    """Mask phone numbers and e-mail addresses in published text (suggestions.masking)."""
    return mask_contacts(text)


_KEY_ROW = (
    '  <tr>\n    <td class="nowrap" data-label="编号">{number}</td>\n'
    '    <td><a href="{url}">{title}</a><div class="muted small">{deputy} · {category}</div></td>\n'
    '    <td data-label="督办领导">{supervisor}</td>\n'
    '    <td data-label="状态">{badge}</td>\n'
    '    <td data-label="承办单位">{units}</td>\n'
    '    <td class="nowrap" data-label="答复期限">{chip}</td>\n'
    '    <td class="nowrap" data-label="最新动态">{latest}</td>\n'
    "  </tr>\n"
)


@register.simple_tag
def key_rows(rows, today: date):
    """The key board's rows (dashboards.views.key_board: (suggestion, action label) pairs),
    written here for the reason `suggestion_rows` is: a hundred rows through the template
    engine cost more than the page's queries. The same HTML the template wrote, escaped."""
    cells = _RowCells(today)
    parts = []
    for s, action in rows:
        category = s.category.name if s.category_id else ""
        latest = (
            f"{timezone.localtime(s.latest_at):%Y-%m-%d} {_esc(action)}" if s.latest_at else "—"
        )
        parts.append(
            _KEY_ROW.format(
                number=_esc(s.display_number),
                url=cells.url(s),
                title=_esc(s.title),
                deputy=_esc(s.lead_name),
                category=cells.text(category or "—"),
                supervisor=cells.text(_supervisor_name(s) or "—"),
                badge=cells.badge(s),
                units=cells.units(s),
                chip=cells.chip(s),
                latest=latest,
            )
        )
    return mark_safe("".join(parts))
