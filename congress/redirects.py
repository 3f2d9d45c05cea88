"""Where a `next` parameter may send the user: back into this site only."""

from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, fallback: str) -> str:
    """The request's `next` (POST, then GET) when it points into this site, else `fallback`.

    Off-site and scheme-relative targets (`https://evil.invalid/`, `//evil.invalid/`) are
    refused, and so is plain HTTP when the request came over HTTPS. Django's login and logout
    views apply the same check to their own `next`.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
