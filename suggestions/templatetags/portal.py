"""Display helpers shared by the portal's templates: no rules, only presentation (the
deadline meanings are `suggestions.models.deadline_status`)."""

from datetime import date

from django import template

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


@register.inclusion_tag("suggestions/_deadline_chip.html")
def deadline_chip(deadline: date | None, today: date):
    """A suggestion's nearest lead deadline (`next_deadline`), told as the model tells it."""
    status = deadline_status(deadline, today) if deadline else DeadlineStatus.DONE
    return _chip(deadline, today, status)


@register.inclusion_tag("suggestions/_deadline_chip.html")
def assignment_deadline_chip(assignment, today: date):
    """An assignment's deadline with its status (`Assignment.get_deadline_status`)."""
    return _chip(assignment.deadline, today, assignment.get_deadline_status(today))


@register.filter
def hide_contacts(text: str) -> str:
    """Mask phone numbers and e-mail addresses in published text (suggestions.masking)."""
    return mask_contacts(text)
