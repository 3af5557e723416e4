"""Stored bytes. A Blob is one object in storage, addressed by its content hash within a tenant.

Forwarded media (the same bytes in several chats) is one Blob referenced by several attachments.
Rows hold storage keys, never URLs: URLs are minted per response because signed URLs expire.
"""

from __future__ import annotations

from django.db import models

from chatmedia.tenancy.models import Tenant


class Blob(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="blobs")
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField()
    content_type = models.CharField(max_length=255)
    storage_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "sha256"], name="blob_unique_tenant_sha256")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} B)"
