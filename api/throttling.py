"""Request rates, read from settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] on every
request (DRF's own classes read them once at import, so tests could not change them)."""

from rest_framework import throttling
from rest_framework.settings import api_settings

from accounts.services import client_ip

from .models import ApiToken


class _LiveRates:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # The rate may have changed since __init__ (tests, settings reload).
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonThrottle(_LiveRates, throttling.AnonRateThrottle):
    scope = "anon"

    def get_ident(self, request):
        # The address the login lockout uses: only the trusted proxy's own hop counts.
        return client_ip(request) or ""


class UserThrottle(_LiveRates, throttling.UserRateThrottle):
    """Signed-in people (sessions); token requests are counted by TokenThrottle instead."""

    scope = "user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return None
        return super().get_cache_key(request, view)


class TokenThrottle(_LiveRates, throttling.SimpleRateThrottle):
    """Integrations get a stricter rate, counted per token."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
