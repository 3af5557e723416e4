"""Tenants (one WhatsApp number / Evolution instance each), their members and API tokens.

Secrets that we must present to others (the Evolution instance token) or verify with (webhook secret,
JWT key) are stored as given; API tokens are stored only as a SHA-256 digest, so a database leak does
not leak usable tokens. None of these fields is ever returned by the API or written to a log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Tenant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    evolution_url = models.URLField(blank=True, help_text="Base URL of this tenant's Evolution API server.")
    evolution_instance = models.CharField(max_length=200, blank=True)
    evolution_token = models.CharField(max_length=500, blank=True, help_text="Instance API key (secret).")
    webhook_secret = models.CharField(max_length=200, default=new_webhook_secret)
    jwt_key = models.CharField(
        max_length=500, blank=True, help_text="HS256 key of Evolution's webhook JWT (Evolution >= 2.3.0)."
    )
    storage_quota_bytes = models.BigIntegerField(default=0, help_text="0 = the default quota setting.")
    # Counted by housekeeping (media.quota.record_usage); quota checks count live.
    storage_used_bytes = models.BigIntegerField(default=0)
    storage_counted_at = models.DateTimeField(null=True, blank=True)
    # A message the customer deleted for everyone: its bytes are purged at once (0), or kept this
    # many days for audit, readable by the tenant's admins only.
    deleted_media_retention_days = models.PositiveIntegerField(default=0)
    # View-once media: stored and shown blurred behind a tap that records who opened it (True), or
    # never stored (False: the agent sees that a view-once file came, not the file).
    store_view_once_media = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            # Evolution's webhook JWT names no instance: the key alone says whose webhook it is.
            models.UniqueConstraint(
                fields=["jwt_key"],
                condition=~models.Q(jwt_key=""),
                name="tenant_unique_jwt_key",
                violation_error_message="Another tenant already uses this JWT key; each needs its own.",
            )
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def effective_storage_quota_bytes(self) -> int:
        return self.storage_quota_bytes or settings.TENANT_DEFAULT_STORAGE_QUOTA_BYTES


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        AGENT = "agent", "Agent"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="membership_unique_user_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant}"


TOKEN_PREFIX = "cm_"  # noqa: S105 - a visible prefix, not a secret


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token of one member acting in one tenant (`Authorization: Token <key>`)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="api_tokens")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(max_length=12, editable=False, help_text="First characters, to tell apart.")
    name = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.key_hint}… ({self.membership})"

    @classmethod
    def issue(cls, membership: Membership, name: str = "") -> tuple[ApiToken, str]:
        """Create a token; the raw key is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            membership=membership, key_digest=hash_token(raw), key_hint=raw[:10], name=name
        )
        return token, raw
