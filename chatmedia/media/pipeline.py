"""The step both directions share: verified bytes in → stored original (+ renditions) → ready.

`store_original` runs wherever the bytes are (the webhook for inline media, a worker otherwise):
it detects the real type from the bytes and stores them content-addressed (the same bytes forwarded
to three chats are one Blob). `complete` runs in a worker: it is where renditions and metadata are
made (media processing plugs in here), then the attachment becomes `ready` and the browser is told,
after the transaction commits. `fail` records a machine code and a human reason.
All three are idempotent: a redelivered task finds the attachment ready and does nothing.
"""

from __future__ import annotations

import logging
from typing import BinaryIO

from django.db import transaction
from django.utils import timezone

from chatmedia.chat.models import Attachment
from chatmedia.media.blobs import store_blob
from chatmedia.media.filenames import default_file_name, extension_for, safe_file_name
from chatmedia.media.models import Blob
from chatmedia.media.sniff import detect_file_mime_type
from chatmedia.realtime import events
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def store_original(tenant: Tenant, file: BinaryIO) -> Blob:
    mime_type = detect_file_mime_type(file)
    return store_blob(tenant, file, mime_type)


def _file_name(attachment: Attachment, mime_type: str) -> str:
    name = safe_file_name(attachment.file_name)
    if not name:
        return default_file_name(attachment.category, mime_type, attachment.created_at or timezone.now())
    if "." not in name:
        name += extension_for(mime_type)
    return name


def complete(attachment_id, blob: Blob) -> Attachment | None:
    """Attach `blob` as the original and mark the attachment ready (once)."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.status == Attachment.Status.READY:
            return attachment
        attachment.original = blob
        attachment.mime_type = blob.content_type
        attachment.size = blob.size
        attachment.file_name = _file_name(attachment, blob.content_type)
        attachment.status = Attachment.Status.READY
        attachment.error_code = attachment.error_message = ""
        attachment.save()
        events.attachment_changed(attachment)
    return attachment


def fail(attachment_id, code: str, message: str) -> Attachment | None:
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.status in (Attachment.Status.READY, Attachment.Status.FAILED):
            return attachment
        attachment.status = Attachment.Status.FAILED
        attachment.error_code = code[:64]
        attachment.error_message = message[:500]
        attachment.save(update_fields=["status", "error_code", "error_message", "updated_at"])
        events.attachment_changed(attachment)
    logger.info("attachment %s failed: %s: %s", attachment_id, code, message)
    return attachment
