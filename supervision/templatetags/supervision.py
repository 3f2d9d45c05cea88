"""Supervision pieces shown on the suggestions app's pages (one query each)."""

from django import template

from suggestions import dates

from .. import access, selectors
from ..forms import AcknowledgeForm
from ..models import ActionKind

register = template.Library()


@register.inclusion_tag("supervision/_assignment_instructions.html", takes_context=True)
def assignment_instructions(context, assignment):
    """The 督办意见 to this assignment, each with its acknowledgement (a form for the unit)."""
    user = context["user"]
    acks = selectors.assignment_instructions(assignment=assignment)
    mine = user.is_unit_user and user.unit_id == assignment.unit_id
    return {
        "acks": [
            (k, AcknowledgeForm(prefix=f"ack{k.pk}") if mine and not k.acknowledged_on else None)
            for k in acks
        ],
        "today": dates.today(),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("supervision/_suggestion_supervision.html", takes_context=True)
def suggestion_supervision(context, suggestion):
    """The topics holding the suggestion and, for leaders and staff, the supervision links."""
    user = context["user"]
    return {
        "s": suggestion,
        "topics": selectors.suggestion_topics(user=user, suggestion=suggestion),
        "can_supervise": access.can_supervise(user),
        "kinds": ActionKind.choices,
    }
