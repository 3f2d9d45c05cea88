"""Login lockout: too many wrong passwords lock an account, or an address, for a while.

Failures are rows (`LoginFailure`), so every web process sees the same count without a
shared cache. A lock is lifted by time, or by a successful login after it expires.
"""

import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .models import LoginFailure


def _limits() -> tuple[int, int, timedelta]:
    portal = settings.PORTAL
    return (
        portal["LOGIN_MAX_FAILURES"],
        portal["LOGIN_MAX_FAILURES_PER_IP"],
        timedelta(minutes=portal["LOGIN_LOCKOUT_MINUTES"]),
    )


def login_locked_until(*, username: str, ip: str | None, now: datetime | None = None):
    """When the lock on this account or address ends, or None when a login may be tried."""
    now = now or timezone.now()
    per_user, per_ip, window = _limits()
    since = now - window
    username = (username or "").strip().lower()
    ends = []
    for field, value, limit in (("username", username, per_user), ("ip", ip, per_ip)):
        if not value:
            continue
        recent = list(
            LoginFailure.objects.filter(**{field: value}, at__gt=since)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            ends.append(recent[0] + window)
    return max(ends) if ends else None


def login_failed(*, username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=(username or "").strip().lower()[:150], ip=ip or None)


def login_succeeded(*, username: str) -> None:
    """A right password clears the account's failures (not the address's)."""
    LoginFailure.objects.filter(username=(username or "").strip().lower()).delete()


def client_ip(request) -> str | None:
    """The client's address as the outermost trusted proxy saw it, else REMOTE_ADDR.

    Each of the `TRUSTED_PROXY_COUNT` proxies appends the address it received the request from
    to X-Forwarded-For, so the client is that many entries from the right. Entries further
    left are whatever the client sent: trusting them would let a rotating header dodge the
    per-address lock, and a chosen one lock out someone else. A header with fewer entries, or
    an entry that is not an IP address, falls back to REMOTE_ADDR.
    """
    remote = _ip_or_none(request.META.get("REMOTE_ADDR"))
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    entries = [e.strip() for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(entries) < hops:
        return remote
    return _ip_or_none(entries[-hops]) or remote


def _ip_or_none(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def user_set_sms(*, user, phone: str, sms_opt_in: bool) -> None:
    """The user's own SMS settings (the form has checked the number)."""
    user.phone = phone
    user.sms_opt_in = sms_opt_in
    user.save(update_fields=["phone", "sms_opt_in"])
