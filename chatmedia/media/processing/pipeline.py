"""The step both directions share: verified bytes in → checked, processed, stored → ready or failed.

`process` runs in a worker. It takes the bytes just fetched (or the original already stored, when
the webhook carried them inline), puts them in a scratch directory, runs `processing.inspect`
(type from the bytes, category limits, renditions and metadata in an isolated process), then
stores the original and each rendition content-addressed (the same bytes forwarded to three chats
are one Blob) and marks the attachment `ready`; the browser is told after the transaction commits,
and a recording's transcript is queued when transcription is on (media.transcription).
A refused file (wrong type, too large, empty, script inside a picture) is never stored: the
attachment becomes `failed` with a machine code and a human reason.
`store_original` is the webhook's shortcut for inline media: it only stores the bytes.
Everything here is idempotent: a redelivered task finds the attachment ready and does nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from typing import BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media import playback
from chatmedia.media.filenames import default_file_name, extension_for, safe_file_name
from chatmedia.media.models import Blob
from chatmedia.media.policy import MediaPolicy, Refusal
from chatmedia.media.processing import inspection as processing
from chatmedia.media.processing import scanning
from chatmedia.media.processing.sniff import detect_file_mime_type
from chatmedia.media.serving import cache
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.blobs import release_blob, settle, store_blob
from chatmedia.media.transcription import service as transcription
from chatmedia.ops import metrics
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


def _copy_to(path: str, stream: BinaryIO) -> None:
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)  # a spool just written; storage streams start at 0 and cannot seek
    with open(path, "wb") as target:
        shutil.copyfileobj(stream, target, settings.MEDIA_STREAM_CHUNK_BYTES)


def process(
    attachment_id, file: BinaryIO | None = None, policy: MediaPolicy | None = None
) -> Attachment | None:
    """Process `file` (or the stored original when None) and finish the attachment, once.
    `policy`: the rules to apply (default: incoming media's)."""
    attachment = Attachment.objects.select_related("tenant", "original").filter(pk=attachment_id).first()
    if attachment is None or attachment.status in (Attachment.Status.READY, Attachment.Status.FAILED):
        return attachment
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chatmedia-") as scratch:
        source = os.path.join(scratch, "original")
        if file is not None:
            _copy_to(source, file)
        else:
            with media_storage().open(attachment.original.storage_key) as stored:
                _copy_to(source, stored)
        checked = check_and_store(
            attachment.tenant,
            source,
            policy or MediaPolicy.from_settings(),
            scratch,
            category=attachment.category,
            declared_type=attachment.declared_mime_type,
            file_name=attachment.file_name,
            declared_duration=(attachment.metadata or {}).get("duration"),
            original=attachment.original,
        )
        if isinstance(checked, Refusal):
            return fail(attachment.pk, checked.code, checked.message, release_original=True)
        original, inspection, renditions = checked
    finished = _finish(attachment.pk, original, inspection, renditions)
    logger.info(
        "attachment ready in %.0f ms (%s, %d bytes, renditions: %s)",
        (time.monotonic() - started) * 1000,
        inspection.mime_type,
        inspection.size,
        ",".join(renditions) or "none",
        extra={"category": inspection.category, "size": inspection.size},
    )
    return finished


def check_and_store(
    tenant: Tenant,
    source: str,
    policy: MediaPolicy,
    scratch: str,
    *,
    category: str,
    declared_type: str = "",
    file_name: str = "",
    declared_duration=None,
    original: Blob | None = None,
) -> tuple[Blob, processing.Inspection, dict] | Refusal:
    """Every check on the file at `source` (type from the bytes, the kind's limits, renditions and
    metadata in the isolated process, then the virus scan), then the original (unless already
    stored) and each rendition stored content-addressed: (original, inspection, {variant: (blob,
    rendition)}); or the Refusal, with nothing stored."""
    out_dir = os.path.join(scratch, "renditions")
    os.makedirs(out_dir, exist_ok=True)
    with metrics.phase("process"):
        inspection = processing.inspect(
            source,
            policy,
            out_dir,
            category=category,
            declared_type=declared_type,
            file_name=file_name,
            declared_duration=declared_duration,
        )
    if not inspection.ok:
        return Refusal(inspection.error_code, inspection.error)
    refused = scanning.scan(source)
    if refused is not None:
        return refused
    with metrics.phase("store"):
        with open(source, "rb") as original_file:
            original = original or store_blob(tenant, original_file, inspection.mime_type)
        renditions = {}
        for variant, rendition in inspection.renditions.items():
            with open(rendition.path, "rb") as rendition_file:
                renditions[variant] = (store_blob(tenant, rendition_file, rendition.mime_type), rendition)
    return original, inspection, renditions


def _finish(attachment_id, original: Blob, inspection: processing.Inspection, renditions: dict) -> Attachment:
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().get(pk=attachment_id)
        if attachment.status == Attachment.Status.READY:
            return attachment
        for variant, (blob, rendition) in renditions.items():
            Rendition.objects.update_or_create(
                attachment=attachment,
                variant=variant,
                defaults={"blob": blob, "width": rendition.width, "height": rendition.height},
            )
        attachment.original = original
        attachment.mime_type = inspection.mime_type
        attachment.size = original.size
        attachment.file_name = _file_name(attachment, inspection.mime_type)
        # What the sender's app claimed (WhatsApp's width, seconds, waveform) only fills gaps.
        attachment.metadata = {**attachment.metadata, **inspection.metadata}
        attachment.searchable_text = inspection.text  # found by search (chat.search), never served
        attachment.status = Attachment.Status.READY
        attachment.error_code = attachment.error_message = ""
        if transcription.wanted(attachment) and not attachment.transcript_status:
            transcription.mark_pending(attachment)  # a voice note's text follows (media.transcribe)
        attachment.save()
        settle(original, *(blob for blob, _ in renditions.values()))
        events.attachment_changed(attachment)
        playback.queue_if_wanted(attachment)  # a video browsers cannot play gets its copy later
    metrics.upload_finished(
        _direction(attachment), True, (timezone.now() - attachment.created_at).total_seconds()
    )
    return attachment


def _direction(attachment: Attachment) -> str:
    if attachment.message_id is None:
        return "incoming"
    direction = Message.objects.filter(pk=attachment.message_id).values_list("direction", flat=True).first()
    return "outgoing" if direction == Message.Direction.OUTGOING else "incoming"


def fail(attachment_id, code: str, message: str, *, release_original: bool = False) -> Attachment | None:
    """Mark the attachment failed; `release_original`: the stored bytes were refused, drop them."""
    refused = None
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.status in (Attachment.Status.READY, Attachment.Status.FAILED):
            return attachment
        attachment.status = Attachment.Status.FAILED
        attachment.error_code = code[:64]
        attachment.error_message = message[:500]
        fields = ["status", "error_code", "error_message", "updated_at"]
        if release_original and attachment.original is not None:
            refused, attachment.original = attachment.original, None
            fields.append("original")
        attachment.save(update_fields=fields)
        events.attachment_changed(attachment)
        # Nothing is served or cached before `ready`; dropped all the same, in every tier we reach.
        transaction.on_commit(lambda: cache.forget_attachment(attachment_id), robust=True)
    metrics.upload_finished(_direction(attachment), False)
    if refused is not None:
        release_blob(refused)
    logger.info(
        "attachment failed: %s: %s",
        code,
        message,
        extra={"attachment": str(attachment_id), "error_code": code},
    )
    return attachment
