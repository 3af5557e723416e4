"""Per-tenant storage: what is used, what is on its way, and whether one more file fits.

Used = every Blob of the tenant (each stored object once: forwarded media and renditions are not
counted twice). On its way = declared sizes of uploads not completed yet, so ten uploads started at
once cannot each squeeze under the quota. The check counts live (one indexed SUM); housekeeping
also records the figure on the tenant (`record_usage`) for the usage endpoint and metrics.

`breakdown(tenant)` — where the bytes are, for the tenant's admins (API and Django admin): per
media kind (each object once per kind: an original and its renditions), avatars and quick replies,
and the conversations holding the most (original + renditions of their files; a file used twice in
one chat counts twice there, once in the tenant's total).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
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


# Conversations listed in a breakdown, biggest first.
TOP_CONVERSATIONS = 10


def _distinct_bytes(queryset_of_blobs) -> int:
    return queryset_of_blobs.aggregate(total=Sum("size"))["total"] or 0


def breakdown(tenant: Tenant, top: int = TOP_CONVERSATIONS) -> dict:
    from chatmedia.chat.models import Attachment, Conversation, QuickReplyFile, QuickReplyRendition, Rendition
    from chatmedia.media import kinds

    blobs = Blob.objects.filter(tenant=tenant)
    by_category = {}
    for name in kinds.NAMES:
        of_kind = Attachment.objects.filter(tenant=tenant, category=name)
        used = Q(pk__in=of_kind.values("original_id")) | Q(
            pk__in=Rendition.objects.filter(attachment__in=of_kind).values("blob_id")
        )
        by_category[name] = _distinct_bytes(blobs.filter(used))
    by_category["avatars"] = _distinct_bytes(
        blobs.filter(pk__in=Conversation.objects.filter(tenant=tenant).values("avatar_id"))
    )
    replies = Q(pk__in=QuickReplyFile.objects.filter(quick_reply__tenant=tenant).values("blob_id")) | Q(
        pk__in=QuickReplyRendition.objects.filter(file__quick_reply__tenant=tenant).values("blob_id")
    )
    by_category["quick_replies"] = _distinct_bytes(blobs.filter(replies))
    renditions = (
        Rendition.objects.filter(attachment__conversation=OuterRef("pk"))
        .order_by()
        .values("attachment__conversation")
        .annotate(total=Sum("blob__size"))
        .values("total")
    )
    originals = (
        Attachment.objects.filter(conversation=OuterRef("pk"))
        .order_by()
        .values("conversation")
        .annotate(total=Sum("original__size"))
        .values("total")
    )
    conversations = (
        Conversation.objects.filter(tenant=tenant)
        .annotate(
            media_bytes=Coalesce(Subquery(originals), 0) + Coalesce(Subquery(renditions), 0),
        )
        .filter(media_bytes__gt=0)
        .order_by("-media_bytes", "pk")[:top]
    )
    return {
        **usage(tenant).as_json(),
        "by_category": by_category,
        "top_conversations": [
            {"id": str(c.pk), "name": c.display_name or c.remote_jid, "bytes": c.media_bytes}
            for c in conversations
        ],
    }


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
