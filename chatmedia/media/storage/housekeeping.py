"""Periodic clean-up of media storage (Celery beat runs `media.housekeeping` every
HOUSEKEEPING_INTERVAL_SECONDS; `make run` runs beat inside the web process).

- Abandoned uploads: not completed within UPLOAD_ABANDONED_AFTER_SECONDS → multipart aborted, the
  bytes deleted, the pending message removed (browsers get `message.deleted`).
- Orphaned uploads: objects under a tenant's `incoming/` prefix, and multipart uploads, that no
  Upload row knows (a cancelled PUT that landed late, a crash between steps), once older than
  ORPHAN_GRACE_SECONDS.
- Orphaned blobs: Blob rows nothing refers to any more (a race, a crash between storing and
  recording), older than ORPHAN_GRACE_SECONDS: row and object deleted. Deleting a message releases
  its blobs at once (`media.storage.lifecycle`); this only catches leftovers.
- Usage: every tenant's stored bytes recorded on the tenant (`quota.record_usage`).
Each step logs what it did and is safe to run concurrently with itself and with traffic.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia.media.models import Blob, Upload
from chatmedia.media.storage import StorageError, media_storage, quota
from chatmedia.media.storage.blobs import references, release_blob
from chatmedia.media.storage.keys import incoming_prefix
from chatmedia.media.uploads import direct as uploads
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def expire_uploads(now=None) -> int:
    """Delete uploads never completed within UPLOAD_ABANDONED_AFTER_SECONDS; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS)
    expired = 0
    for upload_id in Upload.objects.filter(completed_at__isnull=True, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            upload = (
                Upload.objects.select_for_update(of=("self",))
                .select_related("attachment__message")
                .filter(pk=upload_id, completed_at__isnull=True)
                .first()
            )
            if upload is None:
                continue
            key, multipart_id = upload.storage_key, upload.multipart_id
            message = upload.attachment.message
            if message is not None:
                uploads.discard_message(message)
            else:
                upload.attachment.delete()
            transaction.on_commit(lambda k=key, m=multipart_id: uploads.delete_upload_bytes(k, m))
        expired += 1
    return expired


def sweep_incoming(now=None) -> int:
    """Delete upload objects and multipart uploads no Upload row knows; returns how many."""
    storage = media_storage()
    cutoff = (now or timezone.now()).timestamp() - settings.ORPHAN_GRACE_SECONDS
    removed = 0
    for tenant_id in Tenant.objects.values_list("pk", flat=True):
        prefix = incoming_prefix(tenant_id)
        live = dict(Upload.objects.filter(tenant_id=tenant_id).values_list("storage_key", "multipart_id"))
        try:
            for key, upload_id, started in list(storage.list_multipart(prefix)):
                if started < cutoff and live.get(key) != upload_id:
                    storage.abort_multipart(key, upload_id)
                    removed += 1
        except StorageError as exc:  # e.g. a server without ListMultipartUploads: lifecycle rules do it
            logger.info("multipart uploads of tenant %s not listed: %s", tenant_id, exc)
        for key, modified in list(storage.list_keys(prefix)):
            if modified < cutoff and key not in live:
                storage.delete(key)
                removed += 1
    return removed


def release_orphan_blobs(now=None) -> int:
    """Delete Blobs (rows and objects) nothing refers to, once older than ORPHAN_GRACE_SECONDS."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.ORPHAN_GRACE_SECONDS)
    orphans = Blob.objects.filter(created_at__lt=cutoff)
    for model, field in references():
        orphans = orphans.exclude(pk__in=model.objects.filter(**{f"{field}__isnull": False}).values(field))
    released = 0
    for blob in orphans.iterator():
        if release_blob(blob):  # checks the references again under a row lock
            released += 1
    return released


# Steps of other apps (their AppConfig.ready registers them: media imports neither chat nor whatsapp
# for this): name -> callable returning what it did.
_EXTRA_STEPS: dict[str, object] = {}


def register(name: str, step) -> None:
    _EXTRA_STEPS[name] = step


def run() -> dict:
    """Every step once; a step that fails is logged and the others still run."""
    report = {}
    for name, step in (
        ("uploads_expired", expire_uploads),
        ("incoming_removed", sweep_incoming),
        *_EXTRA_STEPS.items(),
        ("blobs_released", release_orphan_blobs),
        ("tenants_counted", quota.record_usage),
    ):
        started = time.monotonic()
        try:
            report[name] = step()
        except Exception:
            logger.exception("housekeeping step %s failed", name)
            report[name] = None
        logger.info("housekeeping %s: %s in %.0f ms", name, report[name], (time.monotonic() - started) * 1000)
    return report
