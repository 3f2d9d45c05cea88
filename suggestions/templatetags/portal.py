"""Display helpers shared by the portal's templates: no rules, only presentation."""

import re
from datetime import date

from django import template

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


# Phone numbers (mobile, landline with area code, 12345-style short numbers are kept) and
# e-mail addresses: what a public page must not show even when a reply's text contains them.
_CONTACTS = re.compile(
    r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}[- ]?\d{7,8}|\d{7,8})(?!\d)"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


@register.filter
def hide_contacts(text: str) -> str:
    """Mask phone numbers and e-mail addresses in published text."""
    return _CONTACTS.sub("[已隐去]", text or "")
