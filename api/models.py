"""API tokens for integrations (直通车, the deputies' app, the office system).

Only a SHA-256 hash of each token is stored: the table can be read (backups, admin, audits)
without handing out working credentials. The token itself is shown once, when issued.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

from congresses.fields import owner

TOKEN_PREFIX = "dp_"


def token_hash(raw: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough (nothing to brute-force).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    name = models.CharField("名称", max_length=100, help_text="如:12345热线直通车")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="所属用户",
        on_delete=models.PROTECT,
        related_name="api_tokens",
        help_text="令牌以该用户的身份和权限访问接口",
    )
    # A token acts in this congress only, whichever congress its user has switched to.
    congress = owner()
    # The first characters of the token, so people can tell tokens apart without the secret.
    prefix = models.CharField("前缀", max_length=16)
    digest = models.CharField("摘要", max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("签发时间", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签发人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="吊销人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name}({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
