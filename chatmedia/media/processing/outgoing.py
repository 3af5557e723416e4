"""A verified browser upload → the file WhatsApp gets → stored content-addressed → attachment ready.

Runs in the `media_upload` worker before the send (`whatsapp.tasks.send_outgoing`). The uploaded
object is copied to a scratch directory; voice notes are converted to Ogg/Opus, pictures over
WhatsApp's limits recompressed and videos that are not WhatsApp-ready converted to H.264 + AAC
MP4 that fits (in the isolated processing process; browsers hear the conversion's progress as
`attachment.progress`); a video too long to fit at an acceptable quality is refused
(`video_too_long`) with its upload kept, so the agent may send it as a document
(`send_as_document`); then the shared pipeline
checks the whole file again, makes the renditions and stores it. The stored original of an
outgoing attachment is exactly what WhatsApp receives, so what the agent sees in the chat is what
the customer got; when that is a converted copy, the agent's own file is kept beside it as the
`source` rendition (after the same type, markup and virus checks; served as a download), so nothing
the agent chose is lost. The upload object is deleted once the attachment is ready (or refused).
Idempotent: a redelivered task finds the attachment ready and does nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time

from django.conf import settings
from django.db import transaction

from chatmedia import jobs
from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media.filenames import extension_for
from chatmedia.media.models import Blob, Upload
from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import conversion, inspection, pipeline, scanning
from chatmedia.media.storage import ObjectNotFound, StorageError, media_storage
from chatmedia.media.storage.blobs import release_blob, settle, store_blob
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

# How often the browsers hear how far a conversion has come.
PROGRESS_EVERY_SECONDS = 1.0
# Refusals after which the upload stays: the agent may send the same file as a document.
KEEPS_UPLOAD = frozenset({"video_too_long"})


def _renamed(file_name: str, mime_type: str) -> str:
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    return f"{stem or 'file'}{extension_for(mime_type)}"


def _drop_upload(attachment_id) -> None:
    upload = Upload.objects.filter(attachment_id=attachment_id).first()
    if upload is None:
        return
    try:
        media_storage().delete(upload.storage_key)
    except StorageError as exc:  # housekeeping's sweep of incoming/ deletes it later
        logger.warning("could not delete the upload object of %s: %s", attachment_id, exc)
    upload.delete()


class _ProgressWatch:
    """Tells the browsers how far a conversion in the isolated process has come: reads the fraction
    it writes to `scratch/PROGRESS_FILE` every PROGRESS_EVERY_SECONDS, sends `attachment.progress`."""

    def __init__(self, attachment: Attachment, scratch: str) -> None:
        self.attachment, self.path = attachment, os.path.join(scratch, conversion.PROGRESS_FILE)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="conversion-progress", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=2)

    def _run(self) -> None:
        told = None
        while not self.stop.wait(PROGRESS_EVERY_SECONDS):
            try:
                with open(self.path) as file:
                    fraction = float(file.read() or 0)
            except (OSError, ValueError):
                continue
            if fraction != told:
                told = fraction
                try:
                    events.attachment_progress(self.attachment, "converting", fraction)
                except Exception:  # telling is best effort; the conversion goes on
                    logger.warning("could not tell the conversion's progress", exc_info=True)


def prepare(attachment_id, *, video_max_bytes: int | None = None) -> Attachment | None:
    """Make the attachment ready to send (or failed with the reason). StorageError: try again later.
    `video_max_bytes`: the number's provider's limit for videos (when lower than ours)."""
    attachment = Attachment.objects.select_related("tenant").filter(pk=attachment_id).first()
    if attachment is None or attachment.status in (Attachment.Status.READY, Attachment.Status.FAILED):
        return attachment
    upload = Upload.objects.filter(attachment=attachment).first()
    if upload is None:
        return pipeline.fail(attachment.pk, "not_uploaded", "the uploaded file is gone; send it again")
    started = time.monotonic()
    policy = MediaPolicy.for_uploads()
    with tempfile.TemporaryDirectory(prefix="chatmedia-send-") as scratch:
        source = os.path.join(scratch, "upload")
        try:
            with media_storage().open(upload.storage_key) as stored, open(source, "wb") as target:
                shutil.copyfileobj(stored, target, settings.MEDIA_STREAM_CHUNK_BYTES)
        except ObjectNotFound:
            _drop_upload(attachment.pk)
            return pipeline.fail(attachment.pk, "not_uploaded", "the uploaded file is gone; send it again")
        with _ProgressWatch(attachment, scratch):
            made = conversion.make_sendable(
                source, attachment.category, policy, scratch, max_bytes=video_max_bytes
            )
        if made.refusal is not None:
            if made.refusal.code not in KEEPS_UPLOAD:
                _drop_upload(attachment.pk)
            return pipeline.fail(attachment.pk, made.refusal.code, made.refusal.message)
        path, kept = source, None
        if made.file is not None:
            kept = _keep_source(attachment, source, policy)
            path = made.file.path
            attachment.declared_mime_type = made.file.mime_type
            attachment.file_name = _renamed(attachment.file_name, made.file.mime_type)
            attachment.category = made.category or attachment.category  # a GIF is now a video
            Attachment.objects.filter(pk=attachment.pk).update(
                declared_mime_type=attachment.declared_mime_type,
                file_name=attachment.file_name,
                category=attachment.category,
            )
            logger.info(
                "attachment %s converted for WhatsApp: %d → %d bytes (%s)",
                attachment.pk,
                upload.size,
                made.file.bytes,
                made.file.mime_type,
            )
        with open(path, "rb") as file:
            finished = pipeline.process(attachment.pk, file, policy)
    if kept is not None:
        _attach_source(attachment.pk, kept)
    if finished is not None and finished.status in (Attachment.Status.READY, Attachment.Status.FAILED):
        _drop_upload(attachment.pk)
    logger.info("attachment %s prepared in %.0f ms", attachment_id, (time.monotonic() - started) * 1000)
    return finished


def _keep_source(attachment: Attachment, path: str, policy: MediaPolicy) -> Blob | None:
    """The agent's own file stored (not yet referenced), when it passes the checks every served file
    passes; else None (the converted copy goes all the same)."""
    screening = inspection.screen(path, policy, category=attachment.category)
    refused = screening.refusal or scanning.scan(path)
    if refused is not None:
        logger.info("attachment %s: its source is not kept (%s)", attachment.pk, refused.code)
        return None
    with open(path, "rb") as file:
        return store_blob(attachment.tenant, file, screening.mime_type)


def _attach_source(attachment_id, blob: Blob) -> None:
    """The source as a rendition of the now ready attachment; released if it is not (gone, failed)."""
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if locked is not None and locked.status == Attachment.Status.READY:
            Rendition.objects.update_or_create(attachment=locked, variant="source", defaults={"blob": blob})
            settle(blob)
            events.attachment_changed(locked)
            return
    release_blob(blob)


def send_as_document(attachment: Attachment) -> bool:
    """A video refused as too long for WhatsApp (its upload kept) goes again, as a document the
    customer downloads. False when this attachment is not such a video."""
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
        if (
            locked is None
            or locked.status != Attachment.Status.FAILED
            or locked.error_code not in KEEPS_UPLOAD
            or not Upload.objects.filter(attachment=locked).exists()
        ):
            return False
        locked.category = Attachment.Category.DOCUMENT
        locked.status = Attachment.Status.PROCESSING
        locked.error_code = locked.error_message = ""
        locked.save(update_fields=["category", "status", "error_code", "error_message", "updated_at"])
        Message.objects.filter(pk=locked.message_id).update(
            status=Message.Status.PROCESSING, error_code="", error_message=""
        )
        events.message_status(Message.objects.get(pk=locked.message_id))
        jobs.after_commit("whatsapp.send_outgoing", str(locked.pk))
    logger.info("attachment %s goes again as a document", attachment.pk)
    return True
