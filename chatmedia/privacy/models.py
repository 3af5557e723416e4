"""The audit log: who viewed, downloaded, forwarded, deleted or exported which media, when and from where.

Rows are only ever added (`privacy.audit_log`) and, past AUDIT_LOG_RETENTION_DAYS, deleted by
housekeeping; nothing updates one (a database trigger refuses it, migration 0001). So the row names
its actor by id and by the name it had then — no foreign key a user's deletion would rewrite — and
names the media by id only: a removed file or an erased customer leaves the row intact, and the row
holds nothing of the customer's content (no file name, no text, no number).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", "viewed"
        DOWNLOAD = "download", "downloaded"
        FORWARD = "forward", "forwarded"
        DELETE = "delete", "deleted"
        EXPORT = "export", "exported"

    class Via(models.TextChoices):
        SIGNED_URL = "signed_url", "signed link"
        SESSION = "session", "web chat session"
        TOKEN = "token", "API token"
        API = "api", "API request"
        ZIP = "zip", "conversation zip"
        EXPORT = "export", "customer export"
        RETENTION = "retention", "retention policy"
        ERASURE = "erasure", "customer erasure"

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey("tenancy.Tenant", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=Action.choices)
    via = models.CharField(max_length=16, choices=Via.choices)
    # Who: the user's id and name at the time (null: the system, or a signed link opened without a
    # session — then the address and browser below are what is known).
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150, blank=True)
    # What: ids only (the rows they name may be gone).
    attachment_id = models.UUIDField(null=True, blank=True)
    message_id = models.UUIDField(null=True, blank=True)
    conversation_id = models.UUIDField(null=True, blank=True)
    variant = models.CharField(max_length=16, blank=True)
    category = models.CharField(max_length=16, blank=True)
    # From where.
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-at"], name="audit_tenant_at"),
            models.Index(fields=["tenant", "attachment_id"], name="audit_tenant_attachment"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        who = self.actor_name or "system"
        return f"{who} {self.action} {self.attachment_id or ''} at {self.at:%Y-%m-%d %H:%M}"
