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
    # Last time store_blob handed this row to a writer that found the bytes already stored: that
    # writer refers to it a moment later, so releasing it waits (MEDIA_BLOB_REUSE_GRACE_SECONDS).
    reused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "sha256"], name="blob_unique_tenant_sha256")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} B)"


class Upload(models.Model):
    """A browser upload of an outgoing attachment, from the first presigned URL until it is verified.

    The bytes go straight from the browser to storage under `storage_key` (never a user-supplied name);
    `multipart_id` is the storage's multipart upload id for files above the threshold. The row is
    deleted once the file is verified and stored content-addressed, or when the upload is cancelled
    or abandoned (housekeeping aborts it and deletes whatever arrived).
    """

    attachment = models.OneToOneField("chat.Attachment", on_delete=models.CASCADE, related_name="upload")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    storage_key = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=255, help_text="Signed into the upload URL.")
    size = models.BigIntegerField(help_text="Declared by the client; checked at completion.")
    multipart_id = models.CharField(max_length=1024, blank=True)
    part_size = models.BigIntegerField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["completed_at", "created_at"], name="upload_pending")]

    def __str__(self) -> str:
        return f"upload {self.attachment_id}"

    @property
    def part_count(self) -> int:
        return -(-self.size // self.part_size) if self.part_size else 1


class TenantStorage(Tenant):
    """A tenant seen from its storage (the Django admin's "Storage" page: media.admin); no table."""

    class Meta:
        proxy = True
        verbose_name = "tenant storage"
        verbose_name_plural = "storage per tenant"
