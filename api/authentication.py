"""Token authentication for integrations: `Authorization: Bearer dp_…`.

Browsers use the session (with CSRF, as DRF's SessionAuthentication enforces).
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from congresses import context

from .models import ApiToken, token_hash

KEYWORD = "Bearer"
# Recording every use would write a row per request; once a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确", code="bad_token_header")
        try:
            raw = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(
                "令牌格式不正确", code="bad_token_header"
            ) from None
        token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_hash(raw), revoked_at=None)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已吊销", code="invalid_token")
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at=None) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
        # The token's congress, for this request only (never saved on the user).
        token.user.congress_id = token.congress_id
        context.enter(token.congress_id)
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to unauthenticated requests.
        return KEYWORD


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "工作人员在“接口令牌”页面签发的令牌:Authorization: Bearer dp_…",
        }
