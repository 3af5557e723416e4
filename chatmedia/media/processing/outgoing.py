"""A verified browser upload → the file WhatsApp gets → stored content-addressed → attachment ready.

Runs in the `media_upload` worker before the send (`whatsapp.tasks.send_outgoing`). The uploaded
object is copied to a scratch directory; voice notes are converted to Ogg/Opus and pictures over
WhatsApp's limits recompressed (in the isolated processing process); then the shared pipeline
checks the whole file again, makes the renditions and stores it. The stored original of an
outgoing attachment is exactly what WhatsApp receives, so what the agent sees in the chat is what
the customer got. The upload object is deleted once the attachment is ready (or refused).
Idempotent: a redelivered task finds the attachment ready and does nothing.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time

from django.conf import settings

from chatmedia.chat.models import Attachment
from chatmedia.media.filenames import extension_for
from chatmedia.media.models import Upload
from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import inspection as processing
from chatmedia.media.processing import pipeline
from chatmedia.media.storage import ObjectNotFound, StorageError, media_storage

logger = logging.getLogger(__name__)


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


def prepare(attachment_id) -> Attachment | None:
    """Make the attachment ready to send (or failed with the reason). StorageError: try again later."""
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
        conversion = processing.make_sendable(source, attachment.category, policy, scratch)
        if conversion.refusal is not None:
            _drop_upload(attachment.pk)
            return pipeline.fail(attachment.pk, conversion.refusal.code, conversion.refusal.message)
        path = source
        if conversion.file is not None:
            path = conversion.file.path
            attachment.declared_mime_type = conversion.file.mime_type
            attachment.file_name = _renamed(attachment.file_name, conversion.file.mime_type)
            Attachment.objects.filter(pk=attachment.pk).update(
                declared_mime_type=attachment.declared_mime_type, file_name=attachment.file_name
            )
            logger.info(
                "attachment %s converted for WhatsApp: %d → %d bytes (%s)",
                attachment.pk,
                upload.size,
                conversion.file.bytes,
                conversion.file.mime_type,
            )
        with open(path, "rb") as file:
            finished = pipeline.process(attachment.pk, file, policy)
    if finished is not None and finished.status in (Attachment.Status.READY, Attachment.Status.FAILED):
        _drop_upload(attachment.pk)
    logger.info("attachment %s prepared in %.0f ms", attachment_id, (time.monotonic() - started) * 1000)
    return finished
