"""Per-tenant storage: what is used, what is on its way, and whether one more file fits.

Used = every Blob of the tenant (each stored object once: forwarded media and renditions are not
counted twice). On its way = declared sizes of uploads not completed yet, so ten uploads started at
once cannot each squeeze under the quota. The check counts live (one indexed SUM); housekeeping
also records the figure on the tenant (`record_usage`) for the usage endpoint and metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum
from django.utils import timezone

from chatmedia.media.models import Blob, Upload
from chatmedia.tenancy.models import Tenant


@dataclass(frozen=True)
class Usage:
    stored_bytes: int
    uploading_bytes: int
    quota_bytes: int

    @property
    def free_bytes(self) -> int:
        return max(0, self.quota_bytes - self.stored_bytes - self.uploading_bytes)

    def as_json(self) -> dict:
        return {
            "stored_bytes": self.stored_bytes,
            "uploading_bytes": self.uploading_bytes,
            "quota_bytes": self.quota_bytes,
            "free_bytes": self.free_bytes,
        }


def usage(tenant: Tenant) -> Usage:
    stored = Blob.objects.filter(tenant=tenant).aggregate(total=Sum("size"))["total"] or 0
    uploading = (
        Upload.objects.filter(tenant=tenant, completed_at__isnull=True).aggregate(total=Sum("size"))["total"]
        or 0
    )
    return Usage(stored, uploading, tenant.effective_storage_quota_bytes)


def record_usage() -> int:
    """Store every tenant's current usage on the tenant row; returns how many tenants were counted."""
    counted = 0
    for tenant in Tenant.objects.all().iterator():
        stored = usage(tenant).stored_bytes
        Tenant.objects.filter(pk=tenant.pk).update(
            storage_used_bytes=stored, storage_counted_at=timezone.now()
        )
        counted += 1
    return counted
