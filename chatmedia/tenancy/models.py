"""Tenants, their members and API tokens, and their WhatsApp connections (one per number).

A connection's credentials — what we present to the provider (Evolution's instance token, Meta's
access token) or verify its webhooks with (webhook secret, JWT key, app secret, verify token) — are
encrypted at rest (`credentials`, CREDENTIALS_KEY); lookups by a secret use its digest. API tokens
are stored only as a SHA-256 digest. None of these is ever returned by the API or written to a log.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. America/Sao_Paulo)") from exc


class Tenant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=63, unique=True)
    name = models.CharField(max_length=200)
    storage_quota_bytes = models.BigIntegerField(default=0, help_text="0 = the default quota setting.")
    # Counted by housekeeping (media.storage.quota.record_usage); quota checks count live.
    storage_used_bytes = models.BigIntegerField(default=0)
    storage_counted_at = models.DateTimeField(null=True, blank=True)
    # A message the customer deleted for everyone: its bytes are purged at once (0), or kept this
    # many days for audit, readable by the tenant's admins only.
    deleted_media_retention_days = models.PositiveIntegerField(default=0)
    # Who may remove a file or a message's files for everyone in the tenant (LGPD requests,
    # privacy.removal): the tenant's admins always; its agents too when this is on.
    agents_may_remove_media = models.BooleanField(default=False)
    # Media kept this many days per kind ({"voice": 90, "document": 1825}); a kind not named, or 0,
    # is kept until someone removes it. Housekeeping removes older files (privacy.retention).
    # Erasing a customer (privacy.erasure) deletes their messages (False), or keeps each message's
    # time, direction and status without any content, when a law requires that record (True).
    erasure_keeps_metadata = models.BooleanField(default=False)
    media_retention_days = models.JSONField(
        default=dict, blank=True, help_text='Days per media kind, e.g. {"voice": 90, "document": 1825}.'
    )
    # View-once media: stored and shown blurred behind a tap that records who opened it (True), or
    # never stored (False: the agent sees that a view-once file came, not the file).
    store_view_once_media = models.BooleanField(default=True)
    # Where the team works: the web chat's dates ("Hoje", "Ontem", weekdays) are in this zone.
    time_zone = models.CharField(max_length=64, default=default_time_zone, validators=[validate_time_zone])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug

    def clean(self) -> None:
        # Kinds are the media app's (privacy.retention ignores a name it does not know); here the shape.
        days = self.media_retention_days
        if not isinstance(days, dict) or any(
            not isinstance(value, int) or isinstance(value, bool) or value < 0 for value in days.values()
        ):
            message = 'Whole numbers of days per media kind (0 = forever), e.g. {"voice": 90}.'
            raise ValidationError({"media_retention_days": message})

    @property
    def effective_storage_quota_bytes(self) -> int:
        return self.storage_quota_bytes or settings.TENANT_DEFAULT_STORAGE_QUOTA_BYTES


class Connection(models.Model):
    """One WhatsApp number of a tenant, reached through one provider.

    Credentials per provider (keys of the encrypted `credentials` object):
    - evolution: `token` (instance API key), `webhook_secret` (path segment), `jwt_key` (HS256 key
      of Evolution >= 2.3 webhook JWTs, optional);
    - cloud: `access_token` (Graph API bearer), `app_secret` (X-Hub-Signature-256 key),
      `verify_token` (the webhook GET verification).
    """

    class Provider(models.TextChoices):
        EVOLUTION = "evolution", "Evolution API"
        CLOUD = "cloud", "WhatsApp Cloud API"

    class Status(models.TextChoices):
        UNKNOWN = "unknown", "Not known yet"
        CONNECTED = "connected", "Connected"
        DISCONNECTED = "disconnected", "Disconnected"
        AUTH_ERROR = "auth_error", "Credentials refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.EVOLUTION)
    name = models.CharField(max_length=100, help_text="What agents see: Vendas, Suporte, Cobrança…")
    phone = models.CharField(max_length=32, blank=True, help_text="The number, digits only (E.164).")
    # Not secret: where the provider is (set by an operator, never by a webhook).
    evolution_url = models.URLField(blank=True, help_text="Base URL of the Evolution API server.")
    evolution_instance = models.CharField(max_length=200, blank=True)
    graph_url = models.URLField(blank=True, help_text="Graph API base URL (empty: Meta's).")
    phone_number_id = models.CharField(max_length=64, blank=True, help_text="Meta's phone number id.")
    credentials = models.TextField(blank=True, editable=False)
    webhook_secret_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    jwt_key_digest = models.CharField(max_length=64, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.UNKNOWN)
    status_detail = models.CharField(max_length=300, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "created_at"]
        constraints = [
            # Evolution's webhook JWT names no instance: the key alone says whose webhook it is.
            models.UniqueConstraint(
                fields=["jwt_key_digest"],
                condition=~models.Q(jwt_key_digest=""),
                name="connection_unique_jwt_key",
                violation_error_message="Another connection already uses this JWT key; each needs its own.",
            ),
            models.UniqueConstraint(
                fields=["phone_number_id"],
                condition=~models.Q(phone_number_id=""),
                name="connection_unique_phone_number_id",
                violation_error_message="Another connection already uses this phone number id.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant.slug} · {self.name}"

    def mark(self, status: str, detail: str = "") -> None:
        """Record what the provider said about the number (a refused token, a reconnect); a write
        only when it changes."""
        from django.utils import timezone

        changed = Connection.objects.filter(pk=self.pk).exclude(status=status, status_detail=detail[:300])
        if changed.update(status=status, status_detail=detail[:300], status_changed_at=timezone.now()):
            self.status, self.status_detail = status, detail[:300]

    @property
    def can_send(self) -> bool:
        """Configured enough to call the provider (whether it answers is another matter)."""
        if self.provider == self.Provider.CLOUD:
            return bool(self.phone_number_id and self.secret("access_token"))
        return bool(self.evolution_url and self.evolution_instance and self.secret("token"))

    def secrets(self) -> dict[str, str]:
        from chatmedia.tenancy import credentials

        return credentials.decrypt(self.credentials)

    def secret(self, name: str) -> str:
        return self.secrets().get(name, "")

    def set_secrets(self, **values: str) -> None:
        """Replace the named secrets (others stay); "" removes one. Call save() after."""
        from chatmedia.tenancy import credentials

        current = {**self.secrets(), **values}
        current = {key: value for key, value in current.items() if value}
        self.credentials = credentials.encrypt(current)
        self.webhook_secret_digest = credentials.digest(current.get("webhook_secret", ""))
        self.jwt_key_digest = credentials.digest(current.get("jwt_key", ""))


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

    @property
    def may_remove_media(self) -> bool:
        """May remove a file for everyone (LGPD requests; privacy.removal): the tenant's admins, its
        agents when the tenant allows it."""
        return self.role == self.Role.ADMIN or self.tenant.agents_may_remove_media


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
