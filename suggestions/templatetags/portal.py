"""Display helpers shared by the portal's templates: no rules, only presentation (the
deadline meanings are `suggestions.models.deadline_status`)."""

from datetime import date

from django import template
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
