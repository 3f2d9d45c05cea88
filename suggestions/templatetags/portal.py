"""Display helpers shared by the portal's templates: no rules, only presentation."""

from datetime import date

from django import template

from suggestions.masking import mask_contacts

register = template.Library()


@register.inclusion_tag("suggestions/_deadline_chip.html")
def deadline_chip(deadline: date | None, today: date, is_open: bool = True):
    """A deadline with days left or overdue; answered or ended work shows the date only."""
    if deadline is None:
        return {"deadline": None}
    days = (deadline - today).days
    if not is_open:
        tone, text = "done", ""
    elif days < 0:
        tone, text = "overdue", f"逾期{-days}天"
    elif days == 0:
        tone, text = "soon", "今日到期"
    else:
        tone, text = ("soon" if days <= 7 else "ok"), f"剩余{days}天"
    return {"deadline": deadline, "tone": tone, "text": text}


@register.filter
def hide_contacts(text: str) -> str:
    """Mask phone numbers and e-mail addresses in published text (suggestions.masking)."""
    return mask_contacts(text)
