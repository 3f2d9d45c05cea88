"""The congress a request acts in: the signed-in user's current one, else the default."""

from django.utils.functional import SimpleLazyObject

from . import context
from .models import Congress


class CongressMiddleware:
    """Sets `request.congress` and acts in it for the whole request (after authentication).
    An anonymous request acts in no congress until something asks (public pages ask
    `request.congress`; records it makes fall to the default), so it costs no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        congress_id = user.congress_id if user is not None and user.is_authenticated else None
        request.congress = SimpleLazyObject(
            lambda: Congress.objects.get(pk=congress_id or context.default_congress_id())
        )
        with context.acting_in(congress_id):
            return self.get_response(request)
