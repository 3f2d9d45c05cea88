from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread_notifications(request):
    """The nav's unread badge. The request's user arrives with the count
    (notifications.backends); any other user is counted only if a template shows it."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    count = getattr(user, "unread_notifications_count", None)
    if count is None:
        count = SimpleLazyObject(lambda: unread_count(user=user))
    return {"unread_notifications": count}
